package nn

import (
	"math"

	"github.com/supcon/supcon/internal/fma32"
)

// Go versions of the loops of bn_amd64.s, with the same bits: they run
// where the assembly cannot (other CPUs, -tags purego) on the same first
// multiple of 16 values. Each keeps the assembly's 16 float64 lane sums
// (value i goes to lane i mod 16), fuses where it fuses (math.FMA for
// float64, fma32.FMA for float32) and combines the lanes in its order
// (hsum16). bnAffine16 needs no twin: applyAffineGo rounds as it does.

// hsum16 combines 16 lane sums as the assembly does: the four 4-lane
// accumulators as ((a0+a1)+(a2+a3)), then the lanes as ((l0+l2)+(l1+l3)).
func hsum16(a *[16]float64) float64 {
	var v [4]float64
	for l := range v {
		v[l] = (a[l] + a[4+l]) + (a[8+l] + a[12+l])
	}
	return (v[0] + v[2]) + (v[1] + v[3])
}

// bnSums16Go is bnSums16 on xs, len(xs) a multiple of 16.
func bnSums16Go(xs []float32, x0 float32) (s, q float64) {
	var sa, qa [16]float64
	c := float64(x0)
	for i := 0; i+16 <= len(xs); i += 16 {
		x := (*[16]float32)(xs[i:])
		for l, v := range x {
			d := float64(v) - c
			sa[l] += d
			qa[l] = math.FMA(d, d, qa[l])
		}
	}
	return hsum16(&sa), hsum16(&qa)
}

// bnGradSums16Go is bnGradSums16 on xs and dys, len(xs) a multiple of 16.
func bnGradSums16Go(xs, dys []float32, mean float64, center, scale, shift float32, relu bool) (s, t float64) {
	var sa, ta [16]float64
	dys = dys[:len(xs)]
	for i := 0; i+16 <= len(xs); i += 16 {
		x, y := (*[16]float32)(xs[i:]), (*[16]float32)(dys[i:])
		for l, v := range x {
			dz := y[l]
			if relu {
				dz = keepIfGT0(dz, affine(v, center, scale, shift))
			}
			d := float64(dz)
			sa[l] += d
			ta[l] = math.FMA(d, float64(v)-mean, ta[l])
		}
	}
	return hsum16(&sa), hsum16(&ta)
}

// bnDx16Go is bnDx16 on len(xs) values (any length): dx = fma(k1, dz,
// fma(k2, x−center, k3)), each FMA's common case inlined (fma32.Fast). dxs
// may alias dys.
func bnDx16Go(dxs, xs, dys []float32, k1, k2, k3, center, scale, shift float32, relu bool) {
	dxs, dys = dxs[:len(xs)], dys[:len(xs)]
	for i, v := range xs {
		u := v - center
		r, ok := fma32.Fast(k2, u, k3)
		if !ok {
			r = fma32.FMA(k2, u, k3)
		}
		dz := dys[i]
		if relu {
			dz = keepIfGT0(dz, float32(u*scale)+shift)
		}
		d, ok := fma32.Fast(k1, dz, r)
		if !ok {
			d = fma32.FMA(k1, dz, r)
		}
		dxs[i] = d
	}
}

// keepIfGT0 returns d where v > 0 and +0 elsewhere (NaN included), as the
// assembly's compare-and-mask does; without a branch, which random signs
// would mispredict.
func keepIfGT0(d, v float32) float32 {
	var keep uint32
	if v > 0 {
		keep = 1<<32 - 1
	}
	return math.Float32frombits(math.Float32bits(d) & keep)
}
