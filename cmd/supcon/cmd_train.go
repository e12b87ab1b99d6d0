package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/supcon/supcon/evaluate"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
)

func init() {
	register(&command{
		Name:    "train",
		Args:    "--data GLOB --out RUN_DIR",
		Summary: "pre-train an encoder with SupCon (or SimCLR, or cross-entropy) on shards",
		Help: `Train streams class-balanced batches of P classes × K images × V views from
the shards (--data: a glob, shard files, or PREFIX.manifest.json; local or
gs://), runs the encoder and projection head (a gorgonia graph), computes the
loss and its exact gradient with the loss package, and updates the weights.

With --follow, --data is the PREFIX of an epoch-ahead dataset that 'supcon
augment --ahead' is writing (docs/streaming.md): each training epoch reads the
next augmentation epoch once finalized and publishes PREFIX.progress.json; when
it is not there yet, --when-behind wait waits and echo re-reads the last one
(metrics.jsonl: wait_seconds, echoed_epochs, when not zero).

The run directory gets:
  config.json      the settings and what was found in the data
  metrics.jsonl    one line per step: step, epoch, batch, loss, lr, views_per_sec
  checkpoints/     step-NNNNNNNNN.ckpt, one per epoch (or --checkpoint-every
                   steps), at the end, and when interrupted (Ctrl-C)
  loss.png         the loss curve and learning rate, redrawn at each checkpoint
  summary.json     what the last session reported, with damage skipped
  events.out.tfevents.*  TensorBoard event files: tensorboard --logdir RUN_DIR
                   shows loss, learning rate and views/s per step

--monitor VAL measures the frozen encoder after every epoch: kNN top-1 (200
neighbours voting exp(s/0.07), --monitor-k) of VAL's images among the
training images, recorded in metrics.jsonl (a "monitor" line per epoch),
loss.png (a panel of its own), the event files and summary.json.

The run directory may be a gs:// URL. With --corrupt skip, damaged input is
counted: in the summary line, in summary.json, and on the metrics.jsonl
lines of the steps that met it (corrupt_shards, bad_records, skipped).

--resume continues from the latest checkpoint with the same losses, bit for
bit, as a run that never stopped. The same data, flags and seed give the same
metrics.jsonl losses on any number of cores.

Defaults follow the paper's CIFAR recipe scaled to the batch: SGD momentum
0.9, weight decay 1e-4, lr 0.5·(P·K)/1024, 10% linear warm-up then cosine,
τ = 0.1, 2 views. Encoders: mlp, cnn-small, resnet-small (for 32 px).`,
		Run: runTrain,
	})
}

// floatList is a flag of comma-separated numbers.
type floatList []float32

func (l *floatList) String() string {
	var s []string
	for _, v := range *l {
		s = append(s, strconv.FormatFloat(float64(v), 'g', -1, 32))
	}
	return strings.Join(s, ",")
}

func (l *floatList) Set(s string) error {
	*l = nil
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
		if err != nil {
			return fmt.Errorf("%q is not a number", f)
		}
		*l = append(*l, float32(v))
	}
	return nil
}

// stringList is a repeatable flag; each use may also hold comma-separated
// values.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// lossNames lists the losses training accepts.
func lossNames() string {
	var names []string
	for _, k := range trainer.Losses() {
		names = append(names, k.String())
	}
	return strings.Join(names, ", ")
}

