// Package gemm multiplies float32 matrices for the trainer's layers:
// C = alpha·op(A)·op(B) + beta·C, row-major, with BLAS's sgemm semantics.
//
// Results are bit-identical for any GOMAXPROCS: work is split only over
// blocks of C, and every element of C sums its k products in the same order.
package gemm

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(X) is X or Xᵀ as transA/transB say. op(A) is m×k, op(B) is k×n and C is
// m×n; lda, ldb and ldc are the row strides of A, B and C as stored. With
// beta == 0, C is overwritten and its old contents (even NaN) are ignored.
// It panics when a dimension, stride or slice length is inconsistent.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		for j := range crow {
			var s float32
			for l := 0; l < k; l++ {
				var av, bv float32
				if transA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if transB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				crow[j] = alpha * s
			} else {
				crow[j] = alpha*s + beta*crow[j]
			}
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
