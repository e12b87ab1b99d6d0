//go:build amd64 && !purego

package gemm

//go:generate python3 gen_kernel_amd64.py
//go:generate python3 gen_kernel512_amd64.py

import "golang.org/x/sys/cpu"

// available lists the paths this CPU can run, fastest first.
// golang.org/x/sys/cpu's HasAVX and HasAVX512 include the check that the
// OS saves the YMM and ZMM registers.
func available() []*kernelSet {
	var s []*kernelSet
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		s = append(s, avx512Kernels)
	}
	if cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		s = append(s, avx2Kernels)
	}
	return append(s, goKernels)
}

// avx2Kernels is the AVX2/FMA path of kernel_amd64.s: 6×16 tiles.
var avx2Kernels = &kernelSet{
	name: "avx2", mr: 6, nr: 16,
	kernel: kernelAVX2,
	packAN: packANAVX2,
	packBN: packBNAVX2,
	packBT: packBTAVX2,
}

//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)

//go:noescape
func packBN16(dst, b *float32, ldb, kc int)

//go:noescape
func packBT8(dst, b *float32, ldb, n8 int)

//go:noescape
func packAN6(dst, a *float32, lda, n8 int)

// kernelAVX2 sets the rows×cols corner of the tile c (row stride ldc) to
// alpha·AB + beta·c on the AVX2/FMA kernel (see kernelGo); kc > 0.
func kernelAVX2(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	_ = a[kc*6-1]
	_ = b[kc*16-1]
	_ = c[(rows-1)*ldc+cols-1]
	kernel6x16(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, rows, cols)
}

// packBNAVX2 packs a full panel of op(B) = B (see packB).
func packBNAVX2(dst, b []float32, ldb, l0, kc, j0 int) bool {
	_ = dst[kc*16-1]
	_ = b[(l0+kc-1)*ldb+j0+16-1]
	packBN16(&dst[0], &b[l0*ldb+j0], ldb, kc)
	return true
}

// packBTAVX2 packs 8 columns, j0..j0+7, of the first kc&^7 rows of a panel
// of op(B) = Bᵀ (see packB) and returns how many rows it packed.
func packBTAVX2(dst, b []float32, ldb, l0, kc, j0 int) int {
	n8 := kc &^ 7
	if n8 == 0 {
		return 0
	}
	_ = dst[(n8-1)*16+7]
	_ = b[(j0+7)*ldb+l0+n8-1]
	packBT8(&dst[0], &b[j0*ldb+l0], ldb, n8)
	return n8
}

// packANAVX2 packs the first kc&^7 columns of a full panel of op(A) = A
// (see packA) and returns how many it packed.
func packANAVX2(p, a []float32, lda, r0, l0, kc int) int {
	n8 := kc &^ 7
	if n8 == 0 {
		return 0
	}
	_ = p[n8*6-1]
	_ = a[(r0+6-1)*lda+l0+n8-1]
	packAN6(&p[0], &a[r0*lda+l0], lda, n8)
	return n8
}

// avx512Kernels is the AVX-512 path of kernel512_amd64.s: 14×32 tiles, with
// 8- and 4-row kernels for the last rows of a block.
var avx512Kernels = &kernelSet{
	name: "avx512", mr: 14, nr: 32,
	kernel: kernelAVX512,
	packAN: packANAVX512,
	packBN: packBNAVX512,
	packBT: packBTAVX512,
}

//go:noescape
func kernel512x14(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)

//go:noescape
func kernel512x8(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)

//go:noescape
func kernel512x4(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)

//go:noescape
func packBN32(dst, b *float32, ldb, kc int)

//go:noescape
func packBT8x32(dst, b *float32, ldb, n8 int)

//go:noescape
func packAN14(dst, a *float32, lda, n8 int)

// kernelAVX512 is kernelAVX2 on 14×32 tiles, on the smallest of the 14-, 8-
// and 4-row kernels that covers rows.
func kernelAVX512(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	_ = a[kc*14-1]
	_ = b[kc*32-1]
	_ = c[(rows-1)*ldc+cols-1]
	switch {
	case rows > 8:
		kernel512x14(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, rows, cols)
	case rows > 4:
		kernel512x8(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, rows, cols)
	default:
		kernel512x4(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, rows, cols)
	}
}

// packBNAVX512 packs a full panel of op(B) = B (see packB).
func packBNAVX512(dst, b []float32, ldb, l0, kc, j0 int) bool {
	_ = dst[kc*32-1]
	_ = b[(l0+kc-1)*ldb+j0+32-1]
	packBN32(&dst[0], &b[l0*ldb+j0], ldb, kc)
	return true
}

// packBTAVX512 is packBTAVX2 for panels of 32 columns.
func packBTAVX512(dst, b []float32, ldb, l0, kc, j0 int) int {
	n8 := kc &^ 7
	if n8 == 0 {
		return 0
	}
	_ = dst[(n8-1)*32+7]
	_ = b[(j0+7)*ldb+l0+n8-1]
	packBT8x32(&dst[0], &b[j0*ldb+l0], ldb, n8)
	return n8
}

// packANAVX512 is packANAVX2 for panels of 14 rows.
func packANAVX512(p, a []float32, lda, r0, l0, kc int) int {
	n8 := kc &^ 7
	if n8 == 0 {
		return 0
	}
	_ = p[n8*14-1]
	_ = a[(r0+14-1)*lda+l0+n8-1]
	packAN14(&p[0], &a[r0*lda+l0], lda, n8)
	return n8
}
