package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer/curves"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
	"github.com/supcon/supcon/trainer/run"
	"github.com/supcon/supcon/trainer/run/tfevents"
)

// scheduleUnits is the learning-rate schedule's resolution over the whole
// run: the schedule runs on progress in images, scaled to this many units.
const scheduleUnits = 1 << 30

// trainState is the training loop's own state, kept in checkpoints.
type trainState struct {
	Epoch       int   `json:"epoch"`
	EpochImages int64 `json:"epoch_images"` // original images of Epoch used so far
	// SkippedBefore is the damage skipped in the epochs before Epoch, and
	// Skipped all the damage skipped up to the checkpoint (nil: none, so
	// that a clean run's checkpoints are as they always were). A resumed run
	// reads its epoch again from the start and meets the same damage.
	SkippedBefore *Skipped `json:"skipped_before_epoch,omitempty"`
	Skipped       *Skipped `json:"skipped,omitempty"`
	// Monitored is the number of epochs the Monitor has measured (absent
	// without a Monitor).
	Monitored int `json:"monitored,omitempty"`
}

// session is one call of Train: the run's data, model and loop from a fresh
// start or a checkpoint to the end, a stop, or an interruption.
type session struct {
	cfg  Config
	dir  run.Dir
	warn io.Writer // progress and warnings; nil: none
	info *dataInfo
	rec  runFile

	m     *model.Model
	g     *model.Graph
	obj   *model.Objective
	loop  *Loop
	mw    *run.MetricsWriter
	ev    *tfevents.Writer
	bt    *input.Batcher
	meter *progress.Meter
	sched optim.Schedule

	st      trainState
	trained input.Position // after the last batch trained on
	saved   int64          // the step of the last checkpoint
	points  []curves.Point
	marks   []run.Metric // the monitor lines
	sum     Summary
	views   int64

	skipBase Skipped         // skipped in the epochs before this session's first
	read     input.ReadStats // the batcher's reading as of the last batch
	logged   Skipped         // the skips already in metrics lines

	data         *input.Dataset
	behindLogged input.Behind // the waiting and echoes already in metrics lines

	x            []float32
	labels, keys []int
}

// interruption marks an error that ends a session early because its
// context was cancelled: the session checkpoints before returning it.
type interruption struct{ err error }

// Error returns the context's error's text.
func (e interruption) Error() string { return e.err.Error() }

// Unwrap returns the context's error.
func (e interruption) Unwrap() error { return e.err }

// newSession checks the settings, reads what the data holds, writes or
// checks config.json, and builds the model, graph, loop and input.
func newSession(ctx context.Context, dir run.Dir, cfg Config, warn io.Writer) (*session, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &session{cfg: cfg, dir: dir, warn: warn}
	d, err := s.describe(ctx)
	s.data = d
	if err != nil {
		return nil, err
	}
	ck, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.build(ctx, ck); err != nil {
		s.close()
		return nil, err
	}
	if s.bt, err = input.NewBatcher(ctx, d, input.BatchOptions{P: cfg.P, K: cfg.K, V: cfg.Views, Buffer: cfg.Buffer,
		Epochs: cfg.Epochs, Decode: true, Start: s.trainedFrom(ck)}); err != nil {
		s.close()
		return nil, err
	}
	s.trained = s.bt.Position()
	if warn != nil {
		// This session's share, so that its rate and ETA are this session's.
		total := s.info.Records*int64(cfg.Epochs) - int64(s.st.Epoch)*s.info.Records - s.st.EpochImages
		s.meter = progress.New(warn, "images", max(0, total))
	}
	return s, nil
}

