// Package fma32 computes the float32 fused multiply-add x·y + z, rounded
// once, in portable Go, with the bits of the FMA instructions
// (VFMADD231PS and kin). The Go paths of trainer/gemm, trainer/nn and loss
// use it so that they give the same bits as their assembly (see
// docs/performance.md).
package fma32

import "math"

// FMA returns x·y + z rounded once to float32, as the FMA instructions do.
// The product of two float32 values is exact in float64; the float64 sum is
// rounded to odd (the nearest neighbour whose last bit is 1 when the sum is
// inexact), and a round-to-odd result with at least two more bits than the
// target rounds to float32 exactly as the real sum would (Boldo and
// Melquiond, "Emulation of FMA and correctly rounded sums: proved
// algorithms using rounding to odd", IEEE TC 57(4), 2008). Rounding
// float64(x)·float64(y)+float64(z) to nearest and then to float32 would
// round twice and can differ in the last bit. NaN payloads may differ from
// the hardware's.
//
// Rounding is monotonic, so the float64 sum lies on the same side of every
// float32 midpoint as the exact sum, or on it: when it is not a midpoint of
// normal float32 numbers (low 29 bits of the significand other than
// 1000…0), rounding it to float32 directly is already exact, and only the
// rare rest takes the round-to-odd path. Hot loops may write that split out
// themselves with FastRound and RoundOdd.
func FMA(x, y, z float32) float32 {
	p := float64(float64(x) * float64(y)) // exact: 48 significant bits
	q := float64(z)
	s := p + q
	if FastRound(s) {
		return float32(s)
	}
	return RoundOdd(p, q, s)
}

// FastRound reports whether float32(s) is the exact sum's float32 rounding
// for a float64 sum s of an exact float32 product and a float32, rounded
// to nearest: s is not a midpoint of normal float32 numbers and
// |s| ≥ 2⁻¹²⁶ (or s is infinite or NaN), that is its exponent field is at
// least 1023-126.
func FastRound(s float64) bool {
	b := math.Float64bits(s)
	return b&(1<<29-1) != 1<<28 && (b>>52)&0x7ff >= 897
}

// RoundOdd rounds p + q, whose float64 sum rounded to nearest is s, to
// float32 through rounding to odd (see FMA). p is an exact float32
// product, q a float32.
func RoundOdd(p, q, s float64) float32 {
	if math.IsInf(s, 0) || s != s {
		return float32(s)
	}
	// TwoSum: s + e == p + q exactly.
	bv := s - p
	e := (p - (s - bv)) + (q - bv)
	if bits := math.Float64bits(s); e != 0 && bits&1 == 0 {
		// s is even and inexact: step to its odd neighbour on e's side.
		if (e > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
}

// Fast is FMA's common case, small enough to be inlined into hot loops:
// when ok, r is FMA(x, y, z); otherwise call FMA. Use it as
//
//	r, ok := fma32.Fast(x, y, z)
//	if !ok {
//		r = fma32.FMA(x, y, z)
//	}
func Fast(x, y, z float32) (r float32, ok bool) {
	s := float64(float64(x)*float64(y)) + float64(z)
	return float32(s), FastRound(s)
}
