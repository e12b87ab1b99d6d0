package gemm

import (
	"fmt"
	"os"
)

// EnvKernel names the environment variable that forces a kernel path:
// "avx512", "avx2" or "go". A path the CPU cannot run falls back to the
// best one it can (see Kernel); any other non-empty value panics at start
// up. All paths give bit-identical results, so the variable only changes
// speed; it exists for tests and comparisons.
const EnvKernel = "SUPCON_GEMM_KERNEL"

// kernelSet is one path: a micro-kernel with its tile and packing.
type kernelSet struct {
	name   string
	mr, nr int // tile rows and columns; packed panels have this shape

	// kernel sets the rows×cols corner of the mr×nr tile c (row stride
	// ldc) to alpha·AB + beta·c (see kernelGo); nil for the Go path, which
	// computes full tiles only (see task.panel).
	kernel func(kc int, a, b, c []float32, ldc int, alpha, beta float32, rows, cols int)
	// packAN packs a leading run of columns of a full panel of op(A) = A
	// and returns how many it packed (see packA); nil packs none.
	packAN func(p, a []float32, lda, r0, l0, kc int) int
	// packBN packs a full panel of op(B) = B if it can (see packB).
	packBN func(dst, b []float32, ldb, l0, kc, j0 int) bool
	// packBT packs 8 columns of the first rows of a panel of op(B) = Bᵀ
	// and returns how many rows it packed (see packB).
	packBT func(dst, b []float32, ldb, l0, kc, j0 int) int
}

// maxNR and maxMR bound the tiles of every kernel set.
const (
	maxNR = 32
	maxMR = 14
)

// active is the path Sgemm uses; tests swap it.
var active = chooseKernel(os.Getenv(EnvKernel))

// chooseKernel returns the path named by want ("" for the fastest).
func chooseKernel(want string) *kernelSet {
	avail := available()
	switch want {
	case "", "avx512", "avx2", "go":
	default:
		panic(fmt.Sprintf("gemm: %s=%q: want avx512, avx2 or go", EnvKernel, want))
	}
	for _, ks := range avail {
		if ks.name == want {
			return ks
		}
	}
	return avail[0]
}

// Kernel reports the micro-kernel path in use: "avx512" (14×32 tiles),
// "avx2" (6×16) or "go". It is chosen once at start up from the CPU's
// features, unless EnvKernel forces one. The choice changes speed only:
// every path accumulates each element of C over k in the same order with
// one fused multiply-add per product, so results are bit-identical on every
// CPU.
func Kernel() string { return active.name }