// describe opens the data, finds what it holds, fills in the per-channel
// normalisation, and makes the run's record.
func (s *session) describe(ctx context.Context) (*input.Dataset, error) {
	cfg := &s.cfg
	corrupt, err := input.ParseCorruptPolicy(cfg.Corrupt)
	if err != nil {
		return nil, fmt.Errorf("Corrupt: %w", err)
	}
	d, err := input.Open(ctx, cfg.Data, input.Options{Seed: cfg.Seed, Interleave: cfg.Interleave, Corrupt: corrupt,
		Follow: cfg.Follow, Echo: cfg.WhenBehind == "echo", Poll: cfg.FollowPoll})
	if err != nil {
		return nil, fmt.Errorf("opening the training data: %w", err)
	}
	if s.info, err = describeData(ctx, d); err != nil {
		return nil, err
	}
	if s.info.Views > 0 && s.info.Views < cfg.Views {
		return nil, fmt.Errorf("the data stores %d views per image, the run wants %d (Views)", s.info.Views, cfg.Views)
	}
	if cfg.Mean, err = perChannel("Mean", cfg.Mean, s.info.Channels); err != nil {
		return nil, err
	}
	if cfg.Std, err = perChannel("Std", cfg.Std, s.info.Channels); err != nil {
		return nil, err
	}
	s.rec = runFile{Config: *cfg, Spec: cfg.specFor(s.info), Classes: s.info.Classes, Records: s.info.Records}
	s.rec.PeakLR = cfg.LR
	if s.rec.PeakLR == 0 {
		s.rec.PeakLR = optim.ScaleLR(0.5, cfg.P*cfg.K, 1024)
	}
	if s.rec.Optimizer, err = cfg.OptimizerSettings.Resolve(); err != nil {
		return nil, err
	}
	s.sched = optim.Schedule{Peak: s.rec.PeakLR, WarmupSteps: int64(math.Round(cfg.WarmupFraction * scheduleUnits)),
		TotalSteps: scheduleUnits, Decay: optim.Cosine}
	return d, nil
}

// begin starts the run afresh (writing config.json into a directory without
// checkpoints) or, with Resume, checks config.json and reads the latest
// whole checkpoint.
func (s *session) begin(ctx context.Context) (*run.Checkpoint, error) {
	if !s.cfg.Resume {
		latest, err := s.dir.LatestCheckpoint(ctx)
		if err != nil {
			return nil, err
		}
		if latest != "" {
			return nil, fmt.Errorf("run directory %s: %w", s.dir, ErrRunExists)
		}
		return nil, s.dir.WriteJSON(ctx, run.ConfigFile, s.rec)
	}
	if err := sameRun(ctx, s.dir, &s.rec); err != nil {
		return nil, err
	}
	ck, _, err := s.dir.ReadLatest(ctx, s.warn)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	if len(ck.Extra) > 0 {
		if err := json.Unmarshal(ck.Extra, &s.st); err != nil {
			return nil, fmt.Errorf("resume: checkpoint state: %w", err)
		}
	}
	return ck, nil
}

// build makes the model (new, or the checkpoint's), its training graph, the
// loop and the metrics file.
func (s *session) build(ctx context.Context, ck *run.Checkpoint) error {
	cfg := &s.cfg
	var err error
	if ck != nil {
		s.m = ck.Model
	} else if s.m, err = model.New(s.rec.Spec, cfg.Seed); err != nil {
		return err
	}
	s.obj = &model.Objective{Options: loss.Options{Loss: cfg.Loss, Temperature: cfg.Temperature,
		BaseTemperature: cfg.BaseTemperature, Views: cfg.Views, Normalize: true}}
	head := model.ProjectionHead
	if cfg.Loss == loss.CrossEntropy {
		head = model.ClassifierHead
	}
	if s.g, err = s.m.NewGraph(model.GraphOptions{Batch: cfg.P * cfg.K * cfg.Views, Train: true, Head: head, Loss: s.obj}); err != nil {
		return err
	}
	if err := s.openMetrics(ctx, ck); err != nil {
		return err
	}
	if s.loop, err = NewLoop(s.m, s.g, cfg.Optimizer, s.rec.Optimizer, s.mw); err != nil {
		return err
	}
	resumeAfter := int64(-1)
	if ck != nil {
		resumeAfter = ck.Step
	}
	if s.ev, err = s.dir.CreateEvents(ctx, "", resumeAfter); err != nil {
		return err
	}
	s.loop.LogEvents(s.ev, run.TrainTags)
	s.sum = Summary{FirstLoss: math.NaN(), Epochs: s.st.Epoch + 1}
	if ck == nil {
		return nil
	}
	if err := s.loop.Resume(ck); err != nil {
		return err
	}
	s.saved = ck.Step
	if s.st.SkippedBefore != nil {
		s.skipBase = *s.st.SkippedBefore
	}
	if s.st.Skipped != nil {
		s.logged = *s.st.Skipped
	}
	if len(s.points) > 0 {
		s.sum.FirstLoss, s.sum.LastLoss = s.points[0].Loss, s.points[len(s.points)-1].Loss
	}
	if len(s.marks) > 0 {
		s.sum.Monitor = s.marks[len(s.marks)-1].Monitor
	}
	return nil
}

