package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/supcon/supcon/evaluate"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/pipelines"
	"github.com/supcon/supcon/trainer"
)

func init() {
	register.DoFn2x2[context.Context, string, string, error](&pointFn{})
	register.DoFn3x1[context.Context, []byte, func(*string) bool, error](&gatherFn{})
	register.Iter1[string]()
}

// Beam counters of a sweep (namespace "supcon").
var (
	pointsDone   = beam.NewCounter("supcon", "sweep_points_done")
	pointsFailed = beam.NewCounter("supcon", "sweep_points_failed")
)

// progress is where Run reports each finished point while a runner works in
// this process (prism, direct); workers elsewhere log through Beam.
var progress struct {
	sync.Mutex
	w io.Writer
}

// report writes a finished point's line to the progress writer when Run
// set one in this process, or else to the Beam worker's log.
func report(ctx context.Context, failed bool, format string, args ...any) {
	progress.Lock()
	defer progress.Unlock()
	switch {
	case progress.w != nil:
		fmt.Fprintf(progress.w, format+"\n", args...)
	case failed:
		log.Warnf(ctx, format, args...)
	default:
		log.Infof(ctx, format, args...)
	}
}

// Job is a sweep's settings.
type Job struct {
	// Grid is what varies; Base the training settings of every point
	// before its grid values are applied (Base.Data is the training data).
	Grid Grid           `json:"grid"`
	Base trainer.Config `json:"base"`
	// Val are the shards top-1 is measured on (made without augmentation).
	Val []string `json:"val"`
	// LinearData are the shards the linear probe of a SupCon-type point is
	// trained on; empty means Base.Data.
	LinearData []string `json:"linear_data,omitempty"`
	// Linear is the probe's training (its Data is LinearData).
	Linear evaluate.LinearConfig `json:"linear"`
	// Out is the sweep's folder (local or gs://).
	Out string `json:"out"`
	// Parallel is how many points one process (prism's, or a Dataflow
	// worker) trains at once; 0 means as many as the runner hands it. Each
	// point's training already uses every core, so more mostly costs
	// memory (docs/sweep.md has a measurement); DefaultJob sets 1.
	Parallel int `json:"parallel,omitempty"`
}

// slots holds, for each Job.Parallel in use in this process, a token per
// point training.
var slots struct {
	sync.Mutex
	c map[int]chan struct{}
}

