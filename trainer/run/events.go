package run

import (
	"context"

	"github.com/supcon/supcon/trainer/run/tfevents"
)

// TensorBoard event files: the training's lie in the run folder itself and
// the linear probe's in its LinearEventsDir, so that `tensorboard --logdir
// RUN` shows them as two runs ("." and "linear") whose steps never mix.
const LinearEventsDir = "linear"

// Tag prefixes of the scalars in the event files (see docs/tensorboard.md).
const (
	TrainTags   = "train/"
	MonitorTags = "monitor/"
	LinearTags  = "linear/"
)

// CreateEvents starts a new event file in the run's folder sub ("" for the
// run itself). A fresh start (resumeAfter < 0) first deletes the folder's
// old event files, as it rewrites the metrics file; a resumed one
// (resumeAfter the step of the checkpoint it continues) keeps them and
// records a restart at the next step, so that TensorBoard drops what an
// earlier session logged after that checkpoint.
func (d Dir) CreateEvents(ctx context.Context, sub string, resumeAfter int64) (*tfevents.Writer, error) {
	dir := string(d)
	if sub != "" {
		dir = d.Path(sub)
	}
	if resumeAfter < 0 {
		if err := tfevents.RemoveFiles(ctx, dir); err != nil {
			return nil, err
		}
	}
	w, err := tfevents.Create(ctx, dir, tfevents.Options{})
	if err != nil {
		return nil, err
	}
	if resumeAfter >= 0 {
		if err := w.SessionStart(resumeAfter + 1); err != nil {
			w.Close(ctx)
			return nil, err
		}
	}
	return w, nil
}

// Scalars returns the step's figures as TensorBoard scalars tagged
// prefix+"loss", "learning_rate" and "views_per_sec".
func (m Metric) Scalars(prefix string) []tfevents.Value {
	return []tfevents.Value{
		{Tag: prefix + "loss", Value: float32(m.Loss)},
		{Tag: prefix + "learning_rate", Value: float32(m.LR)},
		{Tag: prefix + "views_per_sec", Value: float32(m.ViewsPerSec)},
	}
}
