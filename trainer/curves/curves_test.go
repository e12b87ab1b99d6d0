package curves

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/plotter"
)

// synthetic is a noisy decaying loss over epochs×perEpoch steps with a
// warm-up + cosine learning rate.
func synthetic(epochs, perEpoch int) []Point {
	rng := rand.New(rand.NewPCG(1, 2))
	total := epochs * perEpoch
	warm := total / 10
	pts := make([]Point, total)
	for s := range pts {
		lr := 0.5 * float64(s) / float64(warm)
		if s >= warm {
			lr = 0.25 * (1 + math.Cos(math.Pi*float64(s-warm)/float64(total-warm)))
		}
		loss := 4.6 + 2.4*math.Exp(-float64(s)/float64(total/6)) + 0.15*rng.NormFloat64()
		pts[s] = Point{Step: int64(s), Epoch: float64(s) / float64(perEpoch), Loss: loss, LR: lr}
	}
	return pts
}

func render(t *testing.T, pts []Point, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, pts, opt); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return buf.Bytes()
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the output is not a PNG: %v", err)
	}
	return img
}

func TestRenderSizesAndDeterminism(t *testing.T) {
	pts := synthetic(30, 60)
	tests := []struct {
		name string
		opt  Options
		w, h int
	}{
		{"default size", Options{}, 900, 600},
		{"custom size", Options{Width: 640, Height: 480, Title: "SupCon CIFAR-10"}, 640, 480},
		{"no smoothing", Options{Window: 1}, 900, 600},
		{"even window", Options{Window: 10}, 900, 600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := render(t, pts, tc.opt)
			b := render(t, pts, tc.opt)
			if !bytes.Equal(a, b) {
				t.Fatal("two renders of the same input differ")
			}
			img := decode(t, a)
			if got := img.Bounds().Size(); got.X != tc.w || got.Y != tc.h {
				t.Errorf("image is %v, want %d×%d", got, tc.w, tc.h)
			}
		})
	}
}

// The smoothed loss is drawn in the top panel and the learning rate in the
// bottom one.
func TestPanelsDrawWhereExpected(t *testing.T) {
	img := decode(t, render(t, synthetic(10, 50), Options{}))
	h := img.Bounds().Dy()
	count := func(c color.RGBA, y0, y1 int) int {
		n := 0
		for y := y0; y < y1; y++ {
			for x := 0; x < img.Bounds().Dx(); x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(b>>8) == c.B {
					n++
				}
			}
		}
		return n
	}
	split := h * 7 / 10
	if n := count(smoothColor, 0, split); n < 200 {
		t.Errorf("%d smoothed-loss pixels in the top panel, want many", n)
	}
	if n := count(smoothColor, split, h); n > 0 {
		t.Errorf("%d smoothed-loss pixels in the lr panel", n)
	}
	if n := count(lrColor, split, h); n < 200 {
		t.Errorf("%d lr pixels in the bottom panel, want many", n)
	}
	if n := count(lrColor, 0, split); n > 0 {
		t.Errorf("%d lr pixels in the loss panel", n)
	}
}

func TestRenderOrderIndependent(t *testing.T) {
	pts := synthetic(5, 20)
	shuffled := append([]Point(nil), pts...)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if !bytes.Equal(render(t, pts, Options{}), render(t, shuffled, Options{})) {
		t.Error("shuffling the points changed the image")
	}
}

