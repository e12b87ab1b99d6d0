//go:build !amd64 || purego

package gemm

// haveAsm is false where there is no assembly kernel.
const haveAsm = false

// useAsm selects the assembly kernel; always false here.
var useAsm = false

func kernelAsm(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	panic("gemm: no assembly kernel")
}

func packANAsm(p, a []float32, lda, r0, l0, kc int) int { return 0 }

func packBTAsm(dst, b []float32, ldb, l0, kc, j0 int) int { return 0 }

func packBNAsm(dst, b []float32, ldb, l0, kc, j0 int) bool { return false }
