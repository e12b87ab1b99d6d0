package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer/curves"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
	"github.com/supcon/supcon/trainer/run"
)

// runFile is config.json: the settings and what was found in the data.
type runFile = run.Record[Config]

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
// loss.png. Progress goes to progressOut (nil: none). With cfg.Resume it
// continues from the latest checkpoint, and the result is bit-identical to a
// run that never stopped. When ctx is cancelled it writes a checkpoint and
// returns ctx's error.
//
// The learning-rate schedule runs on the training's progress in images:
// epoch + (images of the epoch used so far)/(images per epoch), over Epochs.
// An epoch's number of batches is not known in advance (classes short of K
// images are padded with copies), so a schedule in steps would end early or
// late; one in images ends exactly with the last epoch.
func Train(ctx context.Context, dir string, cfg Config, progressOut io.Writer) (*Summary, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	kind, _ := lossKind(cfg.Loss)
	corrupt, _ := input.ParseCorruptPolicy(cfg.Corrupt)
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
	rf.PeakLR = cfg.LR
	if rf.PeakLR == 0 {
		rf.PeakLR = optim.ScaleLR(0.5, int(images), 1024)
	}
	if rf.Optimizer, err = optimizerConfig(cfg.Optimizer, cfg.Momentum, cfg.WeightDecay); err != nil {
		return nil, err
	}
	rd := run.Dir(dir)

	// Fresh start or resume.
	var ck *run.Checkpoint
	var st trainState
	if cfg.Resume {
		if err := sameRun(ctx, rd, &rf); err != nil {
			return nil, err
		}
		if ck, _, err = rd.ReadLatest(ctx, progressOut); err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		if len(ck.Extra) > 0 {
			if err := json.Unmarshal(ck.Extra, &st); err != nil {
				return nil, fmt.Errorf("resume: checkpoint state: %w", err)
			}
		}
	} else {
		latest, err := rd.LatestCheckpoint(ctx)
		if err != nil {
			return nil, err
		}
		if latest != "" {
			return nil, fmt.Errorf("run directory %s already holds checkpoints: use --resume, or another directory", dir)
		}
		if err := rd.WriteJSON(ctx, run.ConfigFile, rf); err != nil {
			return nil, err
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
	head := model.ProjectionHead
	if cfg.Loss == "ce" {
		head = model.ClassifierHead
	}
	g, err := m.NewGraph(model.GraphOptions{Batch: batch, Train: true, Head: head, Loss: obj})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	lrn, err := newLearner(g, cfg.Optimizer, rf.Optimizer)
	if err != nil {
		return nil, err
	}
	var start *input.Position
	var points []curves.Point
	var mw *run.MetricsWriter
	if ck != nil {
		if err := lrn.opt.Load(bytes.NewReader(ck.Optimizer)); err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		st.Step, start = ck.Step, ck.Position
		var kept []run.Metric
		if mw, kept, err = rd.ResumeMetrics(ctx, run.MetricsFile, st.Step); err != nil {
			return nil, err
		}
		for _, m := range kept {
			points = append(points, m.Point())
		}
	} else if mw, err = rd.CreateMetrics(ctx, run.MetricsFile); err != nil {
		return nil, err
	}
	defer mw.Close()      // on every way out, so the steps before a failure are kept
	const units = 1 << 30 // the schedule's resolution over the whole run
	sched := optim.Schedule{Peak: rf.PeakLR, WarmupSteps: int64(math.Round(cfg.WarmupFraction * units)),
		TotalSteps: units, Decay: optim.Cosine}
	progressOf := func(epoch int, used int64) int64 {
		return int64((float64(epoch) + float64(used)/float64(info.Records)) / float64(cfg.Epochs) * units)
	}

	bt, err := input.NewBatcher(ctx, d, input.BatchOptions{P: cfg.P, K: cfg.K, V: cfg.Views, Buffer: cfg.Buffer,
		Epochs: cfg.Epochs, Decode: true, Start: start})
	if err != nil {
		return nil, err
	}
	defer bt.Close()

	var meter *progress.Meter
	if progressOut != nil {
		// This session's share, so that its rate and ETA are this session's.
		meter = progress.New(progressOut, "images", max(0, info.Records*int64(cfg.Epochs)-int64(st.Epoch)*info.Records-st.EpochImages))
	}
	// The summary covers the whole run, resumed or not.
	sum := &Summary{FirstLoss: math.NaN(), Epochs: st.Epoch + 1}
	if len(points) > 0 {
		sum.FirstLoss, sum.LastLoss = points[0].Loss, points[len(points)-1].Loss
	}
	saved := st.Step
	trained := bt.Position() // after the last batch trained on
	save := func() error {
		if err := mw.Flush(); err != nil {
			return err
		}
		var ob bytes.Buffer
		if err := lrn.opt.Save(&ob); err != nil {
			return err
		}
		extra, _ := json.Marshal(st)
		pos := trained
		path := rd.CheckpointPath(st.Step)
		if err := run.WriteCheckpoint(ctx, path, &run.Checkpoint{Step: st.Step, Position: &pos, Model: m, Optimizer: ob.Bytes(), Extra: extra}); err != nil {
			return err
		}
		saved, sum.Checkpoint = st.Step, path
		if err := rd.Prune(ctx, cfg.KeepCheckpoints); err != nil && progressOut != nil {
			fmt.Fprintf(progressOut, "warning: %v\n", err)
		}
		if err := rd.WriteLossCurve(ctx, points); err != nil && progressOut != nil {
			fmt.Fprintf(progressOut, "warning: %v\n", err)
		}
		return nil
	}
	interrupted := func(err error) (*Summary, error) {
		if st.Step > saved {
			if serr := save(); serr != nil {
				return nil, errors.Join(err, serr)
			}
		}
		return nil, err
	}

	var x []float32
	var labels, keys []int
	began, last := time.Now(), time.Now()
	var views int64
	for {
		if cfg.StopAfter > 0 && st.Step >= cfg.StopAfter {
			// Stopped, unless that was the last step anyway.
			if _, err := bt.Next(); err != io.EOF {
				sum.Stopped = true
			}
			break
		}
		if err := ctx.Err(); err != nil {
			return interrupted(err)
		}
		b, err := bt.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return interrupted(ctx.Err())
			}
			return nil, fmt.Errorf("step %d: %w", st.Step+1, err)
		}
		if b.Epoch != st.Epoch {
			// The previous epoch ended without every image (records
			// skipped as corrupt): checkpoint it as ended.
			if cfg.CheckpointEvery <= 0 && st.Step > saved {
				if err := save(); err != nil {
					return nil, err
				}
			}
			st.Epoch, st.EpochImages = b.Epoch, 0
		}
		if x, err = b.Float32CHW(x, cfg.Mean, cfg.Std); err != nil {
			return nil, fmt.Errorf("step %d: %w", st.Step+1, err)
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
			return nil, fmt.Errorf("step %d (epoch %d, batch %d): %w", st.Step+1, b.Epoch, b.Index, err)
		}
		lr := sched.LR(progressOf(st.Epoch, st.EpochImages))
		if err := lrn.update(lr); err != nil {
			return nil, fmt.Errorf("step %d: %w", st.Step+1, err)
		}
		st.Step++
		used := int64(0)
		for _, r := range b.Rows {
			if r.Copy == 0 && !r.Reused {
				used++
			}
		}
		st.EpochImages += used
		trained = bt.Position()
		now := time.Now()
		r := obj.Result
		met := run.Metric{Step: st.Step, Epoch: b.Epoch, Batch: b.Index, Loss: r.Value, LR: lr,
			ViewsPerSec: float64(batch) / now.Sub(last).Seconds(), WithoutPositives: r.WithoutPositives}
		last = now
		views += int64(batch)
		if math.IsNaN(sum.FirstLoss) {
			sum.FirstLoss = r.Value
		}
		sum.LastLoss = r.Value
		sum.Epochs = b.Epoch + 1
		if err := mw.Write(met); err != nil {
			return nil, err
		}
		points = append(points, met.Point())
		if meter != nil {
			meter.Add(used)
		}
		if testAfterStep != nil {
			testAfterStep(st.Step)
		}
		due := st.EpochImages >= info.Records // the epoch's last batch
		if cfg.CheckpointEvery > 0 {
			due = st.Step%cfg.CheckpointEvery == 0
		}
		if due {
			if err := save(); err != nil {
				return nil, err
			}
		}
	}
	if meter != nil {
		meter.Done()
	}
	if st.Step > saved || sum.Checkpoint == "" {
		if err := save(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	sum.Steps = st.Step
	if el := time.Since(began).Seconds(); el > 0 {
		sum.ViewsPerS = float64(views) / el
	}
	return sum, nil
}

// trainState is the training loop's own state, kept in checkpoints.
type trainState struct {
	Step        int64 `json:"-"` // saved as the checkpoint's own Step
	Epoch       int   `json:"epoch"`
	EpochImages int64 `json:"epoch_images"` // original images of Epoch used so far
}

// sameRun checks that a resumed run has the settings of the one it
// continues, naming the first that differs.
func sameRun(ctx context.Context, rd run.Dir, rf *runFile) error {
	was := new(runFile)
	if err := rd.ReadJSON(ctx, run.ConfigFile, was); err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	configPath := rd.Path(run.ConfigFile)
	// Settings that do not change the results may change, and so may how
	// the run is driven (StopAfter, Resume: not in the file).
	was.Config.CheckpointEvery = rf.Config.CheckpointEvery
	was.Config.KeepCheckpoints = rf.Config.KeepCheckpoints
	was.Config.StopAfter, was.Config.Resume = rf.Config.StopAfter, rf.Config.Resume
	a, b := reflect.ValueOf(*was), reflect.ValueOf(*rf)
	for i := 0; i < a.NumField(); i++ {
		if reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			continue
		}
		f := a.Type().Field(i)
		if f.Name == "Config" {
			ca, cb := a.Field(i), b.Field(i)
			for j := 0; j < ca.NumField(); j++ {
				if !reflect.DeepEqual(ca.Field(j).Interface(), cb.Field(j).Interface()) {
					return fmt.Errorf("resume: %s was %v, now %v (%s); resume with the run's flags and data",
						jsonName(ca.Type().Field(j)), ca.Field(j).Interface(), cb.Field(j).Interface(), configPath)
				}
			}
		}
		return fmt.Errorf("resume: the %s was %v, now %v (%s); resume with the run's flags and data",
			jsonName(f), a.Field(i).Interface(), b.Field(i).Interface(), configPath)
	}
	return nil
}

func jsonName(f reflect.StructField) string {
	if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n != "" && n != "-" {
		return n
	}
	return f.Name
}

// testAfterStep, set by tests, is called after every step.
var testAfterStep func(step int64)

// perChannel expands one normalisation value to every channel.
func perChannel(what string, v []float32, channels int) ([]float32, error) {
	switch len(v) {
	case 0:
		return nil, nil
	case channels:
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
