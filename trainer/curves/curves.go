// Package curves draws a training run's loss and learning-rate curves as one
// PNG with gonum.org/v1/plot.
//
// The image has two panels sharing the step axis: on top the loss against
// the step, the raw per-step loss as a thin light line under a centred moving
// average, with dotted lines at epoch boundaries; below, a smaller panel with
// the learning rate. Long runs are reduced for drawing to a per-pixel-column
// min/max envelope (the raw curves) or an even subsample (the smoothed one),
// after smoothing over all points, so rendering time stays flat in the
// number of steps. The title's second line gives the last loss and the mean
// of the last window of points. Points need not be sorted (they are drawn by
// step); points whose loss or learning rate is NaN or ±Inf are left out of
// that curve and counted in the title (with no finite learning rate at all,
// the loss panel takes the whole image).
//
// Rendering is deterministic: the same points and options give the same
// bytes (gonum's rasteriser and image/png have no randomness or map-order
// dependence; the tests check it).
//
// No points, or no point with a finite loss, is an error ([ErrNoPoints]):
// there is no curve to draw and an empty picture would hide that. A single
// point is drawn as a marker.
package curves

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/supcon/supcon/internal/storage"
)

// Point is one training step's record.
type Point struct {
	// Step is the global optimiser step.
	Step int64
	// Epoch is the epoch the step belongs to, counting from 0 (it may be
	// fractional, as in step/stepsPerEpoch); a change of its integer part
	// marks an epoch boundary.
	Epoch float64
	// Loss is the step's training loss.
	Loss float64
	// LR is the learning rate the step used.
	LR float64
}

// Options controls the picture. The zero value gives the defaults.
type Options struct {
	// Width and Height are the image size in pixels; 0 means 900×600.
	Width, Height int
	// Title heads the loss panel; "" means "training loss".
	Title string
	// Window is the moving average's width in points, made odd by adding 1
	// if even; 0 picks about 2.5% of the points (at least 1), and 1 turns
	// smoothing off.
	Window int
	// Monitor, when it has points, adds a panel between the loss and the
	// learning rate with these series (figures measured now and then during
	// training, such as kNN accuracy on validation data after each epoch),
	// drawn as lines with a marker per point. Without it the image is as it
	// always was.
	Monitor []Series
}

// Series is a named figure measured at some steps.
type Series struct {
	Name   string
	Points []Mark
}

// Mark is one measurement of a Series.
type Mark struct {
	Step  int64
	Value float64
}

// ErrNoPoints is returned (wrapped, with the reason) when there is nothing to
// draw.
var ErrNoPoints = errors.New("curves: no points to draw")

const (
	dpi    = 96
	margin = 6 // points of white around the figure
)

var (
	rawColor    = color.RGBA{R: 160, G: 190, B: 230, A: 255}
	smoothColor = color.RGBA{R: 20, G: 70, B: 160, A: 255}
	lrColor     = color.RGBA{R: 215, G: 110, B: 20, A: 255}
	gridColor   = color.RGBA{R: 225, G: 225, B: 225, A: 255}
	epochColor  = color.RGBA{R: 150, G: 150, B: 150, A: 255}
)

// Render draws pts as a PNG to w.
func Render(w io.Writer, pts []Point, opt Options) error {
	width, height, err := opt.size()
	if err != nil {
		return err
	}
	if len(pts) == 0 {
		return fmt.Errorf("%w: the run has no points", ErrNoPoints)
	}
	sorted := append([]Point(nil), pts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Step < sorted[j].Step })
	loss, lr := series(sorted)
	if len(loss) == 0 {
		return fmt.Errorf("%w: all %d losses are NaN or infinite", ErrNoPoints, len(pts))
	}
	window := opt.Window
	if window == 0 {
		window = max(1, len(loss)/40)
	}
	if window%2 == 0 {
		window++
	}
	top, err := lossPanel(sorted, loss, window, width)
	if err != nil {
		return err
	}
	top.Title.Text = title(opt.Title, len(pts), loss, lr, window)
	bot, err := lrPanel(lr, width)
	if err != nil {
		return err
	}
	xmin, xmax := float64(sorted[0].Step), float64(sorted[len(sorted)-1].Step)
	for _, p := range []*plot.Plot{top, bot} {
		p.X.Min, p.X.Max = xmin, xmax
		p.Title.TextStyle.Font.Size = vg.Points(13)
	}
	bot.Y.Min = math.Min(bot.Y.Min, 0)
	mon, err := monitorPlot(opt.Monitor, xmin, xmax)
	if err != nil {
		return err
	}
	return drawPNG(w, width, height, top, mon, bot, len(lr) > 0)
}

