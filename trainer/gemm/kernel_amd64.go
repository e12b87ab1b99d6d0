//go:build amd64 && !purego

package gemm

//go:generate python3 gen_kernel_amd64.py

import "golang.org/x/sys/cpu"

// haveAsm reports whether the AVX2/FMA code of kernel_amd64.s may run: the
// CPU has AVX, AVX2 and FMA and the OS saves the YMM registers.
// (golang.org/x/sys/cpu's HasAVX includes the OS check.)
var haveAsm = cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAsm selects the assembly kernel and packing; tests turn it off to run
// the Go fallback on this machine.
var useAsm = haveAsm

//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)

//go:noescape
func packBN16(dst, b *float32, ldb, kc int)

//go:noescape
func packBT8(dst, b *float32, ldb, n8 int)

//go:noescape
func packAN6(dst, a *float32, lda, n8 int)

// kernelAsm sets the rows×cols corner of the tile c (row stride ldc) to
// alpha·AB + beta·c on the AVX2/FMA kernel (see kernelGo); kc > 0.
func kernelAsm(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	_ = a[kc*mr-1]
	_ = b[kc*nr-1]
	_ = c[(rows-1)*ldc+cols-1]
	kernel6x16(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, rows, cols)
}

// packBNAsm packs a full panel of op(B) = B (see packB) if it can.
func packBNAsm(dst, b []float32, ldb, l0, kc, j0 int) bool {
	if !useAsm {
		return false
	}
	_ = dst[kc*nr-1]
	_ = b[(l0+kc-1)*ldb+j0+nr-1]
	packBN16(&dst[0], &b[l0*ldb+j0], ldb, kc)
	return true
}

// packBTAsm packs 8 columns, j0..j0+7, of the first kc&^7 rows of a panel
// of op(B) = Bᵀ (see packB) and returns how many rows it packed.
func packBTAsm(dst, b []float32, ldb, l0, kc, j0 int) int {
	n8 := kc &^ 7
	if !useAsm || n8 == 0 {
		return 0
	}
	_ = dst[(n8-1)*nr+7]
	_ = b[(j0+7)*ldb+l0+n8-1]
	packBT8(&dst[0], &b[j0*ldb+l0], ldb, n8)
	return n8
}

// packANAsm packs the first kc&^7 columns of a full panel of op(A) = A (see
// packA) and returns how many it packed.
func packANAsm(p, a []float32, lda, r0, l0, kc int) int {
	n8 := kc &^ 7
	if !useAsm || n8 == 0 {
		return 0
	}
	_ = p[n8*mr-1]
	_ = a[(r0+mr-1)*lda+l0+n8-1]
	packAN6(&p[0], &a[r0*lda+l0], lda, n8)
	return n8
}
