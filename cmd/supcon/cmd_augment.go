package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/pipelines"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/ahead"
)

func init() {
	register(&command{
		Name:    "augment",
		Args:    "--input SRC --output PREFIX (--policy SPEC | --corruptions all|LIST [--severities 1-5]) [flags]",
		Summary: "turn an image dataset into multiview TFRecord shards (Apache Beam pipeline)",
		Help: `Augment runs the Beam pipeline that reads an image dataset, decodes every image,
makes --views augmented views of it per epoch with --policy, and writes --shards
TFRecord shards per epoch of multiview tf.train.Example records, plus
PREFIX.labels.txt, PREFIX.rejected.jsonl and, last, PREFIX.manifest.json.

Sources (local paths or gs:// URLs):
  DIR                a folder tree, one sub-folder per class, images at any depth
  cifar10:DIR        CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin)
  cifar100:DIR       CIFAR-100 binary files (train.bin, test.bin)
  mnist:DIR          the four MNIST idx files, gzipped or not
  tfrecord:GLOB      ImageNet-style TFRecords (image/encoded, image/class/label)

Epoch e of E writes shards e*N .. e*N+N-1 of PREFIX-xxxxx-of-{E*N}. Records are
sorted by id inside each shard, so the same inputs and seed give the same bytes
on every runner. Bad images (undecodable, truncated, empty, unreadable) are
listed in PREFIX.rejected.jsonl with the reason and never stop the job.

With --ahead A (epoch-ahead production, docs/streaming.md) each epoch e is its
own bounded job and its own dataset PREFIX.epoch-0000e (shards, labels,
rejections, manifest last), byte for byte the shards e*N .. e*N+N-1 of the
batch job; PREFIX.epochs.json indexes them. The producer stays at most A epochs
ahead of the trainer ('supcon train --data PREFIX --follow'), which publishes
PREFIX.progress.json; --keep K deletes all but the last K epochs it finished.
A restarted producer continues from the first unfinished epoch.

With --corruptions (all, or a comma-separated list) it writes instead one
dataset per corruption and severity (--severities, a range A-B or a list),
PREFIX-NAME-sS (e.g. PREFIX-fog-s3), each with the policy
corrupt:NAME,severity=S, all from one Beam job: the corrupted copies of a test
set that 'supcon eval --corrupted' scores. Views default to 1; --crop must be
the clean test set's (center or none). See docs/evaluation.md.

Runners: prism (default, in-process), direct, universal (--endpoint HOST:PORT
of a job server, e.g. a prism or Flink job server) and dataflow (--project,
--region, --staging_location, --temp_location; see docs/dataflow.md). Every Beam flag
may be given after the command too.`,
		Run: runAugment,
	})
}

// augmentFlags are supcon augment's settings.
type augmentFlags struct {
	cfg                                     pipelines.Config
	runner, labels, corruptions, severities string
	ahead                                   pipelines.EpochOptions
}

