package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
	"github.com/supcon/supcon/trainer/run"
	"github.com/supcon/supcon/trainer/run/tfevents"
)

// Loop is what every training loop shares, pre-training and the linear
// probe alike: a graph with the optimiser over its learned tensors, the
// number of steps done, and the metrics file a line per step (and the
// TensorBoard event file, when given one with LogEvents). The caller
// feeds each step's batch into the graph and chooses its learning rate.
// A Loop is not safe for concurrent use.
type Loop struct {
	m       *model.Model
	g       *model.Graph
	lrn     *learner
	metrics *run.MetricsWriter
	events  *tfevents.Writer // nil: none
	tags    string           // the events' tag prefix
	steps   int64
	last    time.Time // when the last step was logged
}

// NewLoop makes a loop that trains g (a graph of m) with the optimiser oc
// named name, logging to metrics (not nil).
func NewLoop(m *model.Model, g *model.Graph, name string, oc optim.Config, metrics *run.MetricsWriter) (*Loop, error) {
	lrn, err := newLearner(g, name, oc)
	if err != nil {
		return nil, err
	}
	return &Loop{m: m, g: g, lrn: lrn, metrics: metrics, last: time.Now()}, nil
}

// LogEvents has every later metrics line also written to the event file ev
// as scalars tagged prefix+"loss", "learning_rate" and "views_per_sec" (see
// run.Metric.Scalars). The caller closes ev.
func (l *Loop) LogEvents(ev *tfevents.Writer, prefix string) { l.events, l.tags = ev, prefix }

// Steps returns the number of steps done.
func (l *Loop) Steps() int64 { return l.steps }

// Resume continues from the checkpoint ck: its step count and optimiser
// state (its model is the one the Loop trains).
func (l *Loop) Resume(ck *run.Checkpoint) error {
	if err := l.lrn.opt.Load(bytes.NewReader(ck.Optimizer)); err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	l.steps = ck.Step
	return nil
}

// Step runs the graph on the batch already set into it (forward and
// backward) and updates the learned tensors with learning rate lr.
func (l *Loop) Step(lr float64) error {
	if err := l.g.Run(); err != nil {
		return fmt.Errorf("step %d: %w", l.steps+1, err)
	}
	if err := l.lrn.update(lr); err != nil {
		return fmt.Errorf("step %d: %w", l.steps+1, err)
	}
	l.steps++
	return nil
}

// LogMetric writes the metrics line of the step just done: m with its Step
// set, and ViewsPerSec the samples over the time since the last line; and
// its scalars to the event file, if any.
func (l *Loop) LogMetric(m run.Metric, samples int) error {
	now := time.Now()
	m.Step = l.steps
	m.ViewsPerSec = float64(samples) / now.Sub(l.last).Seconds()
	l.last = now
	if err := l.metrics.Write(m); err != nil {
		return err
	}
	if l.events == nil {
		return nil
	}
	return l.events.Scalars(m.Step, m.Scalars(l.tags)...)
}

// Checkpoint flushes the metrics and the events and writes the model, the optimiser's state
// and the step count, with the input position pos and the caller's state
// (JSON), to path.
func (l *Loop) Checkpoint(ctx context.Context, path string, pos *input.Position, state any) error {
	if err := l.metrics.Flush(ctx); err != nil {
		return err
	}
	if l.events != nil {
		if err := l.events.Flush(ctx); err != nil {
			return err
		}
	}
	var ob bytes.Buffer
	if err := l.lrn.opt.Save(&ob); err != nil {
		return fmt.Errorf("checkpoint %s: optimiser state: %w", path, err)
	}
	extra, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("checkpoint %s: loop state: %w", path, err)
	}
	return run.WriteCheckpoint(ctx, path, &run.Checkpoint{Step: l.steps, Position: pos, Model: l.m, Optimizer: ob.Bytes(), Extra: extra})
}