// openMetrics starts metrics.jsonl afresh, or after a resumed checkpoint's
// step, keeping the earlier lines' points for the loss curve.
func (s *session) openMetrics(ctx context.Context, ck *run.Checkpoint) error {
	if ck == nil {
		var err error
		s.mw, err = s.dir.CreateMetrics(ctx, run.MetricsFile)
		return err
	}
	mw, kept, err := s.dir.ResumeMetrics(ctx, run.MetricsFile, ck.Step)
	if err != nil {
		return err
	}
	s.mw = mw
	for _, m := range kept {
		if m.IsMonitor() {
			s.marks = append(s.marks, m)
		} else {
			s.points = append(s.points, m.Point())
		}
	}
	return nil
}

// trainedFrom returns the input position a resumed run starts from.
func (s *session) trainedFrom(ck *run.Checkpoint) *input.Position {
	if ck == nil {
		return nil
	}
	return ck.Position
}

// close releases the input, the graph, the metrics file and the event file
// (whose lines and events so far are kept). Errors closing them are
// reported by finish.
func (s *session) close() {
	if s.bt != nil {
		s.bt.Close()
	}
	if s.g != nil {
		s.g.Close()
	}
	if s.mw != nil {
		s.mw.Close(context.Background()) // the lines so far are kept
	}
	if s.ev != nil {
		s.ev.Close(context.Background())
	}
}

// steps trains until the last epoch ends or StopAfter steps are done,
// checkpointing at each epoch's end (or every CheckpointEvery steps).
func (s *session) steps(ctx context.Context) error {
	for {
		if s.cfg.StopAfter > 0 && s.loop.Steps() >= s.cfg.StopAfter {
			// Stopped, unless that was the last step anyway.
			if _, err := s.bt.Next(); err != io.EOF {
				s.sum.Stopped = true
			}
			return nil
		}
		b, err := s.next(ctx)
		if err == io.EOF {
			return s.monitor(ctx) // the last epoch, if it ended short
		}
		if err != nil {
			return err
		}
		if err := s.step(b); err != nil {
			return err
		}
		if testAfterStep != nil {
			testAfterStep(s.loop.Steps())
		}
		due := s.st.EpochImages >= s.info.Records // the epoch's last batch
		if due {
			if err := s.monitor(ctx); err != nil {
				return err
			}
		}
		if s.cfg.CheckpointEvery > 0 {
			due = s.loop.Steps()%s.cfg.CheckpointEvery == 0
		}
		if due {
			if err := s.checkpoint(ctx); err != nil {
				return err
			}
		}
	}
}

