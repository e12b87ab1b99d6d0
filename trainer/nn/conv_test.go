package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

var convCases = []convCase{
	{"3x3s1p1", 2, 3, 3, 3, 1, 1, 3, 5, 6},
	{"3x3s2p1", 3, 4, 3, 3, 2, 1, 2, 7, 6},
	{"3x3s2p1even", 2, 3, 3, 3, 2, 1, 3, 8, 8},
	{"1x1s2p0", 4, 5, 1, 1, 2, 0, 3, 6, 5},
	{"1x1s1p0", 3, 2, 1, 1, 1, 0, 2, 4, 4},
	{"3x2s1p0", 2, 2, 3, 2, 1, 0, 2, 5, 4},
	{"5x5s3p2", 2, 3, 5, 5, 3, 2, 2, 7, 9},
	{"3x3s1p1 1x1 image", 2, 2, 3, 3, 1, 1, 3, 1, 1},
	{"2x2s2p0", 1, 2, 2, 2, 2, 0, 2, 5, 5},
}

// budgets: default (one chunk here), one image per chunk, and a budget that
// makes chunks of several images with a short last chunk.
func budgets(tc convCase) []int {
	ho, wo := tc.layer().OutSize(tc.h, tc.w)
	per := tc.ci * tc.kh * tc.kw * ho * wo
	return []int{colBudget, 1, 2 * per}
}

func TestConvForward(t *testing.T) {
	for _, tc := range convCases {
		for _, bud := range budgets(tc) {
			t.Run(fmt.Sprintf("%s/budget%d", tc.name, bud), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				l := tc.layer()
				x, x64 := randVec(rng, tc.ci*tc.n*tc.h*tc.w, 1)
				w, w64 := randVec(rng, l.WeightLen(), 1)
				want := refConv(tc, x64, w64)
				y := make([]float32, len(want))
				for i := range y {
					y[i] = float32(i) // must be overwritten
				}
				withColBudget(bud, func() { l.Forward(y, x, w, tc.n, tc.h, tc.w) })
				assertClose(t, "y", y, want, 1e-5)
			})
		}
	}
}

func TestConvBackward(t *testing.T) {
	for _, tc := range convCases {
		for _, bud := range budgets(tc) {
			t.Run(fmt.Sprintf("%s/budget%d", tc.name, bud), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, 4))
				l := tc.layer()
				x, x64 := randVec(rng, tc.ci*tc.n*tc.h*tc.w, 1)
				w, w64 := randVec(rng, l.WeightLen(), 1)
				ho, wo := l.OutSize(tc.h, tc.w)
				dy, dy64 := randVec(rng, tc.co*tc.n*ho*wo, 1)
				dx := make([]float32, len(x))
				dw := make([]float32, len(w))
				for i := range dx {
					dx[i] = 7 // must be overwritten
				}
				for i := range dw {
					dw[i] = 7
				}
				withColBudget(bud, func() { l.Backward(dx, dw, x, w, dy, tc.n, tc.h, tc.w) })
				wantDx, wantDw := refConvGrad(tc, x64, w64, dy64)
				assertClose(t, "dx vs analytic", dx, wantDx, 1e-5)
				assertClose(t, "dw vs analytic", dw, wantDw, 1e-5)
				// Finite differences of Σ y·dy on the float64 reference.
				fdx := numGrad(x64, dy64, func() []float64 { return refConv(tc, x64, w64) })
				fdw := numGrad(w64, dy64, func() []float64 { return refConv(tc, x64, w64) })
				assertClose(t, "dx vs finite differences", dx, fdx, 1e-5)
				assertClose(t, "dw vs finite differences", dw, fdw, 1e-5)

				// Skipping either gradient gives the same other one.
				dw2 := make([]float32, len(w))
				dx2 := make([]float32, len(x))
				withColBudget(bud, func() {
					l.Backward(nil, dw2, x, w, dy, tc.n, tc.h, tc.w)
					l.Backward(dx2, nil, x, w, dy, tc.n, tc.h, tc.w)
				})
				assertBits(t, "dw without dx", dw2, dw)
				assertBits(t, "dx without dw", dx2, dx)
			})
		}
	}
}

func assertBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestConvPanics(t *testing.T) {
	l := &Conv2D{Ci: 1, Co: 1, KH: 3, KW: 3, Stride: 1, Pad: 1}
	for name, f := range map[string]func(){
		"short x":   func() { l.Forward(make([]float32, 4), make([]float32, 3), make([]float32, 9), 1, 2, 2) },
		"short y":   func() { l.Forward(make([]float32, 3), make([]float32, 4), make([]float32, 9), 1, 2, 2) },
		"short w":   func() { l.Forward(make([]float32, 4), make([]float32, 4), make([]float32, 8), 1, 2, 2) },
		"stride 0":  func() { (&Conv2D{Ci: 1, Co: 1, KH: 1, KW: 1}).Forward(nil, nil, nil, 1, 1, 1) },
		"too small": func() { (&Conv2D{Ci: 1, Co: 1, KH: 3, KW: 3, Stride: 1}).Forward(nil, nil, nil, 1, 2, 2) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}
