package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/model"
)

func init() {
	register(&command{
		Name:    "bench train",
		Summary: "time full training steps (forward, loss, backward, SGD) on synthetic input",
		Help: `Bench train builds the model and times whole training steps on random input
(no data reading): the encoder and head forward, the loss and its gradient,
the backward pass and an SGD update. It prints views per second and where a
step's time goes: our ops by kind (conv, conv.grad, bn, bn.grad, ...), the
optimiser, and the rest (gorgonia's own ops in the head and its machine).
GOMAXPROCS sets the cores used.`,
		Run: runBenchTrain,
	})
}

func runBenchTrain(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	c := trainer.BenchConfig{Model: "cnn-small", Size: 28, Channels: 1, Batch: 128, Views: 2, Classes: 10,
		Loss: loss.SupConOut, Steps: 5, Warmup: 1, Seed: 1}
	fs.StringVar(&c.Model, "model", c.Model, "encoder: "+strings.Join(model.Encoders(), ", "))
	fs.IntVar(&c.Size, "size", c.Size, "views are size×size")
	fs.IntVar(&c.Channels, "channels", c.Channels, "channels per view")
	fs.IntVar(&c.Batch, "batch", c.Batch, "images per step")
	fs.IntVar(&c.Views, "views", c.Views, "views per image")
	fs.IntVar(&c.Classes, "classes", c.Classes, "classes the labels cycle through")
	fs.TextVar(&c.Loss, "loss", c.Loss, "loss: "+lossNames())
	fs.IntVar(&c.Steps, "steps", c.Steps, "timed steps")
	fs.IntVar(&c.Warmup, "warmup", c.Warmup, "untimed steps first")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	r, err := trainer.Bench(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%s %d×%d×%d, %d images × %d views, %s, %d cores: %.1f views/s (%.0f ms/step over %d steps)\n",
		c.Model, c.Size, c.Size, c.Channels, c.Batch, c.Views, c.Loss, runtime.GOMAXPROCS(0), r.ViewsPerSec,
		float64(r.StepTime.Microseconds())/1000, r.Steps)
	for _, p := range r.Parts {
		fmt.Fprintf(s.Out, "  %-26s %8.1f ms  %5.1f%%\n", p.Kind, float64(p.PerStep.Microseconds())/1000, 100*p.Share)
	}
	return nil
}
