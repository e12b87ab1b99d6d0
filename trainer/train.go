package trainer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer/curves"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
)

// Run-directory layout.
const (
	ConfigFile    = "config.json"
	MetricsFile   = "metrics.jsonl"
	LossCurveFile = "loss.png"
	CheckpointDir = "checkpoints"
	LinearFile    = "linear.ckpt"
	LinearResult  = "linear.json"
	LinearMetrics = "linear-metrics.jsonl"
)

// Metric is one line of metrics.jsonl: one training step.
type Metric struct {
	Step  int64   `json:"step"`
	Epoch int     `json:"epoch"`
	Batch int     `json:"batch"`
	Loss  float64 `json:"loss"`
	LR    float64 `json:"lr"`
	// ViewsPerSec is the step's throughput, input wait included.
	ViewsPerSec float64 `json:"views_per_sec"`
	// WithoutPositives counts anchors left out for lack of a positive.
	WithoutPositives int `json:"without_positives,omitempty"`
}

// runFile is config.json: the settings and what was found in the data.
type runFile struct {
	Config     Config       `json:"config"`
	Spec       model.Spec   `json:"model"`
	Classes    []string     `json:"classes,omitempty"`
	Records    int64        `json:"records"`
	StepsEpoch int64        `json:"steps_per_epoch"`
	TotalSteps int64        `json:"total_steps"`
	PeakLR     float64      `json:"peak_lr"`
	Optimizer  optim.Config `json:"optimizer"`
}

// Summary is what Train reports.
type Summary struct {
	Steps      int64   `json:"steps"`
	Epochs     int     `json:"epochs"`
	FirstLoss  float64 `json:"first_loss"`
	LastLoss   float64 `json:"last_loss"`
	ViewsPerS  float64 `json:"views_per_sec"`
	Checkpoint string  `json:"checkpoint"`
	Stopped    bool    `json:"stopped,omitempty"`
}

