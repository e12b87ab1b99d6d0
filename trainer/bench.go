package trainer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
)

// BenchConfig is a synthetic training benchmark: full training steps
// (forward, loss, backward, optimiser) on random input, no data reading.
type BenchConfig struct {
	Model    string
	Size     int // views are Size×Size
	Channels int
	Batch    int       // images per step
	Views    int       // views per image
	Classes  int       // labels cycle through this many classes
	Loss     loss.Kind // one of Losses()
	Steps    int       // timed steps
	Warmup   int       // untimed steps first
	Seed     int64
}

// BenchPart is the time one kind of op took per step.
type BenchPart struct {
	Kind    string        `json:"kind"`
	PerStep time.Duration `json:"per_step"`
	Share   float64       `json:"share"`
}

// BenchResult is what Bench measured.
type BenchResult struct {
	Steps       int           `json:"steps"`
	StepTime    time.Duration `json:"step_time"`
	ViewsPerSec float64       `json:"views_per_sec"`
	// Parts break a step down: our ops by kind, the optimiser, and the rest
	// (gorgonia's own ops and its machine).
	Parts []BenchPart `json:"parts"`
}

// Bench times full training steps of a model on synthetic input.
func Bench(ctx context.Context, c BenchConfig) (*BenchResult, error) {
	if c.Batch < 1 || c.Views < 1 || c.Steps < 1 || c.Size < 1 || c.Channels < 1 {
		return nil, fmt.Errorf("bench: batch %d, views %d, steps %d, size %d, channels %d: each must be at least 1", c.Batch, c.Views, c.Steps, c.Size, c.Channels)
	}
	if err := checkLoss(c.Loss); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	classes := max(c.Classes, 1)
	spec := model.Spec{Encoder: c.Model, Channels: c.Channels, Height: c.Size, Width: c.Size, ProjectionDim: 128}
	head := model.ProjectionHead
	if c.Loss == loss.CrossEntropy {
		spec.ProjectionDim, spec.Classes, head = 0, classes, model.ClassifierHead
	}
	m, err := model.New(spec, c.Seed)
	if err != nil {
		return nil, err
	}
	n := c.Batch * c.Views
	obj := &model.Objective{Options: loss.Options{Loss: c.Loss, Views: c.Views, Normalize: true}}
	g, err := m.NewGraph(model.GraphOptions{Batch: n, Train: true, Head: head, Loss: obj})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	oc, err := optim.Defaults("sgd")
	if err != nil {
		return nil, err
	}
	lrn, err := newLearner(g, "sgd", oc)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 1))
	x := make([]float32, n*c.Channels*c.Size*c.Size)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i % c.Batch) % classes
	}
	obj.SetBatch(labels, nil)
	var optTime time.Duration
	step := func() error {
		if err := g.SetImages(x); err != nil {
			return err
		}
		if err := g.Run(); err != nil {
			return err
		}
		t0 := time.Now()
		err := lrn.update(0.01)
		optTime += time.Since(t0)
		return err
	}
	for i := 0; i < c.Warmup; i++ {
		if err := step(); err != nil {
			return nil, err
		}
	}
	tm := g.Timings()
	tm.Reset()
	optTime = 0
	began := time.Now()
	for i := 0; i < c.Steps; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := step(); err != nil {
			return nil, err
		}
	}
	el := time.Since(began)
	res := &BenchResult{Steps: c.Steps, StepTime: el / time.Duration(c.Steps), ViewsPerSec: float64(n*c.Steps) / el.Seconds()}
	var ours time.Duration
	for k, d := range tm.ByKind {
		res.Parts = append(res.Parts, BenchPart{Kind: k, PerStep: d / time.Duration(c.Steps)})
		ours += d
	}
	sort.Slice(res.Parts, func(i, j int) bool { return res.Parts[i].PerStep > res.Parts[j].PerStep })
	res.Parts = append(res.Parts,
		BenchPart{Kind: "optimizer", PerStep: optTime / time.Duration(c.Steps)},
		BenchPart{Kind: "gorgonia ops and machine", PerStep: (el - ours - optTime) / time.Duration(c.Steps)})
	for i := range res.Parts {
		res.Parts[i].Share = float64(res.Parts[i].PerStep) / float64(res.StepTime)
	}
	return res, nil
}