// define adds the flags to fs.
func (f *augmentFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.cfg.Input, "input", "", "the source: DIR, cifar10:DIR, cifar100:DIR, mnist:DIR or tfrecord:GLOB (local or gs://)")
	fs.StringVar(&f.cfg.Output, "output", "", "the dataset `PREFIX` (local or gs://): shards are PREFIX-00000-of-NNNNN.tfrecord")
	fs.StringVar(&f.cfg.Policy, "policy", "autoaugment:imagenet", "augmentation policy `SPEC` (see 'supcon apply -h')")
	fs.IntVar(&f.cfg.Views, "views", 2, "views per image and epoch")
	fs.IntVar(&f.cfg.Epochs, "epochs", 1, "augmentation passes; each gets its own views and shards")
	fs.IntVar(&f.cfg.Shards, "shards", 16, "shards per epoch")
	fs.IntVar(&f.cfg.Size, "size", 224, "side of every square view, in pixels")
	fs.TextVar(&f.cfg.Format, "format", shards.FormatPNG, "view encoding: "+strings.Join(shards.ViewFormats(), ", ")+" (raw: H*W*C bytes)")
	fs.IntVar(&f.cfg.Quality, "quality", 95, "JPEG quality, with --format jpeg")
	fs.StringVar(&f.cfg.PNGCompression, "png-compression", "default", "PNG compression, with --format png: default, speed (several times faster, larger files), best or none")
	fs.IntVar(&f.cfg.Channels, "channels", 3, "1 (gray) or 3 (RGB)")
	fs.Int64Var(&f.cfg.Seed, "seed", 0, "the run's seed: with image id, view and epoch it fixes every view")
	fs.StringVar(&f.cfg.Split, "split", "train", "train or test files of CIFAR and MNIST")
	fs.StringVar(&f.cfg.Compression, "compression", "none", "shard compression: "+strings.Join(shards.Compressions(), ", "))
	fs.Float64Var(&f.cfg.MinArea, "min-area", 0, "smallest area fraction of the random crop (0: 0.08, ImageNet; CIFAR uses 0.2)")
	fs.StringVar(&f.cfg.Crop, "crop", "random", "how views are cut out: random (crop + flip, training), center (evaluation) or none (whole image, already --size)")
	fs.BoolVar(&f.cfg.NoFlip, "no-flip", false, "no horizontal flip in the random crop (digits, text)")
	fs.IntVar(&f.cfg.RunBuffer, "run-buffer", 0, "`BYTES` of records a worker buffers before writing them as sorted runs, and about what one shard merge holds (0: 32 MiB); a worker needs about this x (CPUs+1)")
	fs.StringVar(&f.cfg.Encoder, "encoder", "go", "view encoder: go (the standard library; the default, byte-identical everywhere) or fast (klauspost deflate for png; libjpeg-turbo for jpeg, in a binary built with -tags turbojpeg); recorded in the manifest, see docs/decisions/jpeg.md")
	fs.StringVar(&f.labels, "labels", "", "labels `FILE` fixing the class names and order (e.g. the training set's PREFIX.labels.txt)")
	fs.StringVar(&f.corruptions, "corruptions", "", "write one dataset per corruption (all, or a comma-separated `LIST`) and severity instead of one with --policy")
	fs.StringVar(&f.severities, "severities", "1-5", "severities of --corruptions: a range A-B or a comma-separated list")
	fs.IntVar(&f.ahead.Ahead, "ahead", 0, "epoch-ahead production: one job and dataset PREFIX.epoch-NNNNN per epoch, at most `A` epochs ahead of the trainer (0: one batch job)")
	fs.IntVar(&f.ahead.Keep, "keep", -1, "with --ahead: keep the last `K` epochs the trainer finished, delete older ones (-1: keep all)")
	fs.DurationVar(&f.ahead.Poll, "poll", time.Second, "with --ahead: how often to read the trainer's progress")
	fs.StringVar(&f.runner, "runner", "prism", "Beam runner: "+strings.Join(pipelines.Runners(), ", "))
	bindBeamFlags(fs)
}