// Train pre-trains an encoder on the config's data into the run directory
// dir: config.json, metrics.jsonl (a line per step), checkpoints/ and
// loss.png. Progress goes to progress (nil: none). With cfg.Resume it
// continues from the latest checkpoint, and the result is bit-identical to a
// run that never stopped. When ctx is cancelled it writes a checkpoint and
// returns ctx's error.
func Train(ctx context.Context, dir string, cfg Config, progressOut io.Writer) (*Summary, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	kind, _ := lossKind(cfg.Loss)
	corrupt, _ := input.ParseCorruptPolicy(cfg.Corrupt)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	d, err := input.Open(ctx, cfg.Data, input.Options{Seed: cfg.Seed, Interleave: cfg.Interleave, Corrupt: corrupt})
	if err != nil {
		return nil, fmt.Errorf("opening the training data: %w", err)
	}
	info, err := describeData(ctx, d)
	if err != nil {
		return nil, err
	}
	if info.Views > 0 && info.Views < cfg.Views {
		return nil, fmt.Errorf("the data stores %d views per image, the run wants %d", info.Views, cfg.Views)
	}
	if cfg.Mean, err = perChannel("mean", cfg.Mean, info.Channels); err != nil {
		return nil, err
	}
	if cfg.Std, err = perChannel("std", cfg.Std, info.Channels); err != nil {
		return nil, err
	}
	images := int64(cfg.P * cfg.K)
	rf := runFile{Config: cfg, Spec: cfg.specFor(info), Classes: info.Classes, Records: info.Records}
	rf.StepsEpoch = max(1, (info.Records+images-1)/images)
	rf.TotalSteps = rf.StepsEpoch * int64(cfg.Epochs)
	rf.PeakLR = cfg.LR
	if rf.PeakLR == 0 {
		rf.PeakLR = optim.ScaleLR(0.5, int(images), 1024)
	}
	if rf.Optimizer, err = optimizerConfig(cfg.Optimizer, cfg.Momentum, cfg.WeightDecay); err != nil {
		return nil, err
	}
	head, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return nil, err
	}
	configPath := filepath.Join(dir, ConfigFile)
	ckptDir := filepath.Join(dir, CheckpointDir)

	// Fresh start or resume.
	var ck *Checkpoint
	if cfg.Resume {
		old, err := os.ReadFile(configPath)
		if err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		if !bytes.Equal(bytes.TrimSpace(old), bytes.TrimSpace(head)) {
			return nil, fmt.Errorf("resume: %s differs from this run's settings; resume with the same flags and data", configPath)
		}
		latest, err := LatestCheckpoint(ckptDir)
		if err != nil {
			return nil, err
		}
		if latest == "" {
			return nil, fmt.Errorf("resume: no checkpoint in %s", ckptDir)
		}
		if ck, err = ReadCheckpoint(latest); err != nil {
			return nil, err
		}
	} else {
		if latest, _ := LatestCheckpoint(ckptDir); latest != "" {
			return nil, fmt.Errorf("run directory %s already holds checkpoints: use --resume, or another directory", dir)
		}
		if err := os.WriteFile(configPath, append(head, '\n'), 0o644); err != nil {
			return nil, fmt.Errorf("run directory: %w", err)
		}
	}

	var m *model.Model
	if ck != nil {
		m = ck.Model
	} else if m, err = model.New(rf.Spec, cfg.Seed); err != nil {
		return nil, err
	}
	batch := cfg.P * cfg.K * cfg.Views
	obj := &model.Objective{Options: loss.Options{Loss: kind, Temperature: cfg.Temperature,
		BaseTemperature: cfg.BaseTemperature, Views: cfg.Views, Normalize: true}}
	head2 := model.ProjectionHead
	if cfg.Loss == "ce" {
		head2 = model.ClassifierHead
	}
	g, err := m.NewGraph(model.GraphOptions{Batch: batch, Train: true, Head: head2, Loss: obj})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	lrn, err := newLearner(g, cfg.Optimizer, rf.Optimizer)
	if err != nil {
		return nil, err
	}
	opt := lrn.opt
	var start *input.Position
	step := int64(0)
	if ck != nil {
		if err := opt.Load(bytes.NewReader(ck.Optimizer)); err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		step, start = ck.Step, ck.Position
		if err := truncateMetrics(filepath.Join(dir, MetricsFile), step); err != nil {
			return nil, err
		}
	}
	sched := optim.Schedule{Peak: rf.PeakLR, WarmupSteps: int64(math.Round(cfg.WarmupFraction * float64(rf.TotalSteps))),
		TotalSteps: rf.TotalSteps, Decay: optim.Cosine}

	bt, err := input.NewBatcher(ctx, d, input.BatchOptions{P: cfg.P, K: cfg.K, V: cfg.Views, Buffer: cfg.Buffer,
		Epochs: cfg.Epochs, Decode: true, Start: start})
	if err != nil {
		return nil, err
	}
	defer bt.Close()

	mf, err := os.OpenFile(filepath.Join(dir, MetricsFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer mf.Close()
	mw := bufio.NewWriter(mf)

	var meter *progress.Meter
	if progressOut != nil {
		meter = progress.New(progressOut, "steps", rf.TotalSteps)
		meter.Add(step)
	}
	sum := &Summary{FirstLoss: math.NaN()}
	saved := step
	save := func() error {
		if err := mw.Flush(); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		var ob bytes.Buffer
		if err := opt.Save(&ob); err != nil {
			return err
		}
		pos := bt.Position()
		path := filepath.Join(ckptDir, checkpointName(step))
		if err := WriteCheckpoint(path, &Checkpoint{Step: step, Position: &pos, Model: m, Optimizer: ob.Bytes()}); err != nil {
			return err
		}
		saved, sum.Checkpoint = step, path
		return drawLossCurve(dir)
	}

	var x []float32
	var labels, keys []int
	began, last := time.Now(), time.Now()
	var views int64
	for {
		if cfg.StopAfter > 0 && step >= cfg.StopAfter {
			sum.Stopped = true
			break
		}
		if err := ctx.Err(); err != nil {
			if step > saved {
				if serr := save(); serr != nil {
					return nil, errors.Join(err, serr)
				}
			}
			return nil, err
		}
		b, err := bt.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", step+1, err)
		}
		if x, err = b.Float32CHW(x, cfg.Mean, cfg.Std); err != nil {
			return nil, fmt.Errorf("step %d: %w", step+1, err)
		}
		if err := g.SetImages(x); err != nil {
			return nil, err
		}
		labels = b.SampleLabels(labels)
		keys = nil
		if cfg.Loss != "ce" {
			keys = b.ImageKeys(keys[:0])
		}
		obj.SetBatch(labels, keys)
		if err := g.Run(); err != nil {
			return nil, fmt.Errorf("step %d: %w", step+1, err)
		}
		lr := sched.LR(step)
		if err := lrn.update(lr); err != nil {
			return nil, fmt.Errorf("step %d: %w", step+1, err)
		}
		step++
		now := time.Now()
		r := obj.Result
		met := Metric{Step: step, Epoch: b.Epoch, Batch: b.Index, Loss: r.Value, LR: lr,
			ViewsPerSec: float64(batch) / now.Sub(last).Seconds(), WithoutPositives: r.WithoutPositives}
		last = now
		views += int64(batch)
		if math.IsNaN(sum.FirstLoss) {
			sum.FirstLoss = r.Value
		}
		sum.LastLoss = r.Value
		sum.Epochs = b.Epoch + 1
		line, _ := json.Marshal(met)
		mw.Write(append(line, '\n'))
		if meter != nil {
			meter.Add(1)
		}
		if testAfterStep != nil {
			testAfterStep(step)
		}
		every := cfg.CheckpointEvery
		if every <= 0 {
			every = rf.StepsEpoch
		}
		if step%every == 0 {
			if err := save(); err != nil {
				return nil, err
			}
		}
	}
	if meter != nil {
		meter.Done()
	}
	if step > saved || sum.Checkpoint == "" {
		if err := save(); err != nil {
			return nil, err
		}
	}
	sum.Steps = step
	if el := time.Since(began).Seconds(); el > 0 {
		sum.ViewsPerS = float64(views) / el
	}
	return sum, nil
}

