package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/supcon/supcon/internal/storage"
)

// Files WriteStability writes.
const (
	StabilityJSON     = "stability.json"
	StabilityMarkdown = "stability.md"
	StabilityPlot     = "stability.png"
)

// Cell is the top-1 of the points with one value of a setting and one
// loss, over every value of the other settings.
type Cell struct {
	// Mean and Best top-1 over the points that finished (N of them);
	// Failed counts those that did not.
	Mean   float64 `json:"mean"`
	Best   float64 `json:"best"`
	N      int     `json:"n"`
	Failed int     `json:"failed"`
}

// Panel is top-1 against one setting, a column per loss: the paper's
// hyperparameter-stability picture for that setting.
type Panel struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
	Losses []string `json:"losses"`
	// Cells[i][j] is value i under loss j.
	Cells [][]Cell `json:"cells"`
	// Spread[j] is the largest minus the smallest Mean under loss j, over
	// the values with a finished point: how much the setting moves top-1.
	Spread []float64 `json:"spread"`
}

// Stability is a sweep seen setting by setting.
type Stability struct {
	Grid   Grid    `json:"grid"`
	Panels []Panel `json:"panels"`
}

// NewStability makes a panel for every grid setting other than loss that
// takes more than one value (for loss itself when there is none), its
// columns the grid's losses (or the one loss of every point).
func NewStability(r *Result) *Stability {
	s := &Stability{Grid: r.Grid}
	var losses []string
	for _, p := range r.Points {
		if p.Loss != "" && !slices.Contains(losses, p.Loss) {
			losses = append(losses, p.Loss)
		}
	}
	varied := 0
	for _, a := range r.Grid {
		if len(a.Values) > 1 && a.Key != "loss" {
			varied++
		}
	}
	for _, a := range r.Grid {
		if varied > 0 && (a.Key == "loss" || len(a.Values) == 1) {
			continue // the columns, or a setting the grid holds fixed
		}
		pn := Panel{Key: a.Key, Values: a.Values, Losses: losses, Spread: make([]float64, len(losses))}
		if a.Key == "loss" {
			pn.Losses = []string{"all"}
			pn.Spread = make([]float64, 1)
		}
		pn.Cells = make([][]Cell, len(a.Values))
		for i, v := range a.Values {
			pn.Cells[i] = make([]Cell, len(pn.Losses))
			for j, l := range pn.Losses {
				pn.Cells[i][j] = cellOf(r.Points, a.Key, v, l)
			}
		}
		for j := range pn.Losses {
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := range a.Values {
				if c := pn.Cells[i][j]; c.N > 0 {
					lo, hi = min(lo, c.Mean), max(hi, c.Mean)
				}
			}
			if hi >= lo {
				pn.Spread[j] = hi - lo
			}
		}
		s.Panels = append(s.Panels, pn)
	}
	return s
}

// cellOf summarises the points with key=value and the loss ("all": any).
func cellOf(pts []PointResult, key, value, loss string) Cell {
	var c Cell
	var sum float64
	for _, p := range pts {
		if p.Value(key) != value || loss != "all" && p.Loss != loss {
			continue
		}
		if p.Failed() {
			c.Failed++
			continue
		}
		c.N++
		sum += p.Top1
		c.Best = max(c.Best, p.Top1)
	}
	if c.N > 0 {
		c.Mean = sum / float64(c.N)
	}
	return c
}

// title names a panel's setting; k is the paper's positives table.
func (pn *Panel) title() string {
	switch pn.Key {
	case "k":
		return "Positives: K images per class in a batch"
	case "lr":
		return "Learning rate"
	case "optimizer":
		return "Optimizer"
	}
	return pn.Key
}

