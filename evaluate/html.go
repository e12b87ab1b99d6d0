package evaluate

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// pngURI renders a plot as a PNG data: URI of w×h centimetres.
func pngURI(p *plot.Plot, w, h vg.Length) (template.URL, error) {
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}

// reliabilityPlot draws the reliability diagram: each bin's accuracy as a
// bar over its confidence range, the bins' mean confidence as points, and
// the diagonal of perfect calibration.
func reliabilityPlot(m *Metrics) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Reliability (clean): ECE %.2f%%", 100*m.ECE)
	p.X.Label.Text, p.Y.Label.Text = "confidence", "accuracy"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	var conf plotter.XYs
	for _, b := range m.Reliability {
		if b.Count == 0 {
			continue
		}
		bar, err := plotter.NewPolygon(plotter.XYs{{X: b.Lo, Y: 0}, {X: b.Hi, Y: 0}, {X: b.Hi, Y: b.Accuracy}, {X: b.Lo, Y: b.Accuracy}})
		if err != nil {
			return nil, err
		}
		bar.Color = color.RGBA{R: 70, G: 110, B: 200, A: 255}
		bar.LineStyle.Color = color.White
		p.Add(bar)
		conf = append(conf, plotter.XY{X: b.Confidence, Y: b.Accuracy})
	}
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, err
	}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	diag.Color = color.Gray{Y: 90}
	p.Add(diag)
	if len(conf) > 0 {
		s, err := plotter.NewScatter(conf)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = color.RGBA{R: 200, G: 60, B: 40, A: 255}, vg.Points(3), draw.CircleGlyph{}
		p.Add(s)
		p.Legend.Add("accuracy per bin (bar at mean confidence)", s)
	}
	p.Legend.Add("perfect calibration", diag)
	p.Legend.Top, p.Legend.Left = true, true
	return p, nil
}

// severityPlot draws one figure (top-1 or ECE, from get) against severity
// for every corruption, thin, and their mean, thick; severity 0 is the
// clean test data.
func severityPlot(r *Report, title string, get func(Summary) float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "severity (0: clean)", "%"
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 1, Label: "1"}, {Value: 2, Label: "2"},
		{Value: 3, Label: "3"}, {Value: 4, Label: "4"}, {Value: 5, Label: "5"}})
	clean := 100 * get(r.Clean.Summary())
	line := func(ss []SeverityScores) plotter.XYs {
		xy := plotter.XYs{{X: 0, Y: clean}}
		for _, s := range ss {
			xy = append(xy, plotter.XY{X: float64(s.Severity), Y: 100 * get(s.Summary)})
		}
		return xy
	}
	for i, c := range r.Corrupted {
		l, err := plotter.NewLine(line(c.Severities))
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = plotutil.Color(i), vg.Points(1.2)
		l.Dashes = plotutil.Dashes(i / 7)
		p.Add(l)
		p.Legend.Add(c.Name, l)
	}
	mean, err := plotter.NewLine(line(r.BySeverity))
	if err != nil {
		return nil, err
	}
	mean.Color, mean.Width = color.Black, vg.Points(3)
	p.Add(mean)
	p.Legend.Add("mean", mean)
	// The lines end at severity 5; the legend sits in the room to their
	// right.
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.X.Min, p.X.Max = 0, 7.6
	return p, nil
}

// mapPlot draws the 2-D embedding map, one colour per class.
func mapPlot(pts []MapPoint, classes int, names []string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Test embeddings: first two principal components (L2-normalised features)"
	p.X.Label.Text, p.Y.Label.Text = "PC 1", "PC 2"
	for c := 0; c < classes; c++ {
		var xy plotter.XYs
		for _, q := range pts {
			if q.Label == c {
				xy = append(xy, plotter.XY{X: q.X, Y: q.Y})
			}
		}
		if len(xy) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = classColor(c, classes), vg.Points(1.8), draw.CircleGlyph{}
		p.Add(s)
		if classes <= 20 {
			name := fmt.Sprint(c)
			if c < len(names) {
				name = names[c]
			}
			p.Legend.Add(name, s)
		}
	}
	// Room on the right for the legend.
	if classes <= 20 && len(pts) > 0 {
		lo, hi := pts[0].X, pts[0].X
		for _, q := range pts {
			lo, hi = min(lo, q.X), max(hi, q.X)
		}
		p.X.Min, p.X.Max = lo, hi+0.2*(hi-lo)
	}
	p.Legend.Top = true
	return p, nil
}