// testAfterStep, set by tests, is called after every step.
var testAfterStep func(step int64)

// truncateMetrics drops the lines of metrics.jsonl after step: a resumed run
// writes them again.
func truncateMetrics(path string, step int64) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	var keep []byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break // a partial last line is dropped
		}
		line := data[:i+1]
		data = data[i+1:]
		var m Metric
		if json.Unmarshal(line, &m) != nil || m.Step > step {
			break
		}
		keep = append(keep, line...)
	}
	return os.WriteFile(path, keep, 0o644)
}

// ReadMetrics reads a metrics.jsonl file.
func ReadMetrics(path string) ([]Metric, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer f.Close()
	var out []Metric
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var m Metric
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("metrics %s line %d: %w", path, n, err)
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// drawLossCurve renders the run's metrics.jsonl as loss.png.
func drawLossCurve(dir string) error {
	ms, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return nil
	}
	pts := make([]curves.Point, len(ms))
	for i, m := range ms {
		pts[i] = curves.Point{Step: m.Step, Epoch: float64(m.Epoch), Loss: m.Loss, LR: m.LR}
	}
	if err := curves.WriteFile(filepath.Join(dir, LossCurveFile), pts, curves.Options{}); err != nil {
		return fmt.Errorf("loss curve: %w", err)
	}
	return nil
}

// perChannel expands one normalisation value to every channel.
func perChannel(what string, v []float32, channels int) ([]float32, error) {
	switch len(v) {
	case 0, channels:
		return v, nil
	case 1:
		out := make([]float32, channels)
		for i := range out {
			out[i] = v[0]
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s has %d values for %d channels", what, len(v), channels)
}