func TestFewAndBadPoints(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name    string
		pts     []Point
		opt     Options
		wantErr string
		noPts   bool
	}{
		{"no points", nil, Options{}, "no points to draw: the run has no points", true},
		{"all losses NaN", []Point{{Loss: nan}, {Step: 1, Loss: inf}, {Step: 2, Loss: nan}}, Options{}, "all 3 losses are NaN or infinite", true},
		{"one point", []Point{{Step: 7, Loss: 5.1, LR: 0.1}}, Options{}, "", false},
		{"two points", []Point{{Step: 0, Loss: 5.1, LR: 0}, {Step: 1, Loss: 5.0, LR: 0.1}}, Options{}, "", false},
		{"some NaN", []Point{{Step: 0, Loss: 5}, {Step: 1, Loss: nan, LR: nan}, {Step: 2, Loss: 4}}, Options{}, "", false},
		{"no finite lr", []Point{{Step: 0, Loss: 5, LR: nan}, {Step: 1, Loss: 4, LR: nan}}, Options{}, "", false},
		{"same step", []Point{{Step: 3, Loss: 5}, {Step: 3, Loss: 4}}, Options{}, "", false},
		{"negative window", synthetic(1, 5), Options{Window: -1}, "moving-average window -1", false},
		{"too small", synthetic(1, 5), Options{Width: 50, Height: 600}, "image size 50×600", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Render(&buf, tc.pts, tc.opt)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				decode(t, buf.Bytes())
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Render error = %v, want one containing %q", err, tc.wantErr)
			}
			if errors.Is(err, ErrNoPoints) != tc.noPts {
				t.Errorf("errors.Is(err, ErrNoPoints) = %v, want %v", !tc.noPts, tc.noPts)
			}
			if buf.Len() != 0 {
				t.Errorf("a failed Render wrote %d bytes", buf.Len())
			}
		})
	}
}

func TestMovingAverage(t *testing.T) {
	xy := func(ys ...float64) plotter.XYs {
		out := make(plotter.XYs, len(ys))
		for i, y := range ys {
			out[i] = plotter.XY{X: float64(i), Y: y}
		}
		return out
	}
	tests := []struct {
		name   string
		in     plotter.XYs
		window int
		want   []float64
	}{
		{"window 1 is identity", xy(1, 5, 3), 1, []float64{1, 5, 3}},
		{"window 3", xy(1, 2, 6, 4, 8), 3, []float64{1.5, 3, 4, 6, 6}},
		{"window 5 cut off at the ends", xy(1, 2, 6, 4, 8), 5, []float64{3, 3.25, 4.2, 5, 6}},
		{"window wider than data", xy(2, 4), 9, []float64{3, 3}},
		{"single point", xy(7), 3, []float64{7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := movingAverage(tc.in, tc.window)
			for i, w := range tc.want {
				if math.Abs(got[i].Y-w) > 1e-12 || got[i].X != tc.in[i].X {
					t.Errorf("point %d = %v, want (%v, %v)", i, got[i], tc.in[i].X, w)
				}
			}
		})
	}
}

