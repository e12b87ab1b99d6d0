package nn

import (
	"math/rand/v2"
	"testing"
)

func TestGlobalAvgPool(t *testing.T) {
	for _, tc := range []struct{ c, n, hw int }{{1, 1, 1}, {3, 2, 5}, {4, 3, 49}} {
		rng := rand.New(rand.NewPCG(7, 8))
		x, x64 := randVec(rng, tc.c*tc.n*tc.hw, 1)
		ref := func() []float64 {
			y := make([]float64, tc.n*tc.c)
			for c := 0; c < tc.c; c++ {
				for i := 0; i < tc.n; i++ {
					for j := 0; j < tc.hw; j++ {
						y[i*tc.c+c] += x64[(c*tc.n+i)*tc.hw+j] / float64(tc.hw)
					}
				}
			}
			return y
		}
		y := make([]float32, tc.n*tc.c)
		GlobalAvgPool(y, x, tc.c, tc.n, tc.hw)
		assertClose(t, "y", y, ref(), 1e-6)
		dy, dy64 := randVec(rng, len(y), 1)
		dx := make([]float32, len(x))
		GlobalAvgPoolBackward(dx, dy, tc.c, tc.n, tc.hw)
		assertClose(t, "dx", dx, numGrad(x64, dy64, ref), 1e-6)
	}
}

func TestElementwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 3*elemChunk + 17
	a, a64 := randVec(rng, n, 1)
	b, b64 := randVec(rng, n, 1)
	dy, dy64 := randVec(rng, n, 1)
	for _, relu := range []bool{false, true} {
		ref := func() []float64 {
			y := make([]float64, n)
			for i := range y {
				y[i] = a64[i] + b64[i]
				if relu {
					y[i] = max(0, y[i])
				}
			}
			return y
		}
		y := make([]float32, n)
		Add(y, a, b, relu)
		assertClose(t, "Add", y, ref(), 1e-6)
		dx := make([]float32, n)
		if relu {
			ReLUBackward(dx, y, dy)
		} else {
			copy(dx, dy)
		}
		// Check a few coordinates by finite differences; both inputs share dx.
		for _, i := range []int{0, 1, n / 2, n - 1} {
			g := (a64[i] + b64[i])
			want := dy64[i]
			if relu && g <= 0 {
				want = 0
			}
			if float64(dx[i]) != want {
				t.Errorf("relu=%v: dx[%d] = %v, want %v", relu, i, dx[i], want)
			}
		}
	}
	y := make([]float32, n)
	ReLU(y, a)
	for i, v := range a {
		if y[i] != max(0, v) {
			t.Fatalf("ReLU[%d] = %v for %v", i, y[i], v)
		}
	}
	// In place.
	c := append([]float32(nil), a...)
	Add(c, c, b, true)
	for i := range c {
		if c[i] != max(0, a[i]+b[i]) {
			t.Fatalf("in-place Add[%d] = %v", i, c[i])
		}
	}
}
