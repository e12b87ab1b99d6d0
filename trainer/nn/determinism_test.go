package nn

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// runAll runs every kernel once on fixed inputs and returns all their outputs.
func runAll() [][]float32 {
	rng := rand.New(rand.NewPCG(11, 12))
	var out [][]float32
	// Default budget: 16 images of 12×12 at K = 72 → 7 images per chunk,
	// 3 chunks; and a small budget → 16 chunks, 8 weight-gradient groups.
	for _, bud := range []int{colBudget, 800} {
		withColBudget(bud, func() {
			for _, tc := range []convCase{
				{"3x3s1", 8, 16, 3, 3, 1, 1, 16, 12, 12},
				{"3x3s2", 8, 16, 3, 3, 2, 1, 16, 12, 12},
				{"1x1s2", 8, 16, 1, 1, 2, 0, 16, 12, 12},
				{"1x1s1", 8, 16, 1, 1, 1, 0, 16, 12, 12},
			} {
				l := tc.layer()
				x, _ := randVec(rng, tc.ci*tc.n*tc.h*tc.w, 1)
				w, _ := randVec(rng, l.WeightLen(), 1)
				ho, wo := l.OutSize(tc.h, tc.w)
				y := make([]float32, tc.co*tc.n*ho*wo)
				l.Forward(y, x, w, tc.n, tc.h, tc.w)
				dy, _ := randVec(rng, len(y), 1)
				dx, dw := make([]float32, len(x)), make([]float32, len(w))
				l.Backward(dx, dw, x, w, dy, tc.n, tc.h, tc.w)
				out = append(out, y, dx, dw)
			}
		})
	}
	const c, m = 12, 3000
	x, _ := randVec(rng, c*m, 2)
	gamma, _ := randVec(rng, c, 1)
	beta, _ := randVec(rng, c, 1)
	dy, _ := randVec(rng, c*m, 1)
	for _, relu := range []bool{false, true} {
		b := NewBatchNorm(c, relu)
		y, dx := make([]float32, c*m), make([]float32, c*m)
		dg, db := make([]float32, c), make([]float32, c)
		b.Forward(y, x, gamma, beta, m)
		b.Backward(dx, dg, db, x, dy, m)
		yi := make([]float32, c*m)
		b.Infer(yi, x, gamma, beta, m)
		out = append(out, y, dx, dg, db, yi, b.RunningMean, b.RunningVar)
		b1 := NewBatchNorm(m, relu) // the same data as 1-D: 12 rows × 3000 features
		y1, dx1 := make([]float32, c*m), make([]float32, c*m)
		dg1, db1 := make([]float32, m), make([]float32, m)
		b1.Forward1D(y1, x, dy[:m], dy[m:2*m], c)
		b1.Backward1D(dx1, dg1, db1, x, dy, c)
		out = append(out, y1, dx1, dg1, db1)
	}
	p := make([]float32, m*c/100)
	GlobalAvgPool(p, x, c, m/100, 100)
	pd := make([]float32, c*m)
	GlobalAvgPoolBackward(pd, p, c, m/100, 100)
	out = append(out, p, pd)
	return out
}

func TestDeterminism(t *testing.T) {
	for _, asm := range bnPaths() {
		t.Run("bn-"+bnPathName(asm), func(t *testing.T) { withBNAsm(asm, func() { testDeterminism(t) }) })
	}
}

func testDeterminism(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	want := runAll()
	for _, procs := range []int{2, 5} {
		runtime.GOMAXPROCS(procs)
		got := runAll()
		for i := range want {
			for j := range want[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("GOMAXPROCS %d: output %d element %d = %v, with 1 proc %v", procs, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

func TestConvAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	tc := convCase{"3x3s2", 8, 16, 3, 3, 2, 1, 16, 12, 12}
	l := tc.layer()
	x := make([]float32, tc.ci*tc.n*tc.h*tc.w)
	w := make([]float32, l.WeightLen())
	ho, wo := l.OutSize(tc.h, tc.w)
	y := make([]float32, tc.co*tc.n*ho*wo)
	dx, dw := make([]float32, len(x)), make([]float32, len(w))
	f := func() {
		l.Forward(y, x, w, tc.n, tc.h, tc.w)
		l.Backward(dx, dw, x, w, y, tc.n, tc.h, tc.w)
	}
	f()
	withColBudget(800, f)
	var a float64
	withColBudget(800, func() { a = testing.AllocsPerRun(5, f) })
	// Only goroutine launches may allocate (a closure each), not buffers.
	if a > float64(4*runtime.GOMAXPROCS(0)+4) {
		t.Errorf("%v allocations per forward+backward", a)
	}
	t.Logf("%v allocations per forward+backward with GOMAXPROCS %d", a, runtime.GOMAXPROCS(0))
}