// size returns the image's width and height, with defaults, or an error if
// the options are out of range.
func (opt Options) size() (width, height int, err error) {
	width, height = opt.Width, opt.Height
	if width == 0 {
		width = 900
	}
	if height == 0 {
		height = 600
	}
	if width < 200 || height < 150 || width > 10000 || height > 10000 {
		return 0, 0, fmt.Errorf("curves: image size %d×%d, want 200×150 to 10000×10000 pixels", width, height)
	}
	if opt.Window < 0 {
		return 0, 0, fmt.Errorf("curves: moving-average window %d, want ≥ 0", opt.Window)
	}
	return width, height, nil
}

// series returns the finite losses and learning rates of pts against their
// steps.
func series(pts []Point) (loss, lr plotter.XYs) {
	for _, p := range pts {
		if finite(p.Loss) {
			loss = append(loss, plotter.XY{X: float64(p.Step), Y: p.Loss})
		}
		if finite(p.LR) {
			lr = append(lr, plotter.XY{X: float64(p.Step), Y: p.LR})
		}
	}
	return loss, lr
}

// title is the plot's title: the given one (or "training loss"), the last
// loss, the mean of the last window points, and what was not drawn out of
// n points.
func title(given string, n int, loss, lr plotter.XYs, window int) string {
	title := given
	if title == "" {
		title = "training loss"
	}
	last := loss[len(loss)-1]
	title += fmt.Sprintf("\nloss %.4g at step %d", last.Y, int64(last.X))
	if tail := loss[len(loss)-min(window, len(loss)):]; len(tail) > 1 {
		var sum float64
		for _, p := range tail {
			sum += p.Y
		}
		title += fmt.Sprintf(", mean of the last %d points %.4g", len(tail), sum/float64(len(tail)))
	}
	if bad := n - len(loss); bad > 0 {
		title += "; " + plural(bad, "non-finite loss") + " not drawn"
	}
	if len(lr) == 0 {
		title += "; no finite learning rate"
	} else if bad := n - len(lr); bad > 0 {
		title += "; " + plural(bad, "non-finite learning rate") + " not drawn"
	}
	return title
}

// lossPanel plots the loss per step (its envelope at width pixels), its
// centred moving average over window steps, and the epochs' starts.
func lossPanel(sorted []Point, loss plotter.XYs, window, width int) (*plot.Plot, error) {
	top := plot.New()
	top.Y.Label.Text = "loss"
	top.X.Label.Text = "step"
	top.Add(hGrid())
	if marks, every := epochMarks(sorted); len(marks) > 0 {
		top.Add(vLines{xs: marks})
		top.X.Label.Text = fmt.Sprintf("step (dotted: every %s)", plural(every, "epoch"))
	}
	smooth := movingAverage(loss, window)
	if len(loss) == 1 {
		s, err := plotter.NewScatter(loss)
		if err != nil {
			return nil, fmt.Errorf("curves: %w", err)
		}
		s.Color = smoothColor
		s.GlyphStyle.Radius = vg.Points(3)
		top.Add(s)
		top.Legend.Add("loss", s)
	} else {
		raw, err := plotter.NewLine(envelope(loss, width))
		if err != nil {
			return nil, fmt.Errorf("curves: %w", err)
		}
		raw.Color, raw.Width = rawColor, vg.Points(0.75)
		top.Add(raw)
		top.Legend.Add("loss per step", raw)
		if window > 1 {
			sm, err := plotter.NewLine(thin(smooth, 2*width))
			if err != nil {
				return nil, fmt.Errorf("curves: %w", err)
			}
			sm.Color, sm.Width = smoothColor, vg.Points(1.75)
			top.Add(sm)
			top.Legend.Add(fmt.Sprintf("centred mean of %d steps", window), sm)
		}
	}
	top.Legend.Top = true
	top.Legend.TextStyle.Font.Size = vg.Points(10)
	return top, nil
}

// lrPanel plots the learning rate (its envelope at width pixels).
func lrPanel(lr plotter.XYs, width int) (*plot.Plot, error) {
	bot := plot.New()
	bot.Y.Label.Text = "learning rate"
	bot.X.Label.Text = "step"
	bot.Add(hGrid())
	switch len(lr) {
	case 0:
	case 1:
		s, err := plotter.NewScatter(lr)
		if err != nil {
			return nil, fmt.Errorf("curves: %w", err)
		}
		s.Color = lrColor
		s.GlyphStyle.Radius = vg.Points(3)
		bot.Add(s)
	default:
		l, err := plotter.NewLine(envelope(lr, width))
		if err != nil {
			return nil, fmt.Errorf("curves: %w", err)
		}
		l.Color, l.Width = lrColor, vg.Points(1.5)
		bot.Add(l)
	}
	return bot, nil
}

