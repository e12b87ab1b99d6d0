package gemm

import "github.com/supcon/supcon/internal/fma32"

// The Go kernel's tile.
const (
	goMR = 6
	goNR = 16
)

// goKernels is the portable path: Go packing and kernelGo.
var goKernels = &kernelSet{name: "go", mr: goMR, nr: goNR}

// kernelGo sets the goMR×goNR tile c (row stride ldc) to alpha·AB + beta·c,
// where AB = sum over l < kc of the outer products of column l of the
// packed A panel a (kc×goMR) and row l of the packed B panel b (kc×goNR).
// With beta == 0, c is not read. Each element's products are summed in
// order with one exactly rounded fused multiply-add each (fma32.FMA, written
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
				if s := float64(float64(a0)*float64(b0)) + float64(c00); fma32.FastRound(s) {
					c00 = float32(s)
				} else {
					c00 = fma32.RoundOdd(float64(a0)*float64(b0), float64(c00), s)
				}
				if s := float64(float64(a0)*float64(b1)) + float64(c01); fma32.FastRound(s) {
					c01 = float32(s)
				} else {
					c01 = fma32.RoundOdd(float64(a0)*float64(b1), float64(c01), s)
				}
				if s := float64(float64(a0)*float64(b2)) + float64(c02); fma32.FastRound(s) {
					c02 = float32(s)
				} else {
					c02 = fma32.RoundOdd(float64(a0)*float64(b2), float64(c02), s)
				}
				if s := float64(float64(a0)*float64(b3)) + float64(c03); fma32.FastRound(s) {
					c03 = float32(s)
				} else {
					c03 = fma32.RoundOdd(float64(a0)*float64(b3), float64(c03), s)
				}
				if s := float64(float64(a1)*float64(b0)) + float64(c10); fma32.FastRound(s) {
					c10 = float32(s)
				} else {
					c10 = fma32.RoundOdd(float64(a1)*float64(b0), float64(c10), s)
				}
				if s := float64(float64(a1)*float64(b1)) + float64(c11); fma32.FastRound(s) {
					c11 = float32(s)
				} else {
					c11 = fma32.RoundOdd(float64(a1)*float64(b1), float64(c11), s)
				}
				if s := float64(float64(a1)*float64(b2)) + float64(c12); fma32.FastRound(s) {
					c12 = float32(s)
				} else {
					c12 = fma32.RoundOdd(float64(a1)*float64(b2), float64(c12), s)
				}
				if s := float64(float64(a1)*float64(b3)) + float64(c13); fma32.FastRound(s) {
					c13 = float32(s)
				} else {
					c13 = fma32.RoundOdd(float64(a1)*float64(b3), float64(c13), s)
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