func defineTrainFlags(fs *flag.FlagSet, c *trainer.Config) {
	fs.StringVar(&c.Model, "model", c.Model, "encoder: "+strings.Join(model.Encoders(), ", "))
	fs.TextVar(&c.Loss, "loss", c.Loss, "loss: "+lossNames()+" (ce: encoder + linear classifier end to end, the baseline)")
	fs.Float64Var(&c.Temperature, "temperature", c.Temperature, "temperature τ")
	fs.Float64Var(&c.BaseTemperature, "base-temperature", c.BaseTemperature, "scale the loss by τ/base (the PyTorch reference uses 0.07); 0: no scaling")
	fs.IntVar(&c.ProjectionDim, "projection-dim", c.ProjectionDim, "projection head output")
	fs.IntVar(&c.P, "p", c.P, "classes per batch")
	fs.IntVar(&c.K, "k", c.K, "images per class")
	fs.IntVar(&c.Views, "views", c.Views, "views per image")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "epochs (each uses every image once)")
	fs.StringVar(&c.Optimizer, "optimizer", c.Optimizer, "optimiser: "+strings.Join(optim.Names(), ", "))
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate (0: 0.5·(P·K)/1024)")
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "momentum (negative: the optimiser's default)")
	fs.Float64Var(&c.WeightDecay, "weight-decay", c.WeightDecay, "weight decay on weights, not biases or batch norm (negative: the optimiser's default)")
	fs.Float64Var(&c.WarmupFraction, "warmup", c.WarmupFraction, "fraction of the training (in images seen) for the linear warm-up from 0")
	fs.Int64Var(&c.Seed, "seed", c.Seed, "seed of the initial weights and of every input choice")
	fs.Var((*floatList)(&c.Mean), "mean", "per-channel mean for (x/255 − mean)/std; one value applies to every channel")
	fs.Var((*floatList)(&c.Std), "std", "per-channel standard deviation")
	fs.Int64Var(&c.CheckpointEvery, "checkpoint-every", c.CheckpointEvery, "steps between checkpoints (0: at the end of every epoch)")
	fs.IntVar(&c.KeepCheckpoints, "keep-checkpoints", c.KeepCheckpoints, "keep only the newest N checkpoints (0: all)")
	fs.IntVar(&c.Buffer, "buffer", c.Buffer, "records held for shuffling and balancing (0: 16·P·K)")
	fs.IntVar(&c.Interleave, "interleave", c.Interleave, "shards read at once (0: 16)")
	fs.StringVar(&c.Corrupt, "corrupt", c.Corrupt, "damaged records: fail, or skip and count")
}

func runTrain(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	c := trainer.DefaultConfig()
	var data stringList
	var out string
	fs.Var(&data, "data", "training shards: a `GLOB`, shard files or PREFIX.manifest.json (repeat or comma-separate)")
	fs.StringVar(&out, "out", "", "run `DIR`ectory")
	fs.BoolVar(&c.Resume, "resume", false, "continue the run in --out from its latest checkpoint")
	fs.Int64Var(&c.StopAfter, "stop-after", 0, "stop (with a checkpoint) after this many steps in all; --resume continues")
	defineTrainFlags(fs, &c)
	fs.BoolVar(&c.Follow, "follow", false, "train on an epoch-ahead dataset (--data PREFIX, 'supcon augment --ahead') as its epochs are finalized")
	fs.StringVar(&c.WhenBehind, "when-behind", "", "with --follow, when the next epoch is not there: wait, or echo the last one read (default wait)")
	fs.DurationVar(&c.FollowPoll, "follow-poll", 0, "with --follow, how often to look for the next epoch (0: 2s)")
	var monitor stringList
	fs.Var(&monitor, "monitor", "validation shards (a `GLOB`, files or a manifest): kNN top-1 on them after every epoch")
	monitorK := fs.Int("monitor-k", evaluate.DefaultKNNConfig().K, "--monitor's neighbours, voting exp(s/0.07)")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErrorf("unexpected arguments %q", fs.Args())
	case len(data) == 0:
		return usageErrorf("no --data")
	case out == "":
		return usageErrorf("no --out run directory")
	}
	c.Data = data
	if len(monitor) > 0 {
		if *monitorK < 1 {
			return usageErrorf("--monitor-k %d: at least 1", *monitorK)
		}
		corrupt, err := input.ParseCorruptPolicy(c.Corrupt)
		if err != nil {
			return usageErrorf("--corrupt: %v", err)
		}
		knn := evaluate.DefaultKNNConfig()
		knn.K = *monitorK
		c.Monitor = evaluate.KNNMonitor(evaluate.MonitorConfig{Val: monitor, KNN: knn, Corrupt: corrupt})
	}
	sum, err := trainer.Train(ctx, out, c, s.Err)
	if errors.Is(err, trainer.ErrRunExists) {
		return fmt.Errorf("%w (--resume continues it)", err)
	}
	if err != nil {
		return err
	}
	state := "done"
	if sum.Stopped {
		state = "stopped (--resume continues)"
	}
	fmt.Fprintf(s.Out, "%s: %d steps, %d epochs, loss %.4f -> %.4f, %.0f views/s\ncheckpoint %s\n",
		state, sum.Steps, sum.Epochs, sum.FirstLoss, sum.LastLoss, sum.ViewsPerS, sum.Checkpoint)
	if a, ok := sum.Monitor["knn_top1"]; ok {
		fmt.Fprintf(s.Out, "kNN top-1 on --monitor data after the last epoch: %.2f%%\n", 100*a)
	}
	if k := sum.Skipped; k.Any() {
		fmt.Fprintf(s.Out, "skipped (--corrupt skip): %d corrupt shards (the rest of each), %d bad records; last: %s\n",
			k.CorruptShards, k.BadRecords, k.Last)
	}
	return nil
}
