package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bnLoopResults runs the four per-channel loops on one input and returns
// their outputs as bits.
func bnLoopResults(xs, dys []float32, relu bool) []uint64 {
	const center, scale, shift = 0.25, 1.7, -0.3
	const k1, k2, k3 = 0.9, -0.35, 0.07
	var out []uint64
	if len(xs) > 0 {
		s, q := bnSums(xs, xs[0])
		out = append(out, math.Float64bits(s), math.Float64bits(q))
	}
	s, t := bnGradSums(xs, dys, 0.1, center, scale, shift, relu)
	out = append(out, math.Float64bits(s), math.Float64bits(t))
	y := make([]float32, len(xs))
	applyAffine(y, xs, center, scale, shift, relu)
	dx := append([]float32(nil), dys...) // dx aliases dy, as in training
	bnDx(dx, xs, dx, k1, k2, k3, center, scale, shift, relu)
	for i := range xs {
		out = append(out, uint64(math.Float32bits(y[i])), uint64(math.Float32bits(dx[i])))
	}
	return out
}

// TestBNGoMatchesAsm requires the Go loops to give the assembly's bits on
// random inputs of lengths around its blocks of 16, with and without ReLU
// (values near the ReLU edge and exact zeros included).
func TestBNGoMatchesAsm(t *testing.T) {
	if !haveBNAsm {
		t.Skip("no assembly batch-norm loops on this build or CPU")
	}
	r := rand.New(rand.NewPCG(3, 4))
	lengths := []int{1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 255, 256, 1000, 4099}
	for _, n := range lengths {
		for trial := range 3 {
			xs, dys := make([]float32, n), make([]float32, n)
			for i := range xs {
				xs[i] = float32(r.NormFloat64()*math.Pow(10, float64(trial)) + 3*float64(trial))
				dys[i] = float32(r.NormFloat64())
				switch r.IntN(8) {
				case 0:
					xs[i] = 0.25 + 0.3/1.7 // affine near 0
				case 1:
					dys[i] = 0
				}
			}
			for _, relu := range []bool{false, true} {
				var asm, gos []uint64
				withBNAsm(true, func() { asm = bnLoopResults(xs, dys, relu) })
				withBNAsm(false, func() { gos = bnLoopResults(xs, dys, relu) })
				for i := range asm {
					if asm[i] != gos[i] {
						t.Fatalf("n=%d trial %d relu=%v: result %d: asm %#x, go %#x", n, trial, relu, i, asm[i], gos[i])
					}
				}
			}
		}
	}
}