func TestEpochMarks(t *testing.T) {
	tests := []struct {
		epochs, perEpoch int
		wantEvery, wantN int
	}{
		{1, 10, 0, 0},
		{5, 10, 1, 4},
		{21, 3, 1, 20},
		{22, 3, 2, 10},
		{350, 2, 20, 17},
	}
	for _, tc := range tests {
		xs, every := epochMarks(synthetic(tc.epochs, tc.perEpoch))
		if every != tc.wantEvery || len(xs) != tc.wantN {
			t.Errorf("%d epochs: every %d, %d marks; want every %d, %d marks", tc.epochs, every, len(xs), tc.wantEvery, tc.wantN)
		}
	}
	var seq []int
	for n := 1; n <= 100; n = nextNice(n) {
		seq = append(seq, n)
	}
	if got := seq; len(got) != 7 || got[1] != 2 || got[2] != 5 || got[3] != 10 || got[6] != 100 {
		t.Errorf("nextNice sequence %v, want 1 2 5 10 20 50 100", got)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run", "loss.png")
	pts := synthetic(3, 20)
	if err := WriteFile(context.Background(), path, pts, Options{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, render(t, pts, Options{})) {
		t.Error("the file differs from Render's output")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files in the directory, want only loss.png", len(entries))
	}
	if err := WriteFile(context.Background(), filepath.Join(dir, "empty.png"), nil, Options{}); !errors.Is(err, ErrNoPoints) {
		t.Errorf("WriteFile with no points: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "empty.png")); !os.IsNotExist(err) {
		t.Error("a failed WriteFile left a file")
	}
}

// TestSample writes the synthetic curve to $CURVES_SAMPLE, when set, for a
// person to look at.
func TestSample(t *testing.T) {
	path := os.Getenv("CURVES_SAMPLE")
	if path == "" {
		t.Skip("set CURVES_SAMPLE=/path/to/sample.png to write a sample")
	}
	if err := WriteFile(context.Background(), path, synthetic(30, 60), Options{Title: "SupCon (synthetic)"}); err != nil {
		t.Fatal(err)
	}
}

func TestEnvelopeAndThin(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	long := make(plotter.XYs, 10007)
	gmin, gmax := 0, 0
	for i := range long {
		long[i] = plotter.XY{X: float64(i), Y: rng.NormFloat64()}
		if long[i].Y < long[gmin].Y {
			gmin = i
		}
		if long[i].Y > long[gmax].Y {
			gmax = i
		}
	}
	env := envelope(long, 100)
	if len(env) > 202 {
		t.Errorf("envelope kept %d points, want ≤ 202", len(env))
	}
	hasMin, hasMax := false, false
	for i, p := range env {
		if i > 0 && p.X <= env[i-1].X {
			t.Fatalf("envelope out of order at %d", i)
		}
		hasMin = hasMin || p == long[gmin]
		hasMax = hasMax || p == long[gmax]
	}
	if !hasMin || !hasMax || env[0] != long[0] || env[len(env)-1] != long[len(long)-1] {
		t.Error("envelope lost the extremes or the end points")
	}
	if short := long[:400]; len(envelope(short, 100)) != 400 {
		t.Error("envelope changed a short curve")
	}
	th := thin(long, 1000)
	if len(th) > 1001 || th[0] != long[0] || th[len(th)-1] != long[len(long)-1] {
		t.Errorf("thin kept %d points, first %v last %v", len(th), th[0], th[len(th)-1])
	}
	if len(thin(long[:10], 1000)) != 10 {
		t.Error("thin changed a short curve")
	}
}

func TestLongRunIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("long run")
	}
	pts := synthetic(350, 200) // 70,000 steps
	start := time.Now()
	b := render(t, pts, Options{})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("rendering %d points took %v", len(pts), d)
	}
	decode(t, b)
}

// The monitor panel: drawn between loss and learning rate with its colour,
// deterministic, and left out (the image unchanged) when no series has a
// finite point.
func TestMonitorPanel(t *testing.T) {
	pts := synthetic(6, 40)
	var knn []Mark
	for e := 1; e <= 6; e++ {
		knn = append(knn, Mark{Step: int64(e*40 - 1), Value: 0.3 + 0.1*float64(e)})
	}
	opt := Options{Monitor: []Series{{Name: "knn_top1", Points: knn}}}
	a, b := render(t, pts, opt), render(t, pts, opt)
	if !bytes.Equal(a, b) {
		t.Error("two renders with a monitor differ")
	}
	plain := render(t, pts, Options{})
	if bytes.Equal(a, plain) {
		t.Error("the monitor panel changed nothing")
	}
	nan := Options{Monitor: []Series{{Name: "x", Points: []Mark{{Step: 3, Value: math.NaN()}}}, {Name: "empty"}}}
	if !bytes.Equal(render(t, pts, nan), plain) {
		t.Error("a monitor without finite points changed the image")
	}
	// The series' colour appears in the middle band of the image only.
	img := decode(t, a)
	h := img.Bounds().Dy()
	rows := map[string]int{}
	for y := 0; y < h; y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 == 0 && g>>8 == 140 && bl>>8 == 70 {
				switch {
				case y < h*45/100:
					rows["top"]++
				case y < h*80/100:
					rows["middle"]++
				default:
					rows["bottom"]++
				}
			}
		}
	}
	if rows["middle"] == 0 || rows["top"] != 0 || rows["bottom"] != 0 {
		t.Errorf("monitor colour by band: %v", rows)
	}
	if path := os.Getenv("CURVES_SAMPLE"); path != "" {
		if err := os.WriteFile(strings.TrimSuffix(path, ".png")+"-monitor.png", a, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
