package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// problem is a random test input: w (M×d, float32 and its exact float64
// copy) and per-row labels in the view-major layout.
type problem struct {
	m, d   int
	w32    []float32
	w64    []float64
	labels []int
}

// newProblem draws b images of v views with labels in [0, classes); when
// unit is set, rows are scaled to unit length.
func newProblem(seed uint64, b, v, d, classes int, unit bool) problem {
	r := rand.New(rand.NewPCG(seed, 99))
	m := b * v
	p := problem{m: m, d: d, w32: make([]float32, m*d), w64: make([]float64, m*d)}
	per := make([]int, b)
	for i := range per {
		per[i] = r.IntN(classes)
	}
	p.labels = RepeatLabels(per, v)
	for i := range m {
		n := 0.0
		row := make([]float64, d)
		for k := range row {
			row[k] = r.NormFloat64()
			n += row[k] * row[k]
		}
		for k := range row {
			x := row[k]
			if unit {
				x /= math.Sqrt(n)
			}
			p.w32[i*d+k] = float32(x)
			p.w64[i*d+k] = float64(p.w32[i*d+k])
		}
	}
	return p
}

// run computes the loss and gradient of o on p, failing the test on error.
func (p problem) run(t testing.TB, o Options) (Result, []float32) {
	t.Helper()
	g := Matrix{Rows: p.m, Cols: p.d, Data: make([]float32, p.m*p.d)}
	res, err := Compute(&g, Matrix{Rows: p.m, Cols: p.d, Data: p.w32}, p.labels, o)
	if err != nil {
		t.Fatalf("Compute(%+v): %v", o, err)
	}
	return res, g.Data
}

// maxAbs returns the largest |x|.
func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// compareGrad fails t when got and want differ by more than tol·max|want|
// (plus a small absolute floor) anywhere.
func compareGrad(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	scale := maxAbs(want) + 1e-6
	worst, at := 0.0, 0
	for k := range want {
		if e := math.Abs(float64(got[k]) - want[k]); e > worst {
			worst, at = e, k
		}
	}
	if worst > tol*scale {
		t.Errorf("%s: gradient element %d = %g, want %g (max error %.3g, tolerance %.3g)", name, at, got[at], want[at], worst, tol*scale)
	}
}

// checkFinite fails t when the result or gradient has a NaN or Inf.
func checkFinite(t *testing.T, name string, res Result, g []float32) {
	t.Helper()
	if math.IsNaN(res.Value) || math.IsInf(res.Value, 0) {
		t.Errorf("%s: value %g", name, res.Value)
	}
	for k, v := range g {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%s: gradient element %d is %g", name, k, v)
		}
	}
}
