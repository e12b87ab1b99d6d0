package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/supcon/supcon/internal/storage"
)

// File names inside a run directory.
const (
	ConfigFile    = "config.json"
	MetricsFile   = "metrics.jsonl"
	LossCurveFile = "loss.png"
	SummaryFile   = "summary.json"
	CheckpointDir = "checkpoints"
	LinearFile    = "linear.ckpt"
	LinearResult  = "linear.json"
	LinearMetrics = "linear-metrics.jsonl"
)

// Dir is a run directory: a local path or a gs:// URL. Its methods are safe
// for concurrent use, but two processes must not write one run at once.
type Dir string

// Path returns the path of name inside the run (a file name, or
// "checkpoints/NAME").
func (d Dir) Path(name string) string {
	p := storage.Join(string(d), name)
	if !storage.IsGCS(p) {
		p = filepath.Clean(p) // as the paths printed before the run package
	}
	return p
}

// CheckpointPath returns the path of the checkpoint after step steps.
func (d Dir) CheckpointPath(step int64) string {
	return d.Path(CheckpointDir + "/" + checkpointName(step))
}

// checkpointName is the file name of the checkpoint after step steps.
func checkpointName(step int64) string { return fmt.Sprintf("step-%09d.ckpt", step) }

// Checkpoints returns the paths of the run's checkpoints, fewest steps
// first; none (and no error) when the run has none.
func (d Dir) Checkpoints(ctx context.Context) ([]string, error) {
	files, err := storage.Glob(ctx, storage.Join(d.Path(CheckpointDir), "step-*.ckpt"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("run %s: listing checkpoints: %w", d, err)
	}
	type numbered struct {
		step int64
		path string
	}
	var found []numbered
	for _, f := range files {
		digits := strings.TrimSuffix(strings.TrimPrefix(storage.Base(f.Name), "step-"), ".ckpt")
		if s, err := strconv.ParseInt(digits, 10, 64); err == nil {
			found = append(found, numbered{s, d.CheckpointPath(s)})
		}
	}
	// Glob sorts by name, and the zero-padded names sort by step up to
	// 10⁹ steps; sort by number for the rest.
	for i := 1; i < len(found); i++ {
		for j := i; j > 0 && found[j].step < found[j-1].step; j-- {
			found[j], found[j-1] = found[j-1], found[j]
		}
	}
	paths := make([]string, len(found))
	for i, f := range found {
		paths[i] = f.path
	}
	return paths, nil
}

// LatestCheckpoint returns the path of the checkpoint with the most steps,
// or "" when there is none.
func (d Dir) LatestCheckpoint(ctx context.Context) (string, error) {
	paths, err := d.Checkpoints(ctx)
	if err != nil || len(paths) == 0 {
		return "", err
	}
	return paths[len(paths)-1], nil
}

// Prune deletes all but the newest keep checkpoints (keep ≤ 0: none).
func (d Dir) Prune(ctx context.Context, keep int) error {
	if keep <= 0 {
		return nil
	}
	paths, err := d.Checkpoints(ctx)
	if err != nil {
		return err
	}
	for ; len(paths) > keep; paths = paths[1:] {
		if err := storage.For(paths[0]).Remove(ctx, paths[0]); err != nil {
			return fmt.Errorf("pruning checkpoints: %w", err)
		}
	}
	return nil
}

// ReadLatest reads the newest checkpoint that is whole and returns it with
// its path. A damaged newer one (a crash while writing, a full disk) is
// renamed to NAME.damaged, with a warning to warn (nil: none), so that later
// runs and pruning pass over it, and the one before is used.
func (d Dir) ReadLatest(ctx context.Context, warn io.Writer) (*Checkpoint, string, error) {
	paths, err := d.Checkpoints(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(paths) == 0 {
		return nil, "", fmt.Errorf("no checkpoint in %s", d.Path(CheckpointDir))
	}
	var errs []error
	for i := len(paths) - 1; i >= 0; i-- {
		ck, err := ReadCheckpoint(ctx, paths[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if warn != nil {
			for _, e := range errs {
				fmt.Fprintf(warn, "warning: %v; set aside as .damaged, using %s\n", e, paths[i])
			}
		}
		for _, p := range paths[i+1:] {
			if err := storage.For(p).Rename(ctx, p, p+".damaged"); err != nil {
				return nil, "", fmt.Errorf("setting aside a damaged checkpoint: %w", err)
			}
		}
		return ck, paths[i], nil
	}
	return nil, "", errors.Join(errs...)
}

// WriteJSON writes v, indented by two spaces and ending in a newline, to the
// run's file name (config.json, summary.json, linear.json).
func (d Dir) WriteJSON(ctx context.Context, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("run %s: encoding %s: %w", d, name, err)
	}
	if err := storage.WriteFile(ctx, d.Path(name), append(data, '\n')); err != nil {
		return fmt.Errorf("run %s: %w", d, err)
	}
	return nil
}

// ReadJSON reads the run's file name into v. A missing file is an error
// matching fs.ErrNotExist.
func (d Dir) ReadJSON(ctx context.Context, name string, v any) error {
	data, err := storage.ReadFile(ctx, d.Path(name))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", d.Path(name), err)
	}
	return nil
}
