package gemm

import "math"

// The Go kernel's tile.
const (
	goMR = 6
	goNR = 16
)

// goKernels is the portable path: Go packing and kernelGo.
var goKernels = &kernelSet{name: "go", mr: goMR, nr: goNR}

// fma32 returns x·y + z rounded once to float32, as the FMA instructions
// (VFMADD231PS) do. The product of two float32 values is exact in float64;
// the float64 sum is rounded to odd (the nearest neighbour whose last bit
// is 1 when the sum is inexact), and a round-to-odd result with at least
// two more bits than the target rounds to float32 exactly as the real sum
// would (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums:
// proved algorithms using rounding to odd", IEEE TC 57(4), 2008). Rounding
// float64(x)·float64(y)+float64(z) to nearest and then to float32 would
// round twice and can differ in the last bit. NaN payloads may differ from
// the hardware's.
//
// Rounding is monotonic, so the float64 sum lies on the same side of every
// float32 midpoint as the exact sum, or on it: when it is not a midpoint of
// normal float32 numbers (low 29 bits of the significand other than
// 1000…0), rounding it to float32 directly is already exact, and only the
// rare rest takes the round-to-odd path.
func fma32(x, y, z float32) float32 {
	p := float64(float64(x) * float64(y)) // exact: 48 significant bits
	q := float64(z)
	s := p + q
	if fastRound(s) {
		return float32(s)
	}
	return fma32Odd(p, q, s)
}

// fastRound reports whether float32(s) is the exact sum's float32 rounding
// for a float64 sum s rounded to nearest: s is not a midpoint of normal
// float32 numbers and |s| ≥ 2⁻¹²⁶ (or s is infinite or NaN), that is its
// exponent field is at least 1023-126.
func fastRound(s float64) bool {
	b := math.Float64bits(s)
	return b&(1<<29-1) != 1<<28 && (b>>52)&0x7ff >= 897
}

// fma32Odd rounds p + q, whose float64 sum rounded to nearest is s, to
// float32 through rounding to odd (see fma32).
func fma32Odd(p, q, s float64) float32 {
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

// kernelGo sets the goMR×goNR tile c (row stride ldc) to alpha·AB + beta·c,
// where AB = sum over l < kc of the outer products of column l of the
// packed A panel a (kc×goMR) and row l of the packed B panel b (kc×goNR).
// With beta == 0, c is not read. Each element's products are summed in
// order with one exactly rounded fused multiply-add each (fma32, written
// out so that its common case is inlined), so the
// result has the same bits as the assembly kernels'. kernelGo is the
// portable micro-kernel. It works on 2×4 sub-tiles so that the
// accumulators can stay in registers.
func kernelGo(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	a = a[:kc*goMR]
	b = b[:kc*goNR]
	for i := 0; i < goMR; i += 2 {
		for j := 0; j < goNR; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			for l := 0; l < kc; l++ {
				av := a[l*goMR+i : l*goMR+i+2 : l*goMR+i+2]
				bv := b[l*goNR+j : l*goNR+j+4 : l*goNR+j+4]
				a0, a1 := av[0], av[1]
				b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
				if s := float64(float64(a0)*float64(b0)) + float64(c00); fastRound(s) {
					c00 = float32(s)
				} else {
					c00 = fma32Odd(float64(a0)*float64(b0), float64(c00), s)
				}
				if s := float64(float64(a0)*float64(b1)) + float64(c01); fastRound(s) {
					c01 = float32(s)
				} else {
					c01 = fma32Odd(float64(a0)*float64(b1), float64(c01), s)
				}
				if s := float64(float64(a0)*float64(b2)) + float64(c02); fastRound(s) {
					c02 = float32(s)
				} else {
					c02 = fma32Odd(float64(a0)*float64(b2), float64(c02), s)
				}
				if s := float64(float64(a0)*float64(b3)) + float64(c03); fastRound(s) {
					c03 = float32(s)
				} else {
					c03 = fma32Odd(float64(a0)*float64(b3), float64(c03), s)
				}
				if s := float64(float64(a1)*float64(b0)) + float64(c10); fastRound(s) {
					c10 = float32(s)
				} else {
					c10 = fma32Odd(float64(a1)*float64(b0), float64(c10), s)
				}
				if s := float64(float64(a1)*float64(b1)) + float64(c11); fastRound(s) {
					c11 = float32(s)
				} else {
					c11 = fma32Odd(float64(a1)*float64(b1), float64(c11), s)
				}
				if s := float64(float64(a1)*float64(b2)) + float64(c12); fastRound(s) {
					c12 = float32(s)
				} else {
					c12 = fma32Odd(float64(a1)*float64(b2), float64(c12), s)
				}
				if s := float64(float64(a1)*float64(b3)) + float64(c13); fastRound(s) {
					c13 = float32(s)
				} else {
					c13 = fma32Odd(float64(a1)*float64(b3), float64(c13), s)
				}
			}
			r0 := c[i*ldc+j : i*ldc+j+4 : i*ldc+j+4]
			r1 := c[(i+1)*ldc+j : (i+1)*ldc+j+4 : (i+1)*ldc+j+4]
			store4(r0, c00, c01, c02, c03, alpha, beta)
			store4(r1, c10, c11, c12, c13, alpha, beta)
		}
	}
}

// store4 sets r[j] = alpha·v_j + beta·r[j], each product rounded separately
// (as the assembly kernels do), ignoring r when beta == 0.
func store4(r []float32, v0, v1, v2, v3, alpha, beta float32) {
	r = r[:4]
	if beta == 0 {
		r[0], r[1], r[2], r[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	r[0] = float32(alpha*v0) + float32(beta*r[0])
	r[1] = float32(alpha*v1) + float32(beta*r[1])
	r[2] = float32(alpha*v2) + float32(beta*r[2])
	r[3] = float32(alpha*v3) + float32(beta*r[3])
}
