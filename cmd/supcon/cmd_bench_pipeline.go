package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/supcon/supcon/pipelines"
	"github.com/supcon/supcon/shards"
)

func init() {
	register(&command{
		Name:    "bench pipeline",
		Summary: "measure the augment pipeline's CPU ms per image, stage by stage",
		Help: `Bench pipeline measures what 'supcon augment' costs per image for --input and
the augment flags given: each stage (read, decode, augment, encode,
record+write) timed on its own in one goroutine with the pipeline's own
functions, then the whole pipeline on --runner; "runner" is the whole minus
the stages (runs, merge, shuffle, finalize and the runner). Figures are CPU
time of the process (and wall time) per image and per view, so a shared
machine skews them less. The datasets are written to a temporary folder and
removed. See docs/performance.md, "The pipeline's cost per image".`,
		Run: runBenchPipeline,
	})
}

func runBenchPipeline(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	var cfg pipelines.Config
	var runner, tmp string
	fs.StringVar(&cfg.Input, "input", "", "the source: DIR, cifar10:DIR, cifar100:DIR, mnist:DIR or tfrecord:GLOB (required)")
	fs.StringVar(&cfg.Policy, "policy", "autoaugment:imagenet", "augmentation policy `SPEC`")
	fs.IntVar(&cfg.Views, "views", 2, "views per image and epoch")
	fs.IntVar(&cfg.Epochs, "epochs", 1, "augmentation passes")
	fs.IntVar(&cfg.Shards, "shards", 4, "shards per epoch of the whole-pipeline run")
	fs.IntVar(&cfg.Size, "size", 224, "side of every square view, in pixels")
	fs.TextVar(&cfg.Format, "format", shards.FormatPNG, "view encoding: "+strings.Join(shards.ViewFormats(), ", "))
	fs.IntVar(&cfg.Quality, "quality", 95, "JPEG quality, with --format jpeg")
	fs.StringVar(&cfg.PNGCompression, "png-compression", "default", "PNG compression: default, speed, best or none")
	fs.IntVar(&cfg.Channels, "channels", 3, "1 (gray) or 3 (RGB)")
	fs.StringVar(&cfg.Split, "split", "train", "train or test files of CIFAR and MNIST")
	fs.StringVar(&cfg.Crop, "crop", "random", "random, center or none")
	fs.Int64Var(&cfg.Seed, "seed", 0, "the run's seed")
	fs.StringVar(&cfg.Encoder, "encoder", "go", "view encoder: go (the standard library's) or fast (PNG: klauspost deflate; JPEG: libjpeg-turbo, needs -tags turbojpeg)")
	fs.StringVar(&runner, "runner", "prism", "runner of the whole-pipeline run: prism or direct (none: stages only)")
	fs.StringVar(&tmp, "tmp", "", "folder for the temporary datasets (default: the system's)")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if cfg.Input == "" {
		return usageErrorf("--input is required")
	}
	switch runner {
	case "prism", "direct":
	case "none":
		runner = ""
	default:
		return usageErrorf("--runner %q: want prism, direct or none (the whole pipeline runs in this process)", runner)
	}
	cfg.Output = "bench" // replaced by MeasureStages; Validate wants one
	if err := cfg.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	if err := pipelines.ResolveLabels(ctx, &cfg, ""); err != nil {
		return err
	}
	rep, err := pipelines.MeasureStages(ctx, cfg, runner, tmp)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%d images of %s, policy %s, %d views × %d epochs, %d px %s, encoder %s\n",
		rep.Images, cfg.Input, cfg.Policy, cfg.Views, cfg.Epochs, cfg.Size, cfg.Format, cfg.Encoder)
	printStageReport(s, rep)
	return nil
}

// printStageReport prints the report as a table of ms per image and view.
func printStageReport(s *streams, rep *pipelines.StageReport) {
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', tabwriter.AlignRight)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/1e6) }
	fmt.Fprintln(tw, "stage\tCPU ms/image\twall ms/image\tCPU ms/view\t")
	row := func(name string, c pipelines.Cost) {
		img, view := c.Per(rep.Images), c.Per(rep.Views)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", name, ms(img.CPU), ms(img.Wall), ms(view.CPU))
	}
	for _, st := range rep.Stages {
		row(st.Name, st.Cost)
	}
	row("sum of stages", rep.Sum())
	if rep.RunnerName != "" {
		row("runner ("+rep.RunnerName+")", rep.Runner)
		row("total ("+rep.RunnerName+")", rep.Total)
	}
	tw.Flush()
	if rep.RunnerName != "" && rep.Total.CPU > 0 {
		fmt.Fprintf(s.Out, "whole pipeline: %.1f images per CPU-second, %.1f images/s wall\n",
			float64(rep.Images)/rep.Total.CPU.Seconds(), float64(rep.Images)/rep.Total.Wall.Seconds())
	}
}
