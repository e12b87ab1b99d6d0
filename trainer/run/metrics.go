package run

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/trainer/curves"
)

// Metric is one line of metrics.jsonl (or linear-metrics.jsonl): one step,
// or (IsMonitor) what a monitor measured after an epoch.
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
	// CorruptShards and BadRecords count the damage the input skipped (under
	// the corrupt-record policy "skip") since the line before: shards
	// abandoned at damaged framing, records that did not parse. Skipped
	// says where the last of it was. All three are absent when nothing was
	// skipped, so a clean run's lines are as they always were.
	CorruptShards int64  `json:"corrupt_shards,omitempty"`
	BadRecords    int64  `json:"bad_records,omitempty"`
	Skipped       string `json:"skipped,omitempty"`
	// WaitSeconds and EchoedEpochs, when following an epoch-ahead dataset,
	// are the seconds spent waiting for its producer and the training
	// epochs that re-read the last augmentation epoch, since the line
	// before (docs/streaming.md); absent when zero.
	WaitSeconds  float64 `json:"wait_seconds,omitempty"`
	EchoedEpochs int     `json:"echoed_epochs,omitempty"`
	// Monitor is set on a monitor line only (IsMonitor): the figures
	// measured on the model after epoch Epoch, once Step steps were done
	// (kNN top-1 on validation data, for instance). Such a line has just
	// step, epoch and monitor: {"step":120,"epoch":2,"monitor":{"knn_top1":0.61}}.
	Monitor map[string]float64 `json:"monitor,omitempty"`
}

// IsMonitor reports whether the line is a monitor line rather than a step's.
func (m Metric) IsMonitor() bool { return m.Monitor != nil }

// monitorLine is a monitor line as written: without the step's figures.
type monitorLine struct {
	Step    int64              `json:"step"`
	Epoch   int                `json:"epoch"`
	Monitor map[string]float64 `json:"monitor"`
}

// Point returns the step as the loss curve draws it (a monitor line's
// figures are drawn with MonitorSeries instead).
func (m Metric) Point() curves.Point {
	return curves.Point{Step: m.Step, Epoch: float64(m.Epoch), Loss: m.Loss, LR: m.LR}
}

// MetricsWriter writes a metrics file a line per step. Lines are buffered
// until Flush. A local file is written as the lines come; an object on
// gs://, which cannot be appended to, is rewritten whole at each Flush, so
// that every flushed line survives a crash there too. It is not safe for
// concurrent use.
type MetricsWriter struct {
	path string
	f    io.WriteCloser // local: the open file
	w    *bufio.Writer  // local: its buffer
	all  []byte         // gs://: every line so far
	done bool           // closed
}

// CreateMetrics starts the run's metrics file name afresh.
func (d Dir) CreateMetrics(ctx context.Context, name string) (*MetricsWriter, error) {
	return d.createMetrics(ctx, name, nil)
}

// ResumeMetrics continues the run's metrics file name after step: it keeps
// the lines up to step (a resumed run writes the later ones again), drops
// lines that do not parse (a partial last line after a crash), and returns
// the kept lines' metrics (monitor lines too) with a writer that appends
// after them. A missing file starts empty.
func (d Dir) ResumeMetrics(ctx context.Context, name string, step int64) (*MetricsWriter, []Metric, error) {
	path := d.Path(name)
	data, err := storage.ReadFile(ctx, path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	var keep []byte
	var kept []Metric
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		var m Metric
		if !bytes.HasSuffix(line, []byte("\n")) || json.Unmarshal(line, &m) != nil || m.Step > step {
			continue
		}
		keep = append(keep, line...)
		kept = append(kept, m)
	}
	mw, err := d.createMetrics(ctx, name, keep)
	return mw, kept, err
}

// createMetrics starts the file with the lines head.
func (d Dir) createMetrics(ctx context.Context, name string, head []byte) (*MetricsWriter, error) {
	mw := &MetricsWriter{path: d.Path(name)}
	if storage.IsGCS(mw.path) {
		mw.all = head
		return mw, mw.Flush(ctx)
	}
	f, err := storage.Create(ctx, mw.path)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mw.f, mw.w = f, bufio.NewWriter(f)
	if _, err := mw.w.Write(head); err != nil {
		f.Close()
		return nil, fmt.Errorf("metrics %s: %w", mw.path, err)
	}
	return mw, nil
}

// Write adds m's line (a monitor line when m.IsMonitor()).
func (mw *MetricsWriter) Write(m Metric) error {
	var v any = m
	if m.IsMonitor() {
		v = monitorLine{Step: m.Step, Epoch: m.Epoch, Monitor: m.Monitor}
	}
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("metrics %s: step %d: %w", mw.path, m.Step, err)
	}
	line = append(line, '\n')
	if mw.w == nil {
		mw.all = append(mw.all, line...)
		return nil
	}
	if _, err := mw.w.Write(line); err != nil {
		return fmt.Errorf("metrics %s: %w", mw.path, err)
	}
	return nil
}

// Flush hands the buffered lines to the file (on gs://, rewrites it).
func (mw *MetricsWriter) Flush(ctx context.Context) error {
	var err error
	if mw.w == nil {
		err = storage.WriteFile(ctx, mw.path, mw.all)
	} else {
		err = mw.w.Flush()
	}
	if err != nil {
		return fmt.Errorf("metrics %s: %w", mw.path, err)
	}
	return nil
}

// Close flushes the lines and closes the file, reporting the first error.
// Closing again does nothing.
func (mw *MetricsWriter) Close(ctx context.Context) error {
	if mw.done {
		return nil
	}
	mw.done = true
	ferr := mw.Flush(ctx)
	if mw.f == nil {
		return ferr
	}
	if err := mw.f.Close(); err != nil && ferr == nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return ferr
}

// ReadMetrics reads a metrics file (local or gs://): the step lines and the
// monitor lines (IsMonitor) in file order.
func ReadMetrics(ctx context.Context, path string) ([]Metric, error) {
	data, err := storage.ReadFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	var out []Metric
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		var m Metric
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("metrics %s line %d: %w", path, n, err)
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// MonitorSeries returns the monitor lines' figures among ms as the loss
// curve's monitor panel draws them: a series per figure, by name.
func MonitorSeries(ms []Metric) []curves.Series {
	byName := map[string]*curves.Series{}
	var names []string
	for _, m := range ms {
		for name, v := range m.Monitor {
			if byName[name] == nil {
				byName[name] = &curves.Series{Name: name}
				names = append(names, name)
			}
			byName[name].Points = append(byName[name].Points, curves.Mark{Step: m.Step, Value: v})
		}
	}
	slices.Sort(names)
	out := make([]curves.Series, len(names))
	for i, n := range names {
		out[i] = *byName[n]
	}
	return out
}

// WriteLossCurve redraws the run's loss.png from the steps' points and the
// monitor's series, if any (nothing when there are no points).
func (d Dir) WriteLossCurve(ctx context.Context, pts []curves.Point, monitor []curves.Series) error {
	if len(pts) == 0 {
		return nil
	}
	var png bytes.Buffer
	if err := curves.Render(&png, pts, curves.Options{Monitor: monitor}); err != nil {
		return fmt.Errorf("loss curve: %w", err)
	}
	if err := storage.WriteFile(ctx, d.Path(LossCurveFile), png.Bytes()); err != nil {
		return fmt.Errorf("loss curve: %w", err)
	}
	return nil
}