func runAugment(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	var f augmentFlags
	f.define(fs)
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if err := pipelines.CheckRunner(f.runner); err != nil {
		return usageErrorf("--runner: %v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	cfg := &f.cfg
	var suite []pipelines.Config
	if f.corruptions != "" {
		var err error
		if suite, err = corruptionSuite(cfg, f.corruptions, f.severities, set); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	if err := pipelines.ResolveLabels(ctx, cfg, f.labels); err != nil {
		return err
	}
	switch {
	case suite != nil && f.ahead.Ahead > 0:
		return usageErrorf("--ahead: a corruption suite is one epoch: give no --ahead")
	case suite != nil:
		return runAugmentSuite(ctx, s, *cfg, suite, f.runner)
	case f.ahead.Ahead > 0:
		return runAugmentEpochs(ctx, s, *cfg, f.runner, f.ahead)
	}
	return runAugmentBatch(ctx, s, *cfg, f.runner)
}

// runAugmentBatch runs the augment pipeline as one batch job and prints
// its summary.
func runAugmentBatch(ctx context.Context, s *streams, cfg pipelines.Config, runner string) error {
	policy, err := augment.Parse(cfg.Policy)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "augment: %s -> %s, %d classes, policy %s, %d views x %d epochs, %d shards per epoch, runner %s\n",
		cfg.Input, cfg.Output, len(cfg.Labels), policy, cfg.Views, cfg.Epochs, cfg.Shards, runner)
	sum, err := pipelines.Run(ctx, cfg, runner, s.Err)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "wrote %d records (%d images x %d epochs, %d views) in %d shards, %d bytes; rejected %d; %.1fs, %.1f images/s\n",
		sum.Records, sum.Images, cfg.Epochs, sum.Views, sum.Shards, sum.Bytes, sum.Rejected, sum.Seconds, sum.ImagesPerSecond())
	if sum.ShuffleBytes >= 0 {
		fmt.Fprintf(s.Out, "shuffled %d bytes (%.2f%% of the bytes written): references to %d sorted runs, never views\n",
			sum.ShuffleBytes, 100*float64(sum.ShuffleBytes)/float64(max(sum.Bytes, 1)), sum.Runs)
	}
	if sum.Lost >= 0 {
		fmt.Fprintf(s.Out, "lost views: %d of %d (content gone: all fill, or flat; see supcon preview)\n", sum.Lost, sum.Views)
	}
	if len(sum.Missing) > 0 {
		fmt.Fprintf(s.Out, "read the files that are there; missing: %s\n", strings.Join(sum.Missing, ", "))
	}
	fmt.Fprintf(s.Out, "manifest: %s\n", shards.ManifestPath(cfg.Output))
	if sum.Rejected > 0 {
		fmt.Fprintf(s.Out, "rejected inputs and reasons: %s\n", pipelines.RejectedPath(cfg.Output))
	}
	return nil
}

// runAugmentEpochs runs epoch-ahead production: one job per epoch.
func runAugmentEpochs(ctx context.Context, s *streams, cfg pipelines.Config, runner string, opt pipelines.EpochOptions) error {
	fmt.Fprintf(s.Err, "augment: %s -> %s.epoch-NNNNN, %d classes, %d views, %d epochs (one job each, at most %d ahead of the trainer), %d shards per epoch, runner %s\n",
		cfg.Input, cfg.Output, len(cfg.Labels), cfg.Views, cfg.Epochs, opt.Ahead, cfg.Shards, runner)
	sums, err := pipelines.RunEpochs(ctx, cfg, runner, opt, s.Err)
	for _, sum := range sums {
		fmt.Fprintf(s.Out, "epoch %d: %d records, %d views, %d shards, %d bytes; rejected %d; %.1fs, %.1f images/s\n",
			sum.Epoch, sum.Records, sum.Views, sum.Shards, sum.Bytes, sum.Rejected, sum.Seconds, sum.ImagesPerSecond())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "index: %s\n", ahead.IndexPath(cfg.Output))
	return nil
}

// bindBeamFlags makes every global Beam flag (--project, --region,
// --staging_location, --temp_location, --endpoint, --environment_type, ...)
// settable after the command name too. The command's own flags win where a
// name is taken (Dataflow's job --labels can be given before the command).
func bindBeamFlags(fs *flag.FlagSet) {
	flag.CommandLine.VisitAll(func(f *flag.Flag) {
		if fs.Lookup(f.Name) == nil {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
}

// corruptionSuite reads --corruptions and --severities into one config per
// corruption and severity, with --views 1 unless given. It checks the
// flags that a corrupted copy of a test set needs.
func corruptionSuite(cfg *pipelines.Config, corruptions, severities string, set map[string]bool) ([]pipelines.Config, error) {
	names, err := parseCorruptions(corruptions)
	if err != nil || len(names) == 0 {
		return nil, usageErrorf("--corruptions: no corruption named in %q", corruptions)
	}
	sevs, err := parseSeverities(severities)
	if err != nil {
		return nil, usageErrorf("--severities: %v", err)
	}
	switch {
	case set["policy"]:
		return nil, usageErrorf("--corruptions sets each dataset's policy (corrupt:NAME,severity=S): give no --policy")
	case cfg.Crop == "random":
		return nil, usageErrorf("--corruptions: --crop random would crop every dataset differently from the clean test set; give its --crop (center or none)")
	case cfg.Epochs != 1:
		return nil, usageErrorf("--corruptions: --epochs %d: a corrupted test set has one epoch", cfg.Epochs)
	}
	if !set["views"] {
		cfg.Views = 1
	}
	suite := pipelines.CorruptionSuite(*cfg, names, sevs)
	for _, c := range suite {
		if err := c.Validate(); err != nil {
			return nil, usageErrorf("%v", err)
		}
	}
	cfg.Policy = suite[0].Policy // for the checks of the shared settings
	return suite, nil
}

// runAugmentSuite writes the datasets of a corruption suite in one Beam job.
func runAugmentSuite(ctx context.Context, s *streams, cfg pipelines.Config, suite []pipelines.Config, runner string) error {
	for i := range suite {
		suite[i].Labels = cfg.Labels
	}
	fmt.Fprintf(s.Err, "augment: %s -> %d corrupted datasets %s-NAME-sS, %d classes, %d views, crop %s, %d shards each, one job on runner %s\n",
		cfg.Input, len(suite), cfg.Output, len(cfg.Labels), cfg.Views, cfg.Crop, cfg.Shards, runner)
	sums, err := pipelines.RunAll(ctx, suite, runner, s.Err)
	if err != nil {
		return err
	}
	var records, bytes int64
	for i, sum := range sums {
		records += sum.Records
		bytes += sum.Bytes
		fmt.Fprintf(s.Out, "%s: %s, %d records, %d bytes, rejected %d\n", shards.ManifestPath(suite[i].Output), suite[i].Policy, sum.Records, sum.Bytes, sum.Rejected)
	}
	fmt.Fprintf(s.Out, "wrote %d datasets, %d records, %d bytes in %.1fs\n", len(sums), records, bytes, sums[0].Seconds)
	if len(sums[0].Missing) > 0 {
		fmt.Fprintf(s.Out, "read the files that are there; missing: %s\n", strings.Join(sums[0].Missing, ", "))
	}
	if sums[0].Rejected > 0 {
		fmt.Fprintf(s.Out, "rejected inputs and reasons: %s (per dataset)\n", pipelines.RejectedPath(suite[0].Output))
	}
	fmt.Fprintf(s.Out, "score them: supcon eval --corrupted '%s-*.manifest.json' ...\n", cfg.Output)
	return nil
}
