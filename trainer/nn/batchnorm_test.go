package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

type bnLayout struct {
	name     string
	forward  func(b *BatchNorm, y, x, gamma, beta []float32, m int)
	backward func(b *BatchNorm, dx, dgamma, dbeta, x, dy []float32, m int)
	infer    func(b *BatchNorm, y, x, gamma, beta []float32, m int)
	idx      func(C, m int) func(c, j int) int
}

var bnLayouts = []bnLayout{
	{"2D", (*BatchNorm).Forward, (*BatchNorm).Backward, (*BatchNorm).Infer,
		func(C, m int) func(c, j int) int { return cnhwIdx(m) }},
	{"1D", (*BatchNorm).Forward1D, (*BatchNorm).Backward1D, (*BatchNorm).Infer1D,
		func(C, m int) func(c, j int) int { return ncIdx(C) }},
}

var bnCases = []struct {
	c, m       int
	mean, std  float64 // input distribution
	relu       bool
	gammaScale float64
}{
	{1, 2, 0, 1, false, 1},
	{3, 7, 0.5, 2, false, 1},
	{3, 7, 0.5, 2, true, 1},
	{4, 33, -1, 0.5, true, 1},
	{2, 50, 1000, 0.01, false, 1}, // large mean: cancellation
	{2, 50, 3, 1, true, -1},       // negative gamma
	// Lengths around the assembly loops' blocks of 16.
	{3, 16, 0.5, 2, true, 1},
	{2, 63, 1000, 0.01, false, 1},
	{2, 100, -1, 0.5, true, 1},
	{2, 100, 0, 1, false, -1},
}

// bnPaths lists the loop choices (assembly or Go) that can run here.
func bnPaths() []bool {
	if haveBNAsm {
		return []bool{true, false}
	}
	return []bool{false}
}

func bnPathName(asm bool) string {
	if asm {
		return "asm"
	}
	return "go"
}

// withBNAsm runs f with useBNAsm set to asm.
func withBNAsm(asm bool, f func()) {
	old := useBNAsm
	useBNAsm = asm
	defer func() { useBNAsm = old }()
	f()
}

func TestBatchNorm(t *testing.T) {
	for _, asm := range bnPaths() {
		t.Run(bnPathName(asm), func(t *testing.T) { withBNAsm(asm, func() { testBatchNorm(t) }) })
	}
}

func testBatchNorm(t *testing.T) {
	for _, lay := range bnLayouts {
		for _, tc := range bnCases {
			t.Run(fmt.Sprintf("%s/C%d_m%d_mean%g_relu%v_g%g", lay.name, tc.c, tc.m, tc.mean, tc.relu, tc.gammaScale), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, uint64(tc.m)))
				x, x64 := randVec(rng, tc.c*tc.m, tc.std)
				for i := range x {
					x[i] += float32(tc.mean)
					x64[i] = float64(x[i])
				}
				gamma, g64 := randVec(rng, tc.c, 0.5)
				for i := range gamma {
					gamma[i] += float32(tc.gammaScale)
					g64[i] = float64(gamma[i])
				}
				beta, b64 := randVec(rng, tc.c, 0.5)
				dy, dy64 := randVec(rng, tc.c*tc.m, 1)
				idx := lay.idx(tc.c, tc.m)

				b := NewBatchNorm(tc.c, tc.relu)
				y := make([]float32, len(x))
				lay.forward(b, y, x, gamma, beta, tc.m)
				want, mean, varB := refBN(x64, g64, b64, tc.c, tc.m, idx, tc.relu)
				assertClose(t, "y", y, want, 2e-5)

				dx := make([]float32, len(x))
				dgamma, dbeta := make([]float32, tc.c), make([]float32, tc.c)
				lay.backward(b, dx, dgamma, dbeta, x, dy, tc.m)
				wdx, wdg, wdb := refBNGrad(x64, g64, b64, dy64, tc.c, tc.m, idx, tc.relu)
				// dx is a difference of O(1) terms scaled by 1/std.
				tol := 2e-5 / math.Min(1, tc.std)
				assertClose(t, "dx vs analytic", dx, wdx, tol)
				assertClose(t, "dgamma vs analytic", dgamma, wdg, 2e-5)
				assertClose(t, "dbeta vs analytic", dbeta, wdb, 2e-5)
				if tc.m > 2 { // m = 2 puts every value at ±1 std: no kink margin
					f := func() []float64 { y, _, _ := refBN(x64, g64, b64, tc.c, tc.m, idx, tc.relu); return y }
					assertClose(t, "dx vs finite differences", dx, numGrad(x64, dy64, f), 1e-3*tol/2e-5)
					assertClose(t, "dgamma vs finite differences", dgamma, numGrad(g64, dy64, f), 1e-4)
					assertClose(t, "dbeta vs finite differences", dbeta, numGrad(b64, dy64, f), 1e-4)
				}

				// Running statistics after one step from (0, 1).
				for c := 0; c < tc.c; c++ {
					wm := 0.1 * mean[c]
					wv := 0.9 + 0.1*varB[c]*float64(tc.m)/float64(tc.m-1)
					if d := math.Abs(float64(b.RunningMean[c]) - wm); d > 1e-6*(1+math.Abs(wm)) {
						t.Errorf("RunningMean[%d] = %v, want %v", c, b.RunningMean[c], wm)
					}
					if d := math.Abs(float64(b.RunningVar[c]) - wv); d > 1e-6*(1+wv) {
						t.Errorf("RunningVar[%d] = %v, want %v", c, b.RunningVar[c], wv)
					}
				}

				// Inference with the running statistics.
				lay.infer(b, y, x, gamma, beta, tc.m)
				wantInf := make([]float64, len(x))
				for c := 0; c < tc.c; c++ {
					for j := 0; j < tc.m; j++ {
						i := idx(c, j)
						v := g64[c]*(x64[i]-float64(b.RunningMean[c]))/math.Sqrt(float64(b.RunningVar[c])+1e-5) + b64[c]
						if tc.relu {
							v = max(0, v)
						}
						wantInf[i] = v
					}
				}
				assertClose(t, "infer y", y, wantInf, 2e-5)
			})
		}
	}
}

