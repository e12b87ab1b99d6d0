package evaluate

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"io/fs"
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
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/run"
)

// Files Compare writes into its output folder.
const (
	CompareJSON     = "compare.json"
	CompareMarkdown = "compare.md"
	CompareHTML     = "compare.html"
	ComparePlot     = "compare.png"
)

// RunFacts is what a training run's config.json and summary.json say.
type RunFacts struct {
	Loss        string  `json:"loss"`
	Encoder     string  `json:"encoder"`
	Temperature float64 `json:"temperature"`
	P           int     `json:"p"`
	K           int     `json:"k"`
	Views       int     `json:"views"`
	Epochs      int     `json:"epochs"`
	// Steps and LastLoss are the summary's (zero when the run has none yet).
	Steps    int64   `json:"steps"`
	LastLoss float64 `json:"last_loss"`
	// KNNTop1 is the --monitor figure after the last epoch, if measured.
	KNNTop1 *float64 `json:"knn_top1,omitempty"`
}

// Compared is one folder of a comparison: a training run (Run, and Linear
// when it was probed) or an evaluation folder (Eval, and Run when the run
// it evaluated can be read).
type Compared struct {
	Name   string        `json:"name"`
	Dir    string        `json:"dir"`
	Run    *RunFacts     `json:"run,omitempty"`
	Linear *LinearReport `json:"linear,omitempty"`
	Eval   *Report       `json:"eval,omitempty"`
	losses plotter.XYs   // the run's loss per step, for the plot
}

// Comparison is runs or evaluation folders side by side (SupCon against
// cross-entropy, a temperature sweep, ...).
type Comparison struct {
	Entries []Compared `json:"entries"`
}

// Compare reads each folder: a training run (config.json, with
// summary.json, linear.json and metrics.jsonl when there) or an evaluation
// folder of `supcon eval` (report.json). Folders may be local or gs://.
// Entries are named by the folders' last elements, made unique.
func Compare(ctx context.Context, dirs []string) (*Comparison, error) {
	if len(dirs) == 0 {
		return nil, errors.New("compare: no folders")
	}
	c := &Comparison{}
	seen := map[string]int{}
	for _, d := range dirs {
		e, err := readCompared(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("compare: %w", err)
		}
		e.Name = storage.Base(strings.TrimSuffix(d, "/"))
		if seen[e.Name]++; seen[e.Name] > 1 {
			e.Name = fmt.Sprintf("%s (%d)", e.Name, seen[e.Name])
		}
		c.Entries = append(c.Entries, *e)
	}
	return c, nil
}

// readCompared reads one folder.
func readCompared(ctx context.Context, dir string) (*Compared, error) {
	e := &Compared{Dir: dir}
	data, err := storage.ReadFile(ctx, storage.Join(dir, ReportJSON))
	switch {
	case err == nil:
		e.Eval = new(Report)
		if err := json.Unmarshal(data, e.Eval); err != nil {
			return nil, fmt.Errorf("%s: %w", storage.Join(dir, ReportJSON), err)
		}
		if e.Eval.Clean == nil {
			return nil, fmt.Errorf("%s: no clean figures", storage.Join(dir, ReportJSON))
		}
		if e.Eval.Run == "" {
			return e, nil
		}
		// The run it scored, and its probe, when they can be read.
		rd := run.Dir(e.Eval.Run)
		if e.Run, err = readRunFacts(ctx, rd, nil); errors.Is(err, fs.ErrNotExist) {
			return e, nil
		} else if err != nil {
			return nil, err
		}
		return e, readLinear(ctx, rd, e)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	rd := run.Dir(dir)
	if e.Run, err = readRunFacts(ctx, rd, &e.losses); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: neither a training run (%s) nor an evaluation folder (%s)", dir, run.ConfigFile, ReportJSON)
	} else if err != nil {
		return nil, err
	}
	return e, readLinear(ctx, rd, e)
}