// acquire waits for a slot to train a point (at once when n is 0) and
// returns its release.
func acquire(ctx context.Context, n int) (func(), error) {
	if n <= 0 {
		return func() {}, nil
	}
	slots.Lock()
	if slots.c == nil {
		slots.c = map[int]chan struct{}{}
	}
	c := slots.c[n]
	if c == nil {
		c = make(chan struct{}, n)
		slots.c[n] = c
	}
	slots.Unlock()
	select {
	case c <- struct{}{}:
		return func() { <-c }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// DefaultJob returns a Job with trainer.DefaultConfig and
// evaluate.DefaultLinearConfig, training one point at a time per process;
// Grid, Base.Data, Val and Out are to be set.
func DefaultJob() Job {
	return Job{Base: trainer.DefaultConfig(), Linear: evaluate.DefaultLinearConfig(), Parallel: 1}
}

// Files and folders of a sweep's output.
const (
	// PointsDir holds one run folder per point, named by Point.Name.
	PointsDir = "points"
	// ResultFile is written into a point's folder when it is done.
	ResultFile = "result.json"
	// EvalDir is a point's evaluation folder (evaluate.Eval's output).
	EvalDir = "eval"
	// SweepJSON is the Result; SweepTable the same as a Markdown table.
	SweepJSON  = "sweep.json"
	SweepTable = "sweep.md"
)

// PointDir returns the run folder of the point named name.
func (j *Job) PointDir(name string) string {
	return storage.Join(storage.Join(j.Out, PointsDir), name)
}

// check validates what the launcher can: the rest is each point's trainer's.
func (j *Job) check() error {
	switch {
	case len(j.Grid) == 0:
		return errors.New("Grid: no settings to vary")
	case len(j.Base.Data) == 0:
		return errors.New("Base.Data: no training data given")
	case len(j.Val) == 0:
		return errors.New("Val: no validation data given")
	case j.Out == "":
		return errors.New("Out: no output folder")
	}
	return nil
}

// Run trains and scores every point of the job's grid as one Beam pipeline
// on the named runner, and returns what it wrote to OUT/sweep.json. Failed
// points are in the result with their error; Run fails only when the
// pipeline does. What it runs, and each point as it finishes when the
// runner works in this process, goes to logOut (nil: nowhere).
func Run(ctx context.Context, job Job, runner string, logOut io.Writer) (*Result, error) {
	if err := job.check(); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	if err := pipelines.CheckRunner(runner); err != nil {
		return nil, err
	}
	spec, err := json.Marshal(job)
	if err != nil {
		return nil, fmt.Errorf("sweep: encoding the job: %w", err)
	}
	pts := job.Grid.Points()
	elems := make([]string, len(pts))
	for i, p := range pts {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("sweep: encoding point %s: %w", p.Name, err)
		}
		elems[i] = string(b)
	}
	if logOut != nil {
		fmt.Fprintf(logOut, "sweep: %d points (%s) on %s -> %s\n", len(pts), job.Grid, runner, job.Out)
	}
	p, s := beam.NewPipelineWithRoot()
	Build(s, string(spec), elems)
	progress.Lock()
	progress.w = logOut
	progress.Unlock()
	_, err = beam.Run(ctx, runner, p)
	progress.Lock()
	progress.w = nil
	progress.Unlock()
	if err != nil {
		return nil, fmt.Errorf("sweep: running %d points on %s: %w", len(pts), runner, err)
	}
	return ReadResult(ctx, job.Out)
}

// Build adds the sweep to scope s: spec is the Job as JSON, points the
// grid's Points as JSON, one element each.
func Build(s beam.Scope, spec string, points []string) {
	s = s.Scope("supcon.sweep")
	pts := beam.CreateList(s, points)
	pts = beam.Reshuffle(s, pts) // spread the points over workers
	results := beam.ParDo(s, &pointFn{Job: spec}, pts)
	beam.ParDo0(s, &gatherFn{Job: spec}, beam.Impulse(s), beam.SideInput{Input: results})
}

// pointFn trains and scores one point; Job is the Job as JSON.
type pointFn struct{ Job string }

func (f *pointFn) ProcessElement(ctx context.Context, elem string) (string, error) {
	var job Job
	if err := json.Unmarshal([]byte(f.Job), &job); err != nil {
		return "", fmt.Errorf("sweep: decoding the job: %w", err)
	}
	var pt Point
	if err := json.Unmarshal([]byte(elem), &pt); err != nil {
		return "", fmt.Errorf("sweep: decoding a point: %w", err)
	}
	release, err := acquire(ctx, job.Parallel)
	if err != nil {
		return "", err
	}
	r, err := RunPoint(ctx, &job, pt)
	release()
	if err != nil {
		return "", err // storage trouble: let the runner retry the point
	}
	if r.Error != "" {
		pointsFailed.Inc(ctx, 1)
		report(ctx, true, "sweep: point %s failed: %s", pt.Name, r.Error)
	} else {
		pointsDone.Inc(ctx, 1)
		report(ctx, false, "sweep: point %s: top-1 %.2f%% after %d steps (%.0f s)", pt.Name, 100*r.Top1, r.Steps, r.Seconds)
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// RunPoint trains and scores one point into its folder, unless an earlier
// attempt finished it (its result.json is there, without an error and with
// the same Key: it is returned as is; a failed point, or one made with other
// base settings or data, is trained again). A training or
// evaluation failure is the result's Error; the error returned is storage
// trouble (clearing the folder, writing the result) or ctx's end, which a
// retry may cure, and leaves no result.
func RunPoint(ctx context.Context, job *Job, pt Point) (*PointResult, error) {
	dir := job.PointDir(pt.Name)
	resultPath := storage.Join(dir, ResultFile)
	key, err := job.runKey(pt)
	if err != nil {
		return nil, err
	}
	if data, err := storage.ReadFile(ctx, resultPath); err == nil {
		r := new(PointResult)
		if err := json.Unmarshal(data, r); err == nil && !r.Failed() && r.Key == key {
			return r, nil
		}
	}
	if err := clearDir(ctx, dir); err != nil {
		return nil, fmt.Errorf("sweep: point %s: %w", pt.Name, err)
	}
	start := time.Now()
	r := &PointResult{Point: pt, Dir: dir, Key: key}
	if err := train(ctx, job, pt, r); err != nil {
		if ctx.Err() != nil {
			// Cancelled, not failed: no result, so that the point runs again.
			return nil, fmt.Errorf("sweep: point %s: %w", pt.Name, err)
		}
		r.Error = err.Error()
	}
	r.Seconds = time.Since(start).Seconds()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := storage.WriteFile(ctx, resultPath, append(b, '\n')); err != nil {
		return nil, fmt.Errorf("sweep: point %s: writing its result: %w", pt.Name, err)
	}
	return r, nil
}

// runKey is a digest of everything that makes the point's run and its
// score: the base settings, the point's, and the evaluation data and probe.
func (j *Job) runKey(pt Point) (string, error) {
	b, err := json.Marshal(struct {
		Base       trainer.Config
		Settings   []Setting
		Val        []string
		LinearData []string
		Linear     evaluate.LinearConfig
	}{j.Base, pt.Settings, j.Val, j.LinearData, j.Linear})
	if err != nil {
		return "", fmt.Errorf("sweep: point %s: %w", pt.Name, err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b)), nil
}

// train trains the point and scores it on the job's Val, filling r.
func train(ctx context.Context, job *Job, pt Point, r *PointResult) error {
	cfg := job.Base
	cfg.Resume, cfg.StopAfter, cfg.Monitor = false, 0, nil
	err := pt.Apply(&cfg)
	r.Loss = cfg.Loss.String()
	if err != nil {
		return err
	}
	sum, err := trainer.Train(ctx, r.Dir, cfg, nil)
	if err != nil {
		return fmt.Errorf("training: %w", err)
	}
	r.Steps, r.FirstLoss, r.LastLoss = sum.Steps, sum.FirstLoss, sum.LastLoss
	ec := evaluate.DefaultEvalConfig()
	ec.Test, ec.Seed, ec.Corrupt, ec.MapSamples = job.Val, cfg.Seed, cfg.Corrupt, 0
	ec.Linear = job.Linear
	if cfg.Loss != loss.CrossEntropy {
		ec.Train = job.LinearData
		if len(ec.Train) == 0 {
			ec.Train = cfg.Data
		}
		ec.Linear.Seed = cfg.Seed
	}
	rep, err := evaluate.Eval(ctx, r.Dir, storage.Join(r.Dir, EvalDir), ec, nil)
	if err != nil {
		return fmt.Errorf("scoring: %w", err)
	}
	r.Scorer, r.ValImages = rep.Scorer, rep.TestImages
	r.Top1, r.Top5, r.ECE = rep.Clean.Top1, rep.Clean.Top5, rep.Clean.ECE
	return nil
}

// clearDir removes every file below dir, so that a retried point starts as
// the first attempt did.
func clearDir(ctx context.Context, dir string) error {
	files, err := storage.Walk(ctx, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := storage.For(f.Name).Remove(ctx, f.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clearing an earlier attempt: %w", err)
		}
	}
	return nil
}

// gatherFn writes sweep.json and sweep.md once every point is done.
type gatherFn struct{ Job string }

func (f *gatherFn) ProcessElement(ctx context.Context, _ []byte, results func(*string) bool) error {
	var job Job
	if err := json.Unmarshal([]byte(f.Job), &job); err != nil {
		return fmt.Errorf("sweep: decoding the job: %w", err)
	}
	res := &Result{Grid: job.Grid, Base: job.Base, Val: job.Val}
	var s string
	for results(&s) {
		var r PointResult
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			return fmt.Errorf("sweep: decoding a point's result: %w", err)
		}
		res.Points = append(res.Points, r)
	}
	return res.Write(ctx, job.Out)
}
