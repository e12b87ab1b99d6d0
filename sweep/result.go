package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/trainer"
)

// PointResult is what one point did; it is the point's result.json and
// one entry of sweep.json.
type PointResult struct {
	Point
	// Dir is the point's run folder; Loss its training loss's name.
	Dir  string `json:"dir"`
	Loss string `json:"loss"`
	// Key is a digest (SHA-256) of what made the run: the sweep's base
	// settings, the point's, the validation data and the probe's settings.
	// A rerun reuses a finished point only when its Key is the same.
	Key string `json:"key"`
	// Error is why the point failed ("" when it did not); the figures
	// below are then those it got to.
	Error string `json:"error,omitempty"`
	// Steps, FirstLoss and LastLoss are the training's summary.
	Steps     int64   `json:"steps"`
	FirstLoss float64 `json:"first_loss"`
	LastLoss  float64 `json:"last_loss"`
	// Scorer is what scored it (linear probe or classifier head);
	// Top1, Top5 and ECE are on the ValImages validation images.
	Scorer    string  `json:"scorer,omitempty"`
	ValImages int     `json:"val_images"`
	Top1      float64 `json:"top1"`
	Top5      float64 `json:"top5"`
	ECE       float64 `json:"ece"`
	// Seconds is the point's wall time (training and scoring).
	Seconds float64 `json:"seconds"`
}

// Failed reports whether the point failed.
func (r *PointResult) Failed() bool { return r.Error != "" }

// Result is a sweep's outcome: sweep.json.
type Result struct {
	Grid Grid           `json:"grid"`
	Base trainer.Config `json:"base"`
	Val  []string       `json:"val"`
	// Points are in grid order.
	Points []PointResult `json:"points"`
}

// Failed returns the number of failed points.
func (r *Result) Failed() int {
	n := 0
	for i := range r.Points {
		if r.Points[i].Failed() {
			n++
		}
	}
	return n
}

// Write writes sweep.json and sweep.md into dir, points sorted in grid order.
func (r *Result) Write(ctx context.Context, dir string) error {
	slices.SortFunc(r.Points, func(a, b PointResult) int { return a.Index - b.Index })
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := storage.WriteFile(ctx, storage.Join(dir, SweepJSON), append(b, '\n')); err != nil {
		return fmt.Errorf("sweep: writing %s: %w", SweepJSON, err)
	}
	var md strings.Builder
	if err := r.WriteTable(&md); err != nil {
		return err
	}
	if err := storage.WriteFile(ctx, storage.Join(dir, SweepTable), []byte(md.String())); err != nil {
		return fmt.Errorf("sweep: writing %s: %w", SweepTable, err)
	}
	return nil
}

// ReadResult reads sweep.json from dir, or from the file dir names when it
// ends in .json.
func ReadResult(ctx context.Context, dir string) (*Result, error) {
	path := dir
	if !strings.HasSuffix(dir, ".json") {
		path = storage.Join(dir, SweepJSON)
	}
	data, err := storage.ReadFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("sweep: reading the result: %w", err)
	}
	r := new(Result)
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", path, err)
	}
	return r, nil
}

// WriteTable writes the points as a Markdown table: one row per point,
// one column per grid key, then the figures (or the error).
func (r *Result) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Sweep: %s\n\n%d points, %d failed; top-1, top-5 and ECE on %d validation images.\n\n",
		r.Grid, len(r.Points), r.Failed(), r.valImages())
	b.WriteString("| point |")
	for _, a := range r.Grid {
		b.WriteString(" " + a.Key + " |")
	}
	b.WriteString(" top-1 | top-5 | ECE | steps | last loss | s |\n|---|")
	b.WriteString(strings.Repeat("---|", len(r.Grid)+6) + "\n")
	for _, p := range r.Points {
		fmt.Fprintf(&b, "| %03d |", p.Index)
		for _, s := range p.Settings {
			b.WriteString(" " + s.Value + " |")
		}
		if p.Failed() {
			fmt.Fprintf(&b, " failed: %s | | | | | %.0f |\n", tableCell(p.Error), p.Seconds)
			continue
		}
		fmt.Fprintf(&b, " %.2f%% | %.2f%% | %.4f | %d | %.4f | %.0f |\n",
			100*p.Top1, 100*p.Top5, p.ECE, p.Steps, p.LastLoss, p.Seconds)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// valImages is the validation images the points were scored on.
func (r *Result) valImages() int {
	for _, p := range r.Points {
		if p.ValImages > 0 {
			return p.ValImages
		}
	}
	return 0
}

// tableCell makes s fit in one Markdown table cell.
func tableCell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