// next returns the next batch, io.EOF after the last epoch, or an
// interruption. A batch of a new epoch closes the one before.
func (s *session) next(ctx context.Context) (*input.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, interruption{err}
	}
	b, err := s.bt.Next()
	if err == io.EOF {
		return nil, err
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, interruption{ctx.Err()}
		}
		return nil, fmt.Errorf("step %d: %w", s.loop.Steps()+1, err)
	}
	if b.Epoch != s.st.Epoch {
		// The previous epoch ended without every image (records skipped as
		// corrupt): monitor and checkpoint it as ended.
		if err := s.monitor(ctx); err != nil {
			return nil, err
		}
		if s.cfg.CheckpointEvery <= 0 && s.loop.Steps() > s.saved {
			if err := s.checkpoint(ctx); err != nil {
				return nil, err
			}
		}
		s.st.Epoch, s.st.EpochImages = b.Epoch, 0
		if before := s.skipBase.Plus(s.read); before.Any() {
			s.st.SkippedBefore = &before
		}
	}
	s.read = s.bt.Stats().Read
	return b, nil
}

// step trains on the batch and logs its metrics line.
func (s *session) step(b *input.Batch) error {
	var err error
	if s.x, err = b.Float32CHW(s.x, s.cfg.Mean, s.cfg.Std); err != nil {
		return fmt.Errorf("step %d: %w", s.loop.Steps()+1, err)
	}
	if err := s.g.SetImages(s.x); err != nil {
		return err
	}
	s.labels = b.SampleLabels(s.labels)
	s.keys = nil
	if s.cfg.Loss != loss.CrossEntropy {
		s.keys = b.ImageKeys(s.keys[:0])
	}
	s.obj.SetBatch(s.labels, s.keys)
	progress := (float64(s.st.Epoch) + float64(s.st.EpochImages)/float64(s.info.Records)) / float64(s.cfg.Epochs)
	lr := s.sched.LR(int64(progress * scheduleUnits))
	if err := s.loop.Step(lr); err != nil {
		return fmt.Errorf("epoch %d, batch %d: %w", b.Epoch, b.Index, err)
	}
	used := int64(0)
	for _, r := range b.Rows {
		if r.Copy == 0 && !r.Reused {
			used++
		}
	}
	s.st.EpochImages += used
	s.trained = s.bt.Position()
	if s.meter != nil {
		s.meter.Add(used)
	}
	return s.logStep(b, lr)
}

// logStep writes the step's metrics line, with the damage skipped since
// the line before, and keeps the summary's losses.
func (s *session) logStep(b *input.Batch, lr float64) error {
	r := s.obj.Result
	met := run.Metric{Epoch: b.Epoch, Batch: b.Index, Loss: r.Value, LR: lr, WithoutPositives: r.WithoutPositives}
	if now := s.skipBase.Plus(s.read); now != s.logged {
		met.CorruptShards = now.CorruptShards - s.logged.CorruptShards
		met.BadRecords = now.BadRecords - s.logged.BadRecords
		met.Skipped = now.Last
		s.logged = now
	}
	if now := s.data.Behind(); now != s.behindLogged {
		met.WaitSeconds = (now.Waited - s.behindLogged.Waited).Seconds()
		met.EchoedEpochs = now.Echoed - s.behindLogged.Echoed
		s.behindLogged = now
	}
	batch := b.Size()
	if err := s.loop.LogMetric(met, batch); err != nil {
		return err
	}
	s.views += int64(batch)
	if math.IsNaN(s.sum.FirstLoss) {
		s.sum.FirstLoss = r.Value
	}
	s.sum.LastLoss = r.Value
	s.sum.Epochs = b.Epoch + 1
	s.points = append(s.points, run.Metric{Step: s.loop.Steps(), Epoch: b.Epoch, Loss: r.Value, LR: lr}.Point())
	return nil
}