// readLinear reads the run's linear.json, if any, into e.
func readLinear(ctx context.Context, rd run.Dir, e *Compared) error {
	lin := new(LinearReport)
	err := rd.ReadJSON(ctx, run.LinearResult, lin)
	if err == nil {
		e.Linear = lin
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// readRunFacts reads a run's config.json (missing: an error matching
// fs.ErrNotExist) and, when there, summary.json and (losses not nil) the
// step lines of metrics.jsonl.
func readRunFacts(ctx context.Context, rd run.Dir, losses *plotter.XYs) (*RunFacts, error) {
	rec := new(run.Record[trainer.Config])
	if err := rd.ReadJSON(ctx, run.ConfigFile, rec); err != nil {
		return nil, err
	}
	cfg := rec.Config
	f := &RunFacts{Loss: cfg.Loss.String(), Encoder: cfg.Model, Temperature: cfg.Temperature,
		P: cfg.P, K: cfg.K, Views: cfg.Views, Epochs: cfg.Epochs}
	var sum trainer.Summary
	if err := rd.ReadJSON(ctx, run.SummaryFile, &sum); err == nil {
		f.Steps, f.LastLoss = sum.Steps, sum.LastLoss
		if a, ok := sum.Monitor["knn_top1"]; ok {
			f.KNNTop1 = &a
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if losses == nil {
		return f, nil
	}
	ms, err := run.ReadMetrics(ctx, rd.Path(run.MetricsFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, m := range ms {
		if !m.IsMonitor() && !math.IsNaN(m.Loss) && !math.IsInf(m.Loss, 0) {
			*losses = append(*losses, plotter.XY{X: float64(m.Step), Y: m.Loss})
		}
	}
	return f, nil
}

// severities returns the severities any evaluation has, in order.
func (c *Comparison) severities() []int {
	var out []int
	have := map[int]bool{}
	for _, e := range c.Entries {
		if e.Eval == nil {
			continue
		}
		for _, s := range e.Eval.BySeverity {
			if !have[s.Severity] {
				have[s.Severity] = true
				out = append(out, s.Severity)
			}
		}
	}
	slices.Sort(out)
	return out
}

// label names an entry with its loss, when known ("run-a (supcon-out)").
func (e *Compared) label() string {
	if e.Run != nil {
		return fmt.Sprintf("%s (%s)", e.Name, e.Run.Loss)
	}
	return e.Name
}

const dash = "–"

func pctOrDash(v *float64) string {
	if v == nil {
		return dash
	}
	return pct(*v)
}

// Tables returns the comparison's tables as rows of cells, each with its
// title: the runs (when any folder is or names a run), then top-1 and ECE
// in the paper's layout (Test, then the severities; when any folder is an
// evaluation).
func (c *Comparison) Tables() (titles []string, tables [][][]string) {
	var runs [][]string
	for _, e := range c.Entries {
		if e.Run == nil {
			continue
		}
		r := e.Run
		var lin1, lin5 *float64
		if e.Linear != nil && e.Linear.ValImages > 0 {
			lin1, lin5 = &e.Linear.ValTop1, &e.Linear.ValTop5
		}
		runs = append(runs, []string{e.Name, r.Loss, r.Encoder, fmt.Sprintf("%g", r.Temperature),
			fmt.Sprintf("%d×%d×%d", r.P, r.K, r.Views), fmt.Sprint(r.Epochs), fmt.Sprint(r.Steps),
			fmt.Sprintf("%.4f", r.LastLoss), pctOrDash(r.KNNTop1), pctOrDash(lin1), pctOrDash(lin5)})
	}
	if len(runs) > 0 {
		head := []string{"", "loss", "encoder", "τ", "P×K×V", "epochs", "steps", "last loss", "kNN top-1 (%)", "linear val top-1 (%)", "linear val top-5 (%)"}
		titles, tables = append(titles, "Runs"), append(tables, append([][]string{head}, runs...))
	}
	sevs := c.severities()
	for _, m := range []struct {
		title string
		get   func(Summary) float64
	}{{"Top-1 (%)", func(s Summary) float64 { return s.Top1 }}, {"ECE (%)", func(s Summary) float64 { return s.ECE }}} {
		head := []string{"", "Test"}
		for _, s := range sevs {
			head = append(head, fmt.Sprint(s))
		}
		rows := [][]string{head}
		for _, e := range c.Entries {
			if e.Eval == nil {
				continue
			}
			row := []string{e.label(), pct(m.get(e.Eval.Clean.Summary()))}
			for _, s := range sevs {
				cell := dash
				for _, b := range e.Eval.BySeverity {
					if b.Severity == s {
						cell = pct(m.get(b.Summary))
					}
				}
				row = append(row, cell)
			}
			rows = append(rows, row)
		}
		if len(rows) > 1 {
			titles, tables = append(titles, m.title), append(tables, rows)
		}
	}
	return titles, tables
}

// WriteMarkdown writes the comparison as Markdown.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Comparison\n\n")
	for _, e := range c.Entries {
		fmt.Fprintf(&b, "- **%s**: %s\n", e.Name, e.Dir)
	}
	b.WriteByte('\n')
	titles, tables := c.Tables()
	for i, t := range tables {
		fmt.Fprintf(&b, "## %s\n\n", titles[i])
		mdTable(&b, t)
	}
	if c.hasEval() {
		b.WriteString("Test is the clean test data; 1–5 the mean over the corruptions at each severity.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (c *Comparison) hasEval() bool {
	for _, e := range c.Entries {
		if e.Eval != nil {
			return true
		}
	}
	return false
}

// ErrNothingToPlot is Plot's error when no folder is an evaluation and no
// run has metrics.
var ErrNothingToPlot = errors.New("compare: nothing to plot: no evaluation and no run with metrics")

// Plot draws the comparison: top-1 and ECE against severity, a line per
// evaluation, when any folder is one; otherwise the runs' training losses
// against the step (a centred moving average). It is an error when there
// is nothing to draw.
func (c *Comparison) Plot() ([]byte, error) {
	var plots []*plot.Plot
	if c.hasEval() {
		for _, m := range []struct {
			title string
			get   func(Summary) float64
		}{{"Top-1 (%) against severity", func(s Summary) float64 { return s.Top1 }}, {"ECE (%) against severity", func(s Summary) float64 { return s.ECE }}} {
			p := plot.New()
			p.Title.Text, p.X.Label.Text, p.Y.Label.Text = m.title, "severity (0: clean test data)", "%"
			i := 0
			for _, e := range c.Entries {
				if e.Eval == nil {
					continue
				}
				xy := plotter.XYs{{X: 0, Y: 100 * m.get(e.Eval.Clean.Summary())}}
				for _, s := range e.Eval.BySeverity {
					xy = append(xy, plotter.XY{X: float64(s.Severity), Y: 100 * m.get(s.Summary)})
				}
				if err := addLine(p, e.label(), xy, i); err != nil {
					return nil, err
				}
				i++
			}
			// Severities on the x axis; the legend in the room to the right.
			var ticks []plot.Tick
			for x := 0; x <= 5; x++ {
				ticks = append(ticks, plot.Tick{Value: float64(x), Label: fmt.Sprint(x)})
			}
			p.X.Tick.Marker = plot.ConstantTicks(ticks)
			p.X.Min, p.X.Max = 0, 8
			p.Legend.Top = true
			plots = append(plots, p)
		}
	} else {
		p := plot.New()
		p.Title.Text, p.X.Label.Text, p.Y.Label.Text = "Training loss (centred moving average)", "step", "loss"
		i := 0
		for _, e := range c.Entries {
			if len(e.losses) == 0 {
				continue
			}
			if err := addLine(p, e.label(), smooth(e.losses), i); err != nil {
				return nil, err
			}
			i++
		}
		if i == 0 {
			return nil, ErrNothingToPlot
		}
		p.Legend.Top = true
		plots = append(plots, p)
	}
	width := vg.Length(len(plots)) * 14 * vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(width, 11*vg.Centimeter), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Centimeter / 2}
	for i, p := range plots {
		p.Draw(tiles.At(dc, i, 0)) // column i of the one row
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("compare: plot: %w", err)
	}
	return buf.Bytes(), nil
}

func addLine(p *plot.Plot, name string, xy plotter.XYs, i int) error {
	l, s, err := plotter.NewLinePoints(xy)
	if err != nil {
		return fmt.Errorf("compare: plot %s: %w", name, err)
	}
	l.Color, l.Width, l.Dashes = plotutil.Color(i), vg.Points(1.5), plotutil.Dashes(i/7)
	s.Color, s.Shape = plotutil.Color(i), plotutil.Shape(i)
	if len(xy) > 50 {
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}

// smooth returns the centred moving average of about 2.5% of the points.
func smooth(xy plotter.XYs) plotter.XYs {
	w := max(1, len(xy)/40) | 1
	out := make(plotter.XYs, len(xy))
	for i := range xy {
		lo, hi := max(0, i-w/2), min(len(xy), i+w/2+1)
		var sum float64
		for _, p := range xy[lo:hi] {
			sum += p.Y
		}
		out[i] = plotter.XY{X: xy[i].X, Y: sum / float64(hi-lo)}
	}
	return out
}

var compareTemplate = template.Must(template.New("compare").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Comparison</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td:first-child,th:first-child{text-align:left}
th{background:#f3f3f3}img{max-width:100%}</style></head><body>
<h1>Comparison</h1>
<ul>{{range .Entries}}<li><b>{{.Name}}</b>: {{.Dir}}</li>{{end}}</ul>
{{range .Tables}}<h2>{{.Title}}</h2><table>{{range $i, $row := .Rows}}<tr>{{range $row}}{{if eq $i 0}}<th>{{.}}</th>{{else}}<td>{{.}}</td>{{end}}{{end}}</tr>{{end}}</table>
{{end}}{{if .Note}}<p>{{.Note}}</p>{{end}}
{{if .Plot}}<img alt="comparison plot" src="{{.Plot}}">{{end}}
</body></html>
`))

// WriteHTML writes the comparison as one self-contained page (the plot
// embedded), the tables of WriteMarkdown and the plot of Plot.
func (c *Comparison) WriteHTML(w io.Writer, png []byte) error {
	type table struct {
		Title string
		Rows  [][]string
	}
	pg := struct {
		Entries []Compared
		Tables  []table
		Note    string
		Plot    template.URL
	}{Entries: c.Entries}
	titles, tables := c.Tables()
	for i, t := range tables {
		pg.Tables = append(pg.Tables, table{titles[i], t})
	}
	if c.hasEval() {
		pg.Note = "Test is the clean test data; 1–5 the mean over the corruptions at each severity."
	}
	if len(png) > 0 {
		pg.Plot = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	}
	return compareTemplate.Execute(w, pg)
}

// WriteComparison writes compare.json, compare.md, compare.png (unless
// there is nothing to plot) and compare.html into out (local or gs://).
func WriteComparison(ctx context.Context, out string, c *Comparison) error {
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	var md, page bytes.Buffer
	if err := c.WriteMarkdown(&md); err != nil {
		return err
	}
	png, err := c.Plot()
	if err != nil && !errors.Is(err, ErrNothingToPlot) {
		return err
	}
	if err := c.WriteHTML(&page, png); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{CompareJSON, append(js, '\n')}, {CompareMarkdown, md.Bytes()}, {CompareHTML, page.Bytes()}}
	if len(png) > 0 {
		files = append(files, struct {
			name string
			data []byte
		}{ComparePlot, png})
	}
	for _, f := range files {
		if err := storage.WriteFile(ctx, storage.Join(out, f.name), f.data); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}
	return nil
}
