package sweep

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// result makes a Result on the grid with the given top-1 per point, in grid
// order; a negative top-1 is a failed point.
func result(t *testing.T, grid string, top1 ...float64) *Result {
	t.Helper()
	g, err := ParseGrid(grid)
	if err != nil {
		t.Fatal(err)
	}
	r := &Result{Grid: g}
	for i, p := range g.Points() {
		pr := PointResult{Point: p, Loss: p.Value("loss"), Top1: top1[i]}
		if pr.Loss == "" {
			pr.Loss = "supcon-out"
		}
		if top1[i] < 0 {
			pr.Error, pr.Top1 = "training: diverged", 0
		}
		r.Points = append(r.Points, pr)
	}
	return r
}

func TestStability(t *testing.T) {
	for _, tc := range []struct {
		name, grid string
		top1       []float64
		panel      int // which panel to check
		key        string
		losses     []string
		cells      [][]Cell
		spread     []float64
	}{{
		name: "loss × k", grid: "loss=supcon-out,ce;k=1,3",
		top1: []float64{0.8, 0.9, 0.7, -1}, key: "k", losses: []string{"supcon-out", "ce"},
		cells:  [][]Cell{{{Mean: 0.8, Best: 0.8, N: 1}, {Mean: 0.7, Best: 0.7, N: 1}}, {{Mean: 0.9, Best: 0.9, N: 1}, {Failed: 1}}},
		spread: []float64{0.1, 0},
	}, {
		name: "mean over the other setting", grid: "loss=ce;optimizer=sgd,lars;lr=0.1,0.2",
		top1: []float64{0.5, 0.7, 0.2, 0.4}, panel: 1, key: "lr", losses: []string{"ce"},
		cells:  [][]Cell{{{Mean: 0.35, Best: 0.5, N: 2}}, {{Mean: 0.55, Best: 0.7, N: 2}}},
		spread: []float64{0.2},
	}, {
		name: "a fixed setting has no panel", grid: "batch-images=10;loss=supcon-out,ce;k=1,2",
		top1: []float64{0.8, 0.9, 0.7, 0.6}, key: "k", losses: []string{"supcon-out", "ce"},
		cells:  [][]Cell{{{Mean: 0.8, Best: 0.8, N: 1}, {Mean: 0.7, Best: 0.7, N: 1}}, {{Mean: 0.9, Best: 0.9, N: 1}, {Mean: 0.6, Best: 0.6, N: 1}}},
		spread: []float64{0.1, 0.1},
	}, {
		name: "loss alone", grid: "loss=supcon-out,ce",
		top1: []float64{0.9, 0.8}, key: "loss", losses: []string{"all"},
		cells:  [][]Cell{{{Mean: 0.9, Best: 0.9, N: 1}}, {{Mean: 0.8, Best: 0.8, N: 1}}},
		spread: []float64{0.1},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStability(result(t, tc.grid, tc.top1...))
			if tc.panel >= len(s.Panels) {
				t.Fatalf("%d panels", len(s.Panels))
			}
			pn := s.Panels[tc.panel]
			if pn.Key != tc.key || strings.Join(pn.Losses, ",") != strings.Join(tc.losses, ",") {
				t.Fatalf("panel %d: key %s losses %v, want %s %v", tc.panel, pn.Key, pn.Losses, tc.key, tc.losses)
			}
			for i := range tc.cells {
				for j, want := range tc.cells[i] {
					got := pn.Cells[i][j]
					if math.Abs(got.Mean-want.Mean) > 1e-12 || got.Best != want.Best || got.N != want.N || got.Failed != want.Failed {
						t.Errorf("cell %s=%s %s: %+v, want %+v", pn.Key, pn.Values[i], pn.Losses[j], got, want)
					}
				}
			}
			for j, want := range tc.spread {
				if math.Abs(pn.Spread[j]-want) > 1e-12 {
					t.Errorf("spread under %s: %g, want %g", pn.Losses[j], pn.Spread[j], want)
				}
			}
		})
	}
}

func TestWriteStability(t *testing.T) {
	dir := t.TempDir()
	md, err := WriteStability(context.Background(), dir, result(t, "loss=supcon-out,ce;k=1,3", 0.8, 0.9, 0.7, -1))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Positives: K images per class in a batch", "| k | supcon-out | ce |",
		"| 1 | 80.00% | 70.00% |", "| 3 | 90.00% | 1 failed |", "| spread | 10.00 pt | 0.00 pt |"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("stability.md lacks %q:\n%s", want, md)
		}
	}
	png, err := os.ReadFile(filepath.Join(dir, StabilityPlot))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("stability.png: %v (%d bytes)", err, len(png))
	}
}