// checkpoint saves the loop and the input position, prunes old
// checkpoints and redraws the loss curve (warning on failures of these two).
func (s *session) checkpoint(ctx context.Context) error {
	path := s.dir.CheckpointPath(s.loop.Steps())
	pos := s.trained
	if s.logged.Any() {
		logged := s.logged
		s.st.Skipped = &logged
	}
	if err := s.loop.Checkpoint(ctx, path, &pos, s.st); err != nil {
		return err
	}
	s.saved, s.sum.Checkpoint = s.loop.Steps(), path
	if err := s.dir.Prune(ctx, s.cfg.KeepCheckpoints); err != nil {
		s.warnf("warning: %v\n", err)
	}
	if err := s.dir.WriteLossCurve(ctx, s.points, run.MonitorSeries(s.marks)); err != nil {
		s.warnf("warning: %v\n", err)
	}
	return nil
}

// monitor runs the Monitor, if any, on the epoch s.st.Epoch once it has
// ended (unless it was measured already or no step was done), and records
// its figures in metrics.jsonl, the event file, the loss curve's points and
// the summary.
func (s *session) monitor(ctx context.Context) error {
	epoch := s.st.Epoch
	if s.cfg.Monitor == nil || epoch < s.st.Monitored || s.loop.Steps() == 0 {
		return nil
	}
	figs, err := s.cfg.Monitor(ctx, EpochEnd{Epoch: epoch, Step: s.loop.Steps(), Model: s.m,
		Data: s.cfg.Data, Mean: s.cfg.Mean, Std: s.cfg.Std})
	if err != nil && ctx.Err() != nil {
		return interruption{ctx.Err()}
	}
	if err != nil {
		return fmt.Errorf("monitor after epoch %d: %w", epoch, err)
	}
	s.st.Monitored = epoch + 1
	if figs == nil {
		figs = map[string]float64{}
	}
	line := run.Metric{Step: s.loop.Steps(), Epoch: epoch, Monitor: figs}
	if err := s.mw.Write(line); err != nil {
		return err
	}
	s.marks = append(s.marks, line)
	names := make([]string, 0, len(figs))
	for n := range figs {
		names = append(names, n)
	}
	slices.Sort(names)
	vals := make([]tfevents.Value, len(names))
	for i, n := range names {
		vals[i] = tfevents.Value{Tag: run.MonitorTags + n, Value: float32(figs[n])}
	}
	if err := s.ev.Scalars(line.Step, vals...); err != nil {
		return err
	}
	s.sum.Monitor = figs
	return nil
}

func (s *session) warnf(format string, a ...any) {
	if s.warn != nil {
		fmt.Fprintf(s.warn, format, a...)
	}
}

// interrupted checkpoints the steps done since the last checkpoint when err
// is an interruption, and returns err.
func (s *session) interrupted(ctx context.Context, err error) error {
	var in interruption
	if !errors.As(err, &in) {
		return err
	}
	if s.loop.Steps() > s.saved {
		if serr := s.checkpoint(context.WithoutCancel(ctx)); serr != nil {
			return errors.Join(in.err, serr)
		}
	}
	return in.err
}

// finish writes the last checkpoint (unless the last step has one), closes
// the metrics and the events, and writes and returns the summary.
func (s *session) finish(ctx context.Context, took time.Duration) (*Summary, error) {
	if s.meter != nil {
		s.meter.Done()
	}
	if s.loop.Steps() > s.saved || s.sum.Checkpoint == "" {
		if err := s.checkpoint(ctx); err != nil {
			return nil, err
		}
	}
	err := errors.Join(s.mw.Close(ctx), s.ev.Close(ctx))
	s.mw, s.ev = nil, nil
	if err != nil {
		return nil, err
	}
	s.sum.Steps = s.loop.Steps()
	s.sum.Skipped = s.skipBase.Plus(s.read)
	if el := took.Seconds(); el > 0 {
		s.sum.ViewsPerS = float64(s.views) / el
	}
	if err := s.dir.WriteJSON(ctx, run.SummaryFile, s.sum); err != nil {
		return nil, err
	}
	return &s.sum, nil
}

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