// TestBatchNormRunningStats follows torch.nn.BatchNorm2d by hand over two
// training steps on one channel.
func TestBatchNormRunningStats(t *testing.T) {
	for _, lay := range bnLayouts {
		t.Run(lay.name, func(t *testing.T) {
			b := NewBatchNorm(1, false)
			y := make([]float32, 4)
			one, zero := []float32{1}, []float32{0}
			// Step 1: x = 1,2,3,4: mean 2.5, unbiased var 5/3.
			lay.forward(b, y, []float32{1, 2, 3, 4}, one, zero, 4)
			// running_mean = 0.9·0 + 0.1·2.5 = 0.25
			// running_var  = 0.9·1 + 0.1·5/3 = 1.0666667
			if b.RunningMean[0] != float32(0.25) || b.RunningVar[0] != float32(0.9+0.1*5.0/3) {
				t.Fatalf("after step 1: running mean %v var %v, want 0.25 1.0666667", b.RunningMean[0], b.RunningVar[0])
			}
			// y = (x−2.5)/√(1.25+1e-5)
			for i, v := range []float64{1, 2, 3, 4} {
				want := (v - 2.5) / math.Sqrt(1.25+1e-5)
				if math.Abs(float64(y[i])-want) > 1e-6 {
					t.Errorf("y[%d] = %v, want %v", i, y[i], want)
				}
			}
			// Step 2: x = 10, 10, 10, 14: mean 11, unbiased var 4.
			lay.forward(b, y, []float32{10, 10, 10, 14}, one, zero, 4)
			wm := float32(0.1*11 + 0.9*float64(float32(0.25)))
			wv := float32(0.1*4 + 0.9*float64(float32(0.9+0.1*5.0/3)))
			if b.RunningMean[0] != wm || b.RunningVar[0] != wv {
				t.Fatalf("after step 2: running mean %v var %v, want %v %v", b.RunningMean[0], b.RunningVar[0], wm, wv)
			}
			// Eval mode: (x − 1.325)/√(1.36+1e-5)·2 + 1.
			lay.infer(b, y, []float32{0, 1, 2, 3}, []float32{2}, []float32{1}, 4)
			for i := range y {
				want := (float64(i)-float64(wm))/math.Sqrt(float64(wv)+1e-5)*2 + 1
				if math.Abs(float64(y[i])-want) > 1e-5 {
					t.Errorf("infer y[%d] = %v, want %v", i, y[i], want)
				}
			}
		})
	}
}

func TestBatchNormPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"m = 1": func() {
			NewBatchNorm(1, false).Forward(make([]float32, 1), make([]float32, 1), []float32{1}, []float32{0}, 1)
		},
		"backward first": func() {
			NewBatchNorm(1, false).Backward(make([]float32, 2), make([]float32, 1), make([]float32, 1), make([]float32, 2), make([]float32, 2), 2)
		},
		"short gamma": func() {
			NewBatchNorm(2, false).Forward(make([]float32, 4), make([]float32, 4), []float32{1}, []float32{0, 0}, 2)
		},
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