// WriteMarkdown writes a table per panel: mean top-1 (best in
// parentheses) for every value and loss, and the spread.
func (s *Stability) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Hyperparameter stability: %s\n\nTop-1 on the validation data: the mean over the other settings' points (the best in parentheses); spread is the largest minus the smallest mean.\n", s.Grid)
	for _, pn := range s.Panels {
		fmt.Fprintf(&b, "\n## %s\n\n| %s |", pn.title(), pn.Key)
		for _, l := range pn.Losses {
			b.WriteString(" " + l + " |")
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(pn.Losses)) + "\n")
		for i, v := range pn.Values {
			b.WriteString("| " + v + " |")
			for _, c := range pn.Cells[i] {
				b.WriteString(" " + c.text() + " |")
			}
			b.WriteString("\n")
		}
		b.WriteString("| spread |")
		for _, sp := range pn.Spread {
			fmt.Fprintf(&b, " %.2f pt |", 100*sp)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// text is a cell as the table shows it.
func (c Cell) text() string {
	var t string
	switch {
	case c.N == 0 && c.Failed == 0:
		return "–"
	case c.N == 1:
		t = fmt.Sprintf("%.2f%%", 100*c.Mean)
	case c.N > 1:
		t = fmt.Sprintf("%.2f%% (%.2f%%)", 100*c.Mean, 100*c.Best)
	}
	if c.Failed > 0 {
		t = strings.TrimSpace(fmt.Sprintf("%s %d failed", t, c.Failed))
	}
	return t
}

// Plot draws a panel per setting side by side: mean top-1 against the
// setting's values (in grid order, evenly spaced), a line per loss.
func (s *Stability) Plot() ([]byte, error) {
	if len(s.Panels) == 0 {
		return nil, fmt.Errorf("sweep: nothing to plot")
	}
	plots := make([]*plot.Plot, len(s.Panels))
	for k, pn := range s.Panels {
		p := plot.New()
		p.Title.Text, p.X.Label.Text, p.Y.Label.Text = pn.title(), pn.Key, "top-1 (mean)"
		ticks := make([]plot.Tick, len(pn.Values))
		for i, v := range pn.Values {
			ticks[i] = plot.Tick{Value: float64(i), Label: v}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = -0.5, float64(len(pn.Values))-0.5
		for j, l := range pn.Losses {
			var xy plotter.XYs
			for i := range pn.Values {
				if c := pn.Cells[i][j]; c.N > 0 {
					xy = append(xy, plotter.XY{X: float64(i), Y: c.Mean})
				}
			}
			if len(xy) == 0 {
				continue
			}
			line, pts, err := plotter.NewLinePoints(xy)
			if err != nil {
				return nil, fmt.Errorf("sweep: plot %s: %w", pn.Key, err)
			}
			line.Color, line.Width = plotutil.Color(j), vg.Points(1.5)
			pts.Color, pts.Shape = plotutil.Color(j), plotutil.Shape(j)
			p.Add(line, pts)
			p.Legend.Add(l, line, pts)
		}
		p.Legend.Top, p.Legend.Left = false, true
		p.Legend.YOffs = 0
		plots[k] = p
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(len(plots))*12*vg.Centimeter, 10*vg.Centimeter), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Centimeter / 2}
	for i, p := range plots {
		p.Draw(tiles.At(dc, i, 0))
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("sweep: plot: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteStability writes stability.json, stability.md and stability.png
// for the sweep result into dir (local or gs://), and returns the
// Markdown.
func WriteStability(ctx context.Context, dir string, r *Result) ([]byte, error) {
	s := NewStability(r)
	var md bytes.Buffer
	if err := s.WriteMarkdown(&md); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	png, err := s.Plot()
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{StabilityJSON, append(js, '\n')}, {StabilityMarkdown, md.Bytes()}, {StabilityPlot, png}} {
		if err := storage.WriteFile(ctx, storage.Join(dir, f.name), f.data); err != nil {
			return nil, fmt.Errorf("sweep: writing %s: %w", f.name, err)
		}
	}
	return md.Bytes(), nil
}
