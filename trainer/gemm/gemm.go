// Package gemm multiplies float32 matrices for the trainer's layers:
// C = alpha·op(A)·op(B) + beta·C, row-major, with BLAS's sgemm semantics.
//
// The implementation follows BLIS: op(A) is packed into panels of mr rows and
// op(B) into panels of nr columns (the packing absorbs the transposes, so all
// four transpose combinations run at the same speed), k is cut into blocks of
// at most a few hundred, and an mr×nr micro-kernel accumulates each tile of C
// in registers. There are three kernel paths, chosen once at start up from
// the CPU's features (golang.org/x/sys/cpu) and reported by Kernel: AVX-512
// assembly on 14×32 tiles (with 8- and 4-row kernels for the last rows),
// AVX2/FMA assembly on 6×16 tiles, and plain Go (on other CPUs and
// architectures, and under the purego build tag). EnvKernel forces one.
// Blocks of C are shared among up to runtime.GOMAXPROCS(0) goroutines.
//
// Determinism: results are bit-identical for any GOMAXPROCS, any split of
// the work and any kernel path, so a run is reproducible across machines.
// Work is split only over blocks of C, never over k; the k blocking depends
// on k alone; and every element of C, whether it lies in a full or a ragged
// edge tile and whatever the tile's shape or vector width, has its k
// products summed one after another in increasing k order with one fused
// multiply-add each (within a k block; the Go path emulates the float32 FMA
// exactly, see fma32), then alpha·sum + beta·C rounded as two products and
// a sum, the k blocks added in increasing order. The cost is that the k sum
// of one element is never parallelised or split into independent partial
// sums: a product with a huge k and a tiny m×n (such as 32×9×200704) can
// only use as many goroutines as it has blocks of C, and each k sum is a
// single dependent chain per element; and the Go path, which must round
// each product-sum once, runs about 3× slower than a plain Go loop would.
package gemm

import "runtime"

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ as transA/transB say. op(A) is m×k, op(B) is k×n and C is
// m×n; lda, ldb and ldc are the row strides of A, B and C as stored. With
// beta == 0, C is overwritten and its old contents (even NaN) are ignored.
// As in reference BLAS, with alpha == 0 or k == 0 A and B are not read and C
// becomes beta·C. It panics when a dimension, stride or slice length is
// inconsistent. Sgemm is safe for concurrent use on disjoint C.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmProcs(runtime.GOMAXPROCS(0), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm computed on the calling goroutine alone, for callers
// that already run several products in parallel (starting helper goroutines
// for each of them would only add overhead). Its results are bit-identical
// to Sgemm's.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmProcs(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func sgemmProcs(procs int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	sgemm(active, procs, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scaleC sets C = beta·C, ignoring the old C when beta == 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	need := func(name string, rows, cols, ld, have int) {
		if ld < max(cols, 1) {
			panic("gemm: stride of " + name + " shorter than its row")
		}
		if rows > 0 && cols > 0 && have < (rows-1)*ld+cols {
			panic("gemm: slice " + name + " too short")
		}
	}
	need("A", ar, ac, lda, len(a))
	need("B", br, bc, ldb, len(b))
	need("C", m, n, ldc, len(c))
}
