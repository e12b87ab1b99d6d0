package trainer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
)

// Losses lists the training objectives Train accepts.
var Losses = []string{"supcon-out", "supcon-in", "simclr", "ce"}

// Config is a pre-training run's settings. It is written to the run's
// config.json; a resumed run must have the same (except StopAfter).
type Config struct {
	// Data are the training shards: files, globs or a manifest.
	Data []string `json:"data"`
	// Model is the encoder (model.Encoders); ProjectionDim the projection
	// head's output (128 in the paper).
	Model         string `json:"model"`
	ProjectionDim int    `json:"projection_dim"`
	// Loss is one of Losses: SupCon L_out (the paper's), L_in, SimCLR, or
	// "ce", which trains the encoder and a linear classifier end to end with
	// cross-entropy (the baseline).
	Loss string `json:"loss"`
	// Temperature τ (0.1 in the paper); BaseTemperature, when set, scales
	// the loss by τ/BaseTemperature as the PyTorch reference code does.
	Temperature     float64 `json:"temperature"`
	BaseTemperature float64 `json:"base_temperature,omitempty"`
	// P classes × K images × Views views per batch.
	P     int `json:"p"`
	K     int `json:"k"`
	Views int `json:"views"`
	// Epochs of training; an epoch uses every image once (see input).
	Epochs int `json:"epochs"`
	// Optimizer is one of optim.Names(); LR its peak learning rate, 0 meaning
	// 0.5·(P·K)/1024 (the paper's CIFAR rate, scaled linearly with the
	// batch of images). Momentum and WeightDecay < 0 mean the optimiser's
	// default (optim.Defaults).
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	// WarmupFraction of the training (measured in images seen) ramps the
	// learning rate up linearly from 0; the rest follows a cosine to 0.
	WarmupFraction float64 `json:"warmup_fraction"`
	// Seed fixes the initial weights and every random choice of the input.
	Seed int64 `json:"seed"`
	// Mean and Std normalise pixels, per channel: (x/255 − mean)/std.
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
	// CheckpointEvery is the number of steps between checkpoints; 0 means
	// one per epoch. A checkpoint is also written at the end, and when the
	// run is interrupted or stopped.
	CheckpointEvery int64 `json:"checkpoint_every"`
	// Buffer and Interleave tune the input (see input.BatchOptions and
	// input.Options); 0 means their defaults.
	Buffer     int `json:"buffer,omitempty"`
	Interleave int `json:"interleave,omitempty"`
	// Corrupt is the corrupt-record policy, "fail" or "skip".
	Corrupt string `json:"corrupt"`

	// KeepCheckpoints, when positive, keeps only that many newest
	// checkpoints.
	KeepCheckpoints int `json:"keep_checkpoints,omitempty"`

	// StopAfter, when positive, stops the run (with a checkpoint) once it
	// has done that many steps in all; a later --resume continues it.
	StopAfter int64 `json:"-"`
	// Resume continues from the run's latest checkpoint.
	Resume bool `json:"-"`
}

// DefaultConfig returns the defaults: cnn-small, SupCon L_out with τ = 0.1,
// P=16 × K=8 × 2 views, SGD momentum 0.9, weight decay 1e-4, 10% warm-up then
// cosine, pixels mapped to [−1, 1] (mean 0.5, std 0.5).
func DefaultConfig() Config {
	return Config{Mean: []float32{0.5}, Std: []float32{0.5},
		Model: "cnn-small", ProjectionDim: 128, Loss: "supcon-out", Temperature: loss.DefaultTemperature,
		P: 16, K: 8, Views: 2, Epochs: 10, Optimizer: "sgd", Momentum: -1, WeightDecay: -1,
		WarmupFraction: 0.1, Corrupt: "fail",
	}
}

// lossKind maps a Config loss name to package loss's.
func lossKind(name string) (loss.Kind, error) {
	switch name {
	case "supcon-out":
		return loss.SupConOut, nil
	case "supcon-in":
		return loss.SupConIn, nil
	case "simclr":
		return loss.SimCLR, nil
	case "ce":
		return loss.CrossEntropy, nil
	}
	return 0, fmt.Errorf("unknown loss %q (want one of %s)", name, strings.Join(Losses, ", "))
}