// classColor spreads classes round the hue circle.
func classColor(c, n int) color.Color {
	h := float64(c) / float64(max(n, 1)) * 6
	x := 1 - math.Abs(math.Mod(h, 2)-1)
	var r, g, b float64
	switch int(h) {
	case 0:
		r, g = 1, x
	case 1:
		r, g = x, 1
	case 2:
		g, b = 1, x
	case 3:
		g, b = x, 1
	case 4:
		r, b = x, 1
	default:
		r, b = 1, x
	}
	v := 0.85
	return color.RGBA{R: uint8(255 * r * v), G: uint8(255 * g * v), B: uint8(255 * b * v), A: 255}
}

// confusionCell is one cell of the HTML confusion matrix.
type confusionCell struct {
	Count int
	Style template.CSS
}

// htmlPage is what report.html's template fills in.
type htmlPage struct {
	R           *Report
	Table       [][]string
	Reliability template.URL
	Top1, ECE   template.URL
	Map         template.URL
	Names       []string
	Confusion   [][]confusionCell
	TooMany     bool
}

const maxConfusionClasses = 40

func writeHTML(w io.Writer, r *Report, pts []MapPoint) error {
	pg := &htmlPage{R: r, Table: r.SummaryTable()}
	rel, err := reliabilityPlot(r.Clean)
	if err != nil {
		return err
	}
	if pg.Reliability, err = pngURI(rel, 14*vg.Centimeter, 12*vg.Centimeter); err != nil {
		return err
	}
	if len(r.Corrupted) > 0 {
		for _, f := range []struct {
			title string
			get   func(Summary) float64
			dst   *template.URL
		}{
			{"Top-1 against severity", func(s Summary) float64 { return s.Top1 }, &pg.Top1},
			{"ECE against severity", func(s Summary) float64 { return s.ECE }, &pg.ECE},
		} {
			p, err := severityPlot(r, f.title, f.get)
			if err != nil {
				return err
			}
			if *f.dst, err = pngURI(p, 14*vg.Centimeter, 11*vg.Centimeter); err != nil {
				return err
			}
		}
	}
	if len(pts) > 0 {
		p, err := mapPlot(pts, r.Classes, r.Names)
		if err != nil {
			return err
		}
		if pg.Map, err = pngURI(p, 18*vg.Centimeter, 14*vg.Centimeter); err != nil {
			return err
		}
	}
	for c := 0; c < r.Classes; c++ {
		name := fmt.Sprint(c)
		if c < len(r.Names) {
			name = r.Names[c]
		}
		pg.Names = append(pg.Names, name)
	}
	pg.TooMany = r.Classes > maxConfusionClasses
	if !pg.TooMany {
		for _, row := range r.Clean.Confusion {
			total := 0
			for _, v := range row {
				total += v
			}
			var cells []confusionCell
			for _, v := range row {
				a := 0.0
				if total > 0 {
					a = float64(v) / float64(total)
				}
				style := fmt.Sprintf("background: rgba(40,90,200,%.3f)", a)
				if a > 0.5 {
					style += "; color: white"
				}
				cells = append(cells, confusionCell{Count: v, Style: template.CSS(style)})
			}
			pg.Confusion = append(pg.Confusion, cells)
		}
	}
	return pageTemplate.Execute(w, pg)
}

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": pct,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>supcon eval: {{.R.Run}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
table.confusion td, table.confusion th { padding: 0.15em 0.35em; font-size: 0.8em; text-align: center; }
.figs { display: flex; flex-wrap: wrap; gap: 1em; }
.note { color: #666; font-size: 0.9em; }
</style></head><body>
<h1>Evaluation</h1>
<p>Run <code>{{.R.Run}}</code>, scored through the {{.R.Scorer}} of <code>{{.R.Checkpoint}}</code>
({{.R.Encoder}} encoder, {{.R.Classes}} classes) on {{.R.TestImages}} test images.</p>
<h2>Summary</h2>
<p class="note">Test: the clean test data; 1–5: the mean over the corruptions at each severity.</p>
<table>{{range $i, $row := .Table}}<tr>{{range $row}}{{if eq $i 0}}<th>{{.}}</th>{{else}}<td>{{.}}</td>{{end}}{{end}}</tr>
{{end}}</table>
<p>Clean: top-1 {{pct .R.Clean.Top1}}%, top-5 {{pct .R.Clean.Top5}}%, NLL {{printf "%.4f" .R.Clean.NLL}}, ECE {{pct .R.Clean.ECE}}% ({{.R.Bins}} bins).</p>
{{if .R.KNN}}<h2>kNN and retrieval</h2>
<table><tr><th>classifier</th><th>top-1 (%)</th><th>top-5 (%)</th></tr>
{{range .R.KNN}}<tr><td>{{.Config}}</td><td>{{pct .Top1}}</td><td>{{pct .Top5}}</td></tr>
{{end}}</table>
{{with .R.Retrieval}}<table><tr><th>precision@1 (%)</th><th>R-precision (%)</th><th>MAP@R (%)</th></tr>
<tr><td>{{pct .PrecisionAt1}}</td><td>{{pct .RPrecision}}</td><td>{{pct .MAPAtR}}</td></tr></table>{{end}}{{end}}
<h2>Calibration</h2>
<img alt="reliability diagram" src="{{.Reliability}}">
{{if .R.Corrupted}}<h2>Corruptions</h2>
<div class="figs"><img alt="top-1 against severity" src="{{.Top1}}"><img alt="ECE against severity" src="{{.ECE}}"></div>
<table><tr><th>corruption</th>{{range .R.Config.Severities}}<th>{{.}}</th>{{end}}<th>mean</th></tr>
{{range .R.Corrupted}}<tr><td>{{.Name}}</td>{{range .Severities}}<td>{{pct .Top1}} / {{pct .ECE}}</td>{{end}}<td>{{pct .Mean.Top1}} / {{pct .Mean.ECE}}</td></tr>
{{end}}</table><p class="note">Top-1 / ECE in percent.</p>{{end}}
<h2>Confusion matrix (clean)</h2>
{{if .TooMany}}<p class="note">{{.R.Classes}} classes: too many to draw; report.json has the matrix.</p>{{else}}
<p class="note">Rows: true class; columns: predicted class; shading: share of the row.</p>
<table class="confusion"><tr><th></th>{{range .Names}}<th>{{.}}</th>{{end}}</tr>
{{range $i, $row := .Confusion}}<tr><th>{{index $.Names $i}}</th>{{range $row}}<td style="{{.Style}}">{{.Count}}</td>{{end}}</tr>
{{end}}</table>{{end}}
<h2>Per class (clean)</h2>
<table><tr><th>class</th><th>images</th><th>top-1 (%)</th></tr>
{{range .R.Clean.PerClass}}<tr><td>{{.Class}} {{.Name}}</td><td>{{.Count}}</td><td>{{pct .Accuracy}}</td></tr>
{{end}}</table>
{{if .Map}}<h2>Embedding map</h2>
<img alt="2-D map of the test embeddings" src="{{.Map}}">{{end}}
<p class="note">{{.R.Evaluated}} images scored in {{printf "%.1f" .R.Seconds}} s ({{printf "%.0f" .R.ImagesPerSecond}} images/s).</p>
</body></html>
`))
