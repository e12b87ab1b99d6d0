package trainer

import (
	"context"
	"errors"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"io"
	"math"
	"strings"
	"time"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
)

// losses are the training objectives Train accepts.
var trainLosses = [...]loss.Kind{loss.SupConOut, loss.SupConIn, loss.SimCLR, loss.CrossEntropy}

// Losses returns the training objectives Train (and Bench) accept.
func Losses() []loss.Kind { return trainLosses[:len(trainLosses):len(trainLosses)] }

// Config is a pre-training run's settings. It is written to the run's
// config.json; a resumed run must have the same (except StopAfter).
type Config struct {
	// Data are the training shards: files, globs or a manifest.
	Data []string `json:"data"`
	// Model is the encoder (one of model.Encoders()); ProjectionDim the projection
	// head's output (128 in the paper).
	Model         string `json:"model"`
	ProjectionDim int    `json:"projection_dim"`
	// Loss is one of Losses(): SupCon L_out (the paper's), L_in, SimCLR, or
	// cross-entropy, which trains the encoder and a linear classifier end to
	// end (the baseline). It is stored by name ("supcon-out", "ce").
	Loss loss.Kind `json:"loss"`
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
	// OptimizerSettings: LR 0 means 0.5·(P·K)/1024 (the paper's CIFAR
	// rate, scaled linearly with the batch of images).
	OptimizerSettings
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
	// Follow trains on an epoch-ahead dataset as its producer finalizes
	// its epochs (Data: its PREFIX; docs/streaming.md). WhenBehind says what
	// a training epoch does when the next augmentation epoch is not there
	// yet: "wait" (or "") for it, or "echo" the last one read. FollowPoll
	// is how often it looks (0: input.DefaultPoll).
	Follow     bool          `json:"follow,omitempty"`
	WhenBehind string        `json:"when_behind,omitempty"`
	FollowPoll time.Duration `json:"-"`

	// KeepCheckpoints, when positive, keeps only that many newest
	// checkpoints.
	KeepCheckpoints int `json:"keep_checkpoints,omitempty"`

	// Monitor, when set, measures the model after every epoch (see
	// Monitor); its figures go to metrics.jsonl, loss.png and the event
	// files. It is not part of config.json.
	Monitor Monitor `json:"-"`

	// StopAfter, when positive, stops the run (with a checkpoint) once it
	// has done that many steps in all; a later --resume continues it.
	StopAfter int64 `json:"-"`
	// Resume continues from the run's latest checkpoint.
	Resume bool `json:"-"`
}

// EpochEnd is what a Monitor is given after an epoch.
type EpochEnd struct {
	// Epoch is the epoch just ended, from 0; Step the steps done.
	Epoch int
	Step  int64
	// Model is the model being trained: the monitor may run it but must not
	// change it, nor keep it after returning.
	Model *model.Model
	// Data, Mean and Std are the run's training data and its per-channel
	// normalisation (resolved to one value per channel).
	Data      []string
	Mean, Std []float32
}

// A Monitor measures the model after an epoch and returns named figures
// (for instance "knn_top1": kNN accuracy on validation data; package
// evaluate has one). It runs in the training's goroutine, between steps.
type Monitor func(ctx context.Context, e EpochEnd) (map[string]float64, error)

// DefaultConfig returns the defaults: cnn-small, SupCon L_out with τ = 0.1,
// P=16 × K=8 × 2 views, SGD momentum 0.9, weight decay 1e-4, 10% warm-up then
// cosine, pixels mapped to [−1, 1] (mean 0.5, std 0.5).
func DefaultConfig() Config {
	return Config{Mean: []float32{0.5}, Std: []float32{0.5},
		Model: "cnn-small", ProjectionDim: 128, Loss: loss.SupConOut, Temperature: loss.DefaultTemperature,
		P: 16, K: 8, Views: 2, Epochs: 10, OptimizerSettings: OptimizerSettings{Optimizer: "sgd", Momentum: -1, WeightDecay: -1},
		WarmupFraction: 0.1, Corrupt: "fail",
	}
}

// checkLoss reports whether Train accepts the loss, naming the setting.
func checkLoss(k loss.Kind) error {
	for _, ok := range trainLosses {
		if k == ok {
			return nil
		}
	}
	names := make([]string, len(trainLosses))
	for i, l := range trainLosses {
		names[i] = l.String()
	}
	return fmt.Errorf("Loss %v: not one Train accepts (%s)", k, strings.Join(names, ", "))
}

func (c *Config) validate() error {
	if len(c.Data) == 0 {
		return errors.New("Data: no training data given")
	}
	if err := checkLoss(c.Loss); err != nil {
		return err
	}
	switch {
	case c.WhenBehind != "" && c.WhenBehind != "wait" && c.WhenBehind != "echo":
		return fmt.Errorf("WhenBehind %q: want wait or echo", c.WhenBehind)
	case c.WhenBehind != "" && !c.Follow:
		return fmt.Errorf("WhenBehind %q: only with Follow", c.WhenBehind)
	case c.P < 1 || c.K < 1 || c.Views < 1:
		return fmt.Errorf("batch shape P=%d K=%d Views=%d: each must be at least 1", c.P, c.K, c.Views)
	case c.P*c.K*c.Views < 2:
		return fmt.Errorf("batch of P·K·Views = %d sample: at least 2 (batch norm and the contrastive losses need them)", c.P*c.K*c.Views)
	case c.Epochs < 1:
		return fmt.Errorf("Epochs %d: at least 1", c.Epochs)
	case c.Temperature <= 0:
		return fmt.Errorf("Temperature %g: must be positive", c.Temperature)
	case c.WarmupFraction < 0 || c.WarmupFraction > 1:
		return fmt.Errorf("WarmupFraction %g: want 0..1", c.WarmupFraction)
	case c.LR < 0:
		return fmt.Errorf("LR %g: must not be negative", c.LR)
	case c.ProjectionDim < 1 && c.Loss != loss.CrossEntropy:
		return fmt.Errorf("ProjectionDim %d: at least 1", c.ProjectionDim)
	}
	if _, err := c.OptimizerSettings.Resolve(); err != nil {
		return err
	}
	for _, v := range c.Mean {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("Mean %v: not a finite number", c.Mean)
		}
	}
	for _, v := range c.Std {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("Std %v: every value must be a positive finite number", c.Std)
		}
	}
	if _, err := input.ParseCorruptPolicy(c.Corrupt); err != nil {
		return fmt.Errorf("Corrupt: %w", err)
	}
	return nil
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
	if files := d.Files(); man == nil && len(files) > 0 {
		m, _, err := shards.FindManifest(ctx, files[0])
		if err != nil {
			return nil, fmt.Errorf("describing the training data: %w", err)
		}
		man = m
	}
	if man != nil && man.Height > 0 && man.Channels > 0 && len(man.Classes) > 0 {
		passes := int64(max(man.Epochs, 1))
		info := &dataInfo{Height: man.Height, Width: man.Width, Channels: man.Channels,
			Classes: man.Classes, NumClasses: len(man.Classes), Views: man.Views}
		// The rank's share: count the records of the rank's shards of pass 0.
		own := map[string]bool{}
		for _, f := range d.Files() {
			own[storage.Base(f)] = true
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

// specFor returns the model spec a run trains.
func (c *Config) specFor(info *dataInfo) model.Spec {
	s := model.Spec{Encoder: c.Model, Channels: info.Channels, Height: info.Height, Width: info.Width}
	if c.Loss == loss.CrossEntropy {
		s.Classes = info.NumClasses
	} else {
		s.ProjectionDim = c.ProjectionDim
	}
	return s
}