func (c *Config) validate() error {
	if len(c.Data) == 0 {
		return errors.New("no training data given")
	}
	if _, err := lossKind(c.Loss); err != nil {
		return err
	}
	switch {
	case c.P < 1 || c.K < 1 || c.Views < 1:
		return fmt.Errorf("batch shape P=%d K=%d views=%d: each must be at least 1", c.P, c.K, c.Views)
	case c.P*c.K*c.Views < 2:
		return fmt.Errorf("batch of P·K·views = %d sample: at least 2 (batch norm and the contrastive losses need them)", c.P*c.K*c.Views)
	case c.Epochs < 1:
		return fmt.Errorf("epochs %d: at least 1", c.Epochs)
	case c.Temperature <= 0:
		return fmt.Errorf("temperature %g: must be positive", c.Temperature)
	case c.WarmupFraction < 0 || c.WarmupFraction > 1:
		return fmt.Errorf("warm-up fraction %g: want 0..1", c.WarmupFraction)
	case c.LR < 0:
		return fmt.Errorf("learning rate %g: must not be negative", c.LR)
	case c.ProjectionDim < 1 && c.Loss != "ce":
		return fmt.Errorf("projection dimension %d: at least 1", c.ProjectionDim)
	}
	if _, err := optim.Defaults(c.Optimizer); err != nil {
		return err
	}
	for _, v := range c.Mean {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("mean %v: not a finite number", c.Mean)
		}
	}
	for _, v := range c.Std {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("std %v: every value must be a positive finite number", c.Std)
		}
	}
	if _, err := input.ParseCorruptPolicy(c.Corrupt); err != nil {
		return err
	}
	return nil
}

// optimizerConfig returns the named optimiser's defaults with momentum and
// weight decay overridden where they are not negative.
func optimizerConfig(name string, momentum, weightDecay float64) (optim.Config, error) {
	oc, err := optim.Defaults(name)
	if err != nil {
		return oc, err
	}
	if momentum >= 0 {
		oc.Momentum = momentum
	}
	if weightDecay >= 0 {
		oc.WeightDecay = weightDecay
	}
	return oc, nil
}

// learner is a training graph and the optimiser over its learned tensors.
type learner struct {
	g      *model.Graph
	opt    *optim.Optimizer
	params []*optim.Param
}

// newLearner makes the named optimiser over g's learned tensors: weights get
// weight decay (and LARS adaptation), biases and batch-norm parameters not.
func newLearner(g *model.Graph, name string, oc optim.Config) (*learner, error) {
	l := &learner{g: g, params: make([]*optim.Param, len(g.Learned()))}
	for i, p := range g.Learned() {
		k := optim.Weight
		if p.Kind != model.Weight {
			k = optim.NoDecay
		}
		l.params[i] = &optim.Param{Name: p.Name, Value: p.Data, Kind: k}
	}
	var err error
	l.opt, err = optim.New(name, oc, l.params)
	return l, err
}

// update applies the gradients of the graph's last run with learning rate lr.
func (l *learner) update(lr float64) error {
	for i := range l.params {
		l.params[i].Grad = l.g.Gradient(i)
	}
	return l.opt.Step(lr)
}

// dataInfo is what a run needs to know about its data before the first batch.
type dataInfo struct {
	Height, Width, Channels int
	Classes                 []string // class names, index = label
	NumClasses              int
	Records                 int64 // images per augmentation pass (this rank)
	Views                   int   // stored per record
}

// describeData finds the views' size, the classes and the number of images,
// from the dataset's manifest (named, or found next to the shards) or, without
// one, by reading an epoch's records once.
func describeData(ctx context.Context, d *input.Dataset) (*dataInfo, error) {
	man := d.Manifest()
	if man == nil {
		if files := d.Files(); len(files) > 0 {
			if s, ok := shards.ParseShardPath(files[0]); ok {
				if m, err := shards.ReadManifest(ctx, shards.ManifestPath(s.Prefix)); err == nil {
					man = m
				}
			}
		}
	}
	if man != nil && man.Height > 0 && man.Channels > 0 && len(man.Classes) > 0 {
		passes := int64(max(man.Epochs, 1))
		info := &dataInfo{Height: man.Height, Width: man.Width, Channels: man.Channels,
			Classes: man.Classes, NumClasses: len(man.Classes), Views: man.Views}
		// The rank's share: count the records of the rank's shards of pass 0.
		own := map[string]bool{}
		for _, f := range d.Files() {
			own[baseName(f)] = true
		}
		for _, s := range man.Shards {
			if own[s.Name] {
				info.Records += s.Records
			}
		}
		info.Records /= passes
		if info.Records == 0 {
			info.Records = man.Records / passes
		}
		return info, nil
	}
	r, err := d.Epoch(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	info := &dataInfo{}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the data to describe it: %w", err)
		}
		if info.Records == 0 {
			info.Height, info.Width, info.Channels, info.Views = rec.Height, rec.Width, rec.Channels, len(rec.Views)
		}
		info.Records++
		if int(rec.Label) >= info.NumClasses {
			info.NumClasses = int(rec.Label) + 1
		}
	}
	if info.Records == 0 {
		return nil, errors.New("the training data holds no records")
	}
	return info, nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// specFor returns the model spec a run trains.
func (c *Config) specFor(info *dataInfo) model.Spec {
	s := model.Spec{Encoder: c.Model, Channels: info.Channels, Height: info.Height, Width: info.Width}
	if c.Loss == "ce" {
		s.Classes = info.NumClasses
	} else {
		s.ProjectionDim = c.ProjectionDim
	}
	return s
}