// drawPNG draws the loss panel over the monitor panel, if any (mon not
// nil), over the learning-rate panel (left out when withLR is false), and
// writes the PNG to w.
func drawPNG(w io.Writer, width, height int, top, mon, bot *plot.Plot, withLR bool) error {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	c := vgimg.NewWith(vgimg.UseImage(img), vgimg.UseDPI(dpi))
	dc := draw.Crop(draw.New(c), margin, -margin, margin, -margin)
	if mon != nil {
		drawThree(dc, top, mon, bot, withLR)
	} else if !withLR {
		top.Draw(dc) // no learning-rate panel: the title says why
	} else {
		h := dc.Max.Y - dc.Min.Y
		split := h * 0.3
		topC := draw.Crop(dc, 0, 0, split, 0)
		botC := draw.Crop(dc, 0, 0, 0, -(h - split))
		alignX(top, &topC, bot, &botC)
		top.Draw(topC)
		bot.Draw(botC)
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return fmt.Errorf("curves: encoding PNG: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("curves: writing PNG: %w", err)
	}
	return nil
}

// WriteFile renders pts to a PNG file at name (local or gs://) with
// storage.WriteFile, which writes a temporary file beside it and renames it,
// so a reader never sees a half-written image.
func WriteFile(ctx context.Context, name string, pts []Point, opt Options) error {
	var buf bytes.Buffer
	if err := Render(&buf, pts, opt); err != nil {
		return err
	}
	if err := storage.WriteFile(ctx, name, buf.Bytes()); err != nil {
		return fmt.Errorf("curves: %w", err)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// movingAverage returns the centred mean of xy's Y over window points
// (odd). Near the ends the window is cut off by the data rather than shrunk
// symmetrically: the curve stays smooth to the end (a symmetric shrink would
// end on the last raw point, a hook that reads as a sudden change), at the
// cost of some bias where the loss changes fast. Sums use float64 prefix sums
// in index order.
func movingAverage(xy plotter.XYs, window int) plotter.XYs {
	n := len(xy)
	prefix := make([]float64, n+1)
	for i, p := range xy {
		prefix[i+1] = prefix[i] + p.Y
	}
	out := make(plotter.XYs, n)
	half := window / 2
	for i := range xy {
		lo, hi := max(0, i-half), min(n, i+half+1)
		out[i] = plotter.XY{X: xy[i].X, Y: (prefix[hi] - prefix[lo]) / float64(hi-lo)}
	}
	return out
}

// envelope reduces a long curve for drawing, which costs time in the number
// of segments: split into `buckets` runs of consecutive points, each run
// keeps its lowest and highest point, in order, so that the drawn band of a
// noisy curve looks the same at about one run per pixel column. The first and
// last points are always kept. Curves of at most 4·buckets points are
// returned as they are.
func envelope(xy plotter.XYs, buckets int) plotter.XYs {
	n := len(xy)
	if n <= 4*buckets {
		return xy
	}
	out := make(plotter.XYs, 0, 2*buckets+2)
	out = append(out, xy[0])
	for b := range buckets {
		lo, hi := b*n/buckets, (b+1)*n/buckets
		imin, imax := lo, lo
		for i := lo + 1; i < hi; i++ {
			if xy[i].Y < xy[imin].Y {
				imin = i
			}
			if xy[i].Y > xy[imax].Y {
				imax = i
			}
		}
		first, second := min(imin, imax), max(imin, imax)
		out = append(out, xy[first])
		if second != first {
			out = append(out, xy[second])
		}
	}
	return append(out, xy[n-1])
}

// thin keeps every k-th point of a smooth curve, and the last, so that at
// most about `keep` points remain.
func thin(xy plotter.XYs, keep int) plotter.XYs {
	n := len(xy)
	if n <= keep {
		return xy
	}
	k := (n + keep - 1) / keep
	out := make(plotter.XYs, 0, keep+1)
	for i := 0; i < n; i += k {
		out = append(out, xy[i])
	}
	if (n-1)%k != 0 {
		out = append(out, xy[n-1])
	}
	return out
}

// epochMarks returns the steps where the integer part of the epoch grows,
// keeping only every `every`-th epoch (1, 2, 5, 10, 20, 50, ...) so that at
// most 20 lines are drawn.
func epochMarks(pts []Point) (xs []float64, every int) {
	type mark struct {
		step  float64
		epoch int64
	}
	var marks []mark
	for i := 1; i < len(pts); i++ {
		prev, cur := math.Floor(pts[i-1].Epoch), math.Floor(pts[i].Epoch)
		if finite(cur) && finite(prev) && cur > prev {
			marks = append(marks, mark{float64(pts[i].Step), int64(cur)})
		}
	}
	if len(marks) == 0 {
		return nil, 0
	}
	every = 1
	for (len(marks)+every-1)/every > 20 {
		every = nextNice(every)
	}
	for _, m := range marks {
		if m.epoch%int64(every) == 0 {
			xs = append(xs, m.step)
		}
	}
	return xs, every
}

// nextNice steps through 1, 2, 5, 10, 20, 50, ...
func nextNice(n int) int {
	mag := 1
	for mag*10 <= n {
		mag *= 10
	}
	switch n / mag {
	case 1:
		return 2 * mag
	case 2:
		return 5 * mag
	default:
		return 10 * mag
	}
}

// hGrid is a light horizontal grid.
func hGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	g.Horizontal.Color = gridColor
	g.Horizontal.Width = vg.Points(0.5)
	return g
}

// vLines draws dotted vertical lines across the data area at xs.
type vLines struct{ xs []float64 }

// Plot implements plot.Plotter.
func (v vLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	style := draw.LineStyle{Color: epochColor, Width: vg.Points(0.5), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}
	for _, x := range v.xs {
		px := trX(x)
		c.StrokeLine2(style, px, c.Min.Y, px, c.Max.Y)
	}
}

// monitorColors colour the monitor's series in turn.
var monitorColors = []color.Color{
	color.RGBA{R: 0, G: 140, B: 70, A: 255},
	color.RGBA{R: 200, G: 90, B: 0, A: 255},
	color.RGBA{R: 120, G: 60, B: 170, A: 255},
}

// monitorPlot returns the monitor panel over steps xmin..xmax, or nil when
// no series has a finite point.
func monitorPlot(series []Series, xmin, xmax float64) (*plot.Plot, error) {
	p := plot.New()
	p.Y.Label.Text = "monitor"
	p.X.Label.Text = "step"
	p.Add(hGrid())
	drawn := 0
	for i, sr := range series {
		var xy plotter.XYs
		for _, m := range sr.Points {
			if finite(m.Value) {
				xy = append(xy, plotter.XY{X: float64(m.Step), Y: m.Value})
			}
		}
		if len(xy) == 0 {
			continue
		}
		sort.SliceStable(xy, func(a, b int) bool { return xy[a].X < xy[b].X })
		l, s, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, fmt.Errorf("curves: monitor %s: %w", sr.Name, err)
		}
		col := monitorColors[i%len(monitorColors)]
		l.Color, l.Width = col, vg.Points(1.5)
		s.Color, s.Shape, s.Radius = col, draw.CircleGlyph{}, vg.Points(2.5)
		p.Add(l, s)
		last := xy[len(xy)-1]
		p.Legend.Add(fmt.Sprintf("%s (last %.4g)", sr.Name, last.Y), l, s)
		drawn++
	}
	if drawn == 0 {
		return nil, nil
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.X.Min, p.X.Max = xmin, xmax
	return p, nil
}

// drawThree draws the loss, monitor and learning-rate panels (the last only
// when hasLR) one above the other, their data areas aligned.
func drawThree(dc draw.Canvas, top, mon, bot *plot.Plot, hasLR bool) {
	h := dc.Max.Y - dc.Min.Y
	plots := []*plot.Plot{top, mon}
	shares := []vg.Length{0.6, 0.4}
	if hasLR {
		plots, shares = append(plots, bot), []vg.Length{0.5, 0.28, 0.22}
	}
	canvases := make([]draw.Canvas, len(plots))
	y := dc.Max.Y
	for i, share := range shares {
		c := dc
		c.Max.Y, c.Min.Y = y, y-h*share
		y = c.Min.Y
		canvases[i] = c
	}
	// Align every data area with the widest margins on each side.
	var left, right vg.Length
	for i, p := range plots {
		d := p.DataCanvas(canvases[i])
		left = max(left, d.Min.X-canvases[i].Min.X)
		right = max(right, canvases[i].Max.X-d.Max.X)
	}
	for i, p := range plots {
		d := p.DataCanvas(canvases[i])
		canvases[i].Min.X += left - (d.Min.X - canvases[i].Min.X)
		canvases[i].Max.X -= right - (canvases[i].Max.X - d.Max.X)
		p.Draw(canvases[i])
	}
}

// alignX narrows the canvas of whichever plot has the narrower axis margins
// so that both data areas span the same x range on the page.
func alignX(a *plot.Plot, ac *draw.Canvas, b *plot.Plot, bc *draw.Canvas) {
	ad, bd := a.DataCanvas(*ac), b.DataCanvas(*bc)
	al, bl := ad.Min.X-ac.Min.X, bd.Min.X-bc.Min.X
	if al < bl {
		ac.Min.X += bl - al
	} else {
		bc.Min.X += al - bl
	}
	ar, br := ac.Max.X-ad.Max.X, bc.Max.X-bd.Max.X
	if ar < br {
		ac.Max.X -= br - ar
	} else {
		bc.Max.X -= ar - br
	}
}
