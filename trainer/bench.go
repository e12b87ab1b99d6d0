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
		return nil, fmt.Errorf("bench: Batch %d, Views %d, Steps %d, Size %d, Channels %d: each must be at least 1", c.Batch, c.Views, c.Steps, c.Size, c.Channels)
	}
	if err := checkLoss(c.Loss); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	b, err := newBench(c)
	if err != nil {
		return nil, err
	}
	defer b.g.Close()
	for i := 0; i < c.Warmup; i++ {
		if err := b.step(); err != nil {
			return nil, err
		}
	}
	tm := b.g.Timings()
	tm.Reset()
	b.optTime = 0
	began := time.Now()
	for i := 0; i < c.Steps; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := b.step(); err != nil {
			return nil, err
		}
	}
	return b.result(time.Since(began), tm.ByKind), nil
}

// bench is a model's training graph on one synthetic batch.
type bench struct {
	c       BenchConfig
	g       *model.Graph
	lrn     *learner
	x       []float32
	optTime time.Duration // in the optimiser's updates
}

// newBench builds the model, its graph and SGD, and a batch of random
// pixels whose labels cycle through the classes.
func newBench(c BenchConfig) (*bench, error) {
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
	oc, err := optim.Defaults("sgd")
	if err != nil {
		g.Close()
		return nil, err
	}
	lrn, err := newLearner(g, "sgd", oc)
	if err != nil {
		g.Close()
		return nil, err
	}
	b := &bench{c: c, g: g, lrn: lrn, x: make([]float32, n*c.Channels*c.Size*c.Size)}
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 1))
	for i := range b.x {
		b.x[i] = float32(rng.NormFloat64())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i % c.Batch) % classes
	}
	obj.SetBatch(labels, nil)
	return b, nil
}

// step runs one training step, timing the optimiser's part.
func (b *bench) step() error {
	if err := b.g.SetImages(b.x); err != nil {
		return err
	}
	if err := b.g.Run(); err != nil {
		return err
	}
	t0 := time.Now()
	err := b.lrn.update(0.01)
	b.optTime += time.Since(t0)
	return err
}

// result breaks the timed steps' time el down: the ops by kind (byKind),
// the optimiser, and the rest.
func (b *bench) result(el time.Duration, byKind map[string]time.Duration) *BenchResult {
	steps := time.Duration(b.c.Steps)
	res := &BenchResult{Steps: b.c.Steps, StepTime: el / steps, ViewsPerSec: float64(b.c.Batch*b.c.Views*b.c.Steps) / el.Seconds()}
	var ours time.Duration
	for k, d := range byKind {
		res.Parts = append(res.Parts, BenchPart{Kind: k, PerStep: d / steps})
		ours += d
	}
	sort.Slice(res.Parts, func(i, j int) bool { return res.Parts[i].PerStep > res.Parts[j].PerStep })
	res.Parts = append(res.Parts,
		BenchPart{Kind: "optimizer", PerStep: b.optTime / steps},
		BenchPart{Kind: "gorgonia ops and machine", PerStep: (el - ours - b.optTime) / steps})
	for i := range res.Parts {
		res.Parts[i].Share = float64(res.Parts[i].PerStep) / float64(res.StepTime)
	}
	return res
}
