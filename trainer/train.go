package trainer

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/run"
)

// Summary is what Train reports; it is also written to the run's
// summary.json. It covers the whole run, resumed or not, except ViewsPerS
// (this session's).
type Summary struct {
	Steps      int64   `json:"steps"`
	Epochs     int     `json:"epochs"`
	FirstLoss  float64 `json:"first_loss"`
	LastLoss   float64 `json:"last_loss"`
	ViewsPerS  float64 `json:"views_per_sec"`
	Checkpoint string  `json:"checkpoint"`
	Stopped    bool    `json:"stopped,omitempty"`
	// Skipped is the damaged input passed over under Corrupt "skip".
	Skipped Skipped `json:"skipped"`
	// Monitor is the Monitor's last figures (absent without one).
	Monitor map[string]float64 `json:"monitor,omitempty"`
}

// Skipped counts damaged input that training passed over (Config.Corrupt
// "skip"): shards abandoned at damaged framing (the rest of each shard is
// lost) and records that did not parse, and where the last damage was.
type Skipped struct {
	CorruptShards int64  `json:"corrupt_shards"`
	BadRecords    int64  `json:"bad_records"`
	Last          string `json:"last,omitempty"`
}

// Any reports whether anything was skipped.
func (s Skipped) Any() bool { return s.CorruptShards > 0 || s.BadRecords > 0 }

// Plus returns s with the reader's counts added.
func (s Skipped) Plus(r input.ReadStats) Skipped {
	s.CorruptShards += r.CorruptShards
	s.BadRecords += r.BadRecords
	if r.LastSkipped != "" {
		s.Last = r.LastSkipped
	}
	return s
}

// Train pre-trains an encoder on the config's data into the run directory
// dir (a local path or gs:// URL; see package run): config.json,
// metrics.jsonl (a line per step), checkpoints/, loss.png and summary.json.
// Progress and warnings go to progressOut (nil: none). With cfg.Resume it
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
	s, err := newSession(ctx, run.Dir(dir), cfg, progressOut)
	if err != nil {
		return nil, err
	}
	defer s.close()
	began := time.Now()
	if err := s.steps(ctx); err != nil {
		return nil, s.interrupted(ctx, err)
	}
	return s.finish(ctx, time.Since(began))
}

// ErrRunExists is Train's error for a fresh run (Config.Resume false) into a
// run directory that already holds checkpoints.
var ErrRunExists = errors.New("already holds checkpoints: set Resume to continue the run, or use another directory")

// testAfterStep, set by tests, is called after every step.
var testAfterStep func(step int64)
