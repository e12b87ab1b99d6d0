package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// benchShapes are cnn-small's convolutions (batch 256, 28×28, im2col) and
// its head matmuls.
var benchShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"fwd1", false, false, 32, 200704, 9},
	{"fwd2", false, false, 64, 50176, 288},
	{"fwd3", false, false, 128, 12544, 576},
	{"dW1", false, true, 32, 9, 200704},
	{"dW2", false, true, 64, 288, 50176},
	{"dW3", false, true, 128, 576, 12544},
	{"dX2", true, false, 288, 50176, 64},
	{"dX3", true, false, 576, 12544, 128},
	{"head1", false, false, 256, 128, 128},
	{"head1TN", true, false, 256, 128, 128},
	{"head1NT", false, true, 256, 128, 128},
	{"head1TT", true, true, 256, 128, 128},
	{"head2", false, false, 256, 128, 512},
	{"head2TN", true, false, 256, 128, 512},
	{"head2NT", false, true, 256, 128, 512},
	{"head2TT", true, true, 256, 128, 512},
}

// BenchmarkSgemm runs each shape through Sgemm ("ours") and through gonum's
// pure-Go blas32 ("gonum"), reporting GFLOP/s.
func BenchmarkSgemm(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	randSlice := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = r.Float32() - 0.5
		}
		return s
	}
	for _, s := range benchShapes {
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(fmt.Sprintf("%s_%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			a, bm, c := randSlice(s.m*s.k), randSlice(s.k*s.n), randSlice(s.m*s.n)
			b.Run("ours", func(b *testing.B) {
				for b.Loop() {
					Sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
				}
				report(b)
			})
			b.Run("gonum", func(b *testing.B) {
				ar, ac, br, bc := s.m, s.k, s.k, s.n
				ta, tb := blas.NoTrans, blas.NoTrans
				if s.transA {
					ar, ac, ta = ac, ar, blas.Trans
				}
				if s.transB {
					br, bc, tb = bc, br, blas.Trans
				}
				ga := blas32.General{Rows: ar, Cols: ac, Stride: lda, Data: a}
				gb := blas32.General{Rows: br, Cols: bc, Stride: ldb, Data: bm}
				gc := blas32.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: c}
				for b.Loop() {
					blas32.Gemm(ta, tb, 1, ga, gb, 0, gc)
				}
				report(b)
			})
		})
	}
}
