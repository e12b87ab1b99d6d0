package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// kernels lists the kernel paths that can run on this machine.
func kernels() []*kernelSet { return available() }

// withKernel runs f with Sgemm on the path ks.
func withKernel(t testing.TB, ks *kernelSet, f func()) {
	t.Helper()
	old := active
	active = ks
	defer func() { active = old }()
	f()
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	lda, ldb, ldc  int // extra stride beyond the row length
}

// operands returns random A, B, C laid out for tc, with NaN in the
// padding of every row so that stray reads show.
func operands(r *rand.Rand, tc gemmCase) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	fill := func(rows, cols, extra int) ([]float32, int) {
		ld := max(cols, 1) + extra
		s := make([]float32, rows*ld)
		for i := range s {
			if i%ld < cols {
				s[i] = float32(r.NormFloat64())
			} else {
				s[i] = float32(math.NaN())
			}
		}
		return s, ld
	}
	a, lda = fill(ar, ac, tc.lda)
	b, ldb = fill(br, bc, tc.ldb)
	c, ldc = fill(tc.m, tc.n, tc.ldc)
	return
}

// check compares got with a float64 evaluation of the product over the
// original c0, within a bound proportional to k and to the magnitudes.
func check(t *testing.T, tc gemmCase, a []float32, lda int, b []float32, ldb int, c0, got []float32, ldc int) {
	t.Helper()
	at := func(i, l int) float64 {
		if tc.transA {
			return float64(a[l*lda+i])
		}
		return float64(a[i*lda+l])
	}
	bt := func(l, j int) float64 {
		if tc.transB {
			return float64(b[j*ldb+l])
		}
		return float64(b[l*ldb+j])
	}
	const eps = 1.0 / (1 << 23)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, mag float64
			if tc.alpha != 0 {
				for l := 0; l < tc.k; l++ {
					p := at(i, l) * bt(l, j)
					s += p
					mag += math.Abs(p)
				}
			}
			want := float64(tc.alpha) * s
			mag *= math.Abs(float64(tc.alpha))
			if tc.beta != 0 {
				cv := float64(c0[i*ldc+j])
				want += float64(tc.beta) * cv
				mag += math.Abs(float64(tc.beta) * cv)
			}
			g := float64(got[i*ldc+j])
			if !(math.Abs(g-want) <= 2*float64(tc.k+3)*eps*mag) {
				if bad++; bad <= 3 {
					t.Errorf("%+v: C[%d,%d] = %g, want %g", tc, i, j, g, want)
				}
			}
		}
	}
	// The padding of C must be untouched.
	for i, v := range got {
		if i%ldc >= tc.n && !math.IsNaN(float64(v)) {
			t.Fatalf("%+v: padding C[%d] written", tc, i)
		}
	}
}

func TestSgemm(t *testing.T) {
	dims := []int{0, 1, 5, 6, 7, 15, 16, 17, 33}
	big := []struct{ m, n, k int }{
		{97, 131, 300}, {13, 9, 1000}, {64, 70, 385}, {130, 35, 9}, {7, 300, 17},
	}
	scalars := []struct{ alpha, beta float32 }{{1, 0}, {-0.5, 1}, {2, -1.5}, {0, 0.5}, {1.5, 0}}
	for _, ks := range kernels() {
		t.Run(ks.name, func(t *testing.T) {
			withKernel(t, ks, func() {
				r := rand.New(rand.NewPCG(1, 2))
				var cases []gemmCase
				for ta := range 2 {
					for tb := range 2 {
						for _, m := range dims {
							for _, n := range dims {
								for _, k := range dims {
									s := scalars[(m+2*n+3*k)%len(scalars)]
									cases = append(cases, gemmCase{ta == 1, tb == 1, m, n, k, s.alpha, s.beta, k % 3, m % 2, n % 4})
								}
							}
						}
						for i, d := range big {
							for _, s := range scalars {
								cases = append(cases, gemmCase{ta == 1, tb == 1, d.m, d.n, d.k, s.alpha, s.beta, i, 2 * i, 3})
							}
						}
					}
				}
				for _, tc := range cases {
					a, lda, b, ldb, c, ldc := operands(r, tc)
					c0 := append([]float32(nil), c...)
					Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
					check(t, tc, a, lda, b, ldb, c0, c, ldc)
				}
			})
		})
	}
}

// TestBetaZeroIgnoresC checks that beta == 0 overwrites NaN and Inf in C.
func TestBetaZeroIgnoresC(t *testing.T) {
	for _, ks := range kernels() {
		withKernel(t, ks, func() {
			for _, k := range []int{0, 3, 40} {
				for _, alpha := range []float32{0, 1} {
					m, n := 13, 35
					a := make([]float32, m*max(k, 1))
					b := make([]float32, max(k, 1)*n)
					for i := range a {
						a[i] = 1
					}
					for i := range b {
						b[i] = 2
					}
					c := make([]float32, m*n)
					for i := range c {
						c[i] = float32(math.NaN())
						if i%2 == 1 {
							c[i] = float32(math.Inf(-1))
						}
					}
					Sgemm(false, false, m, n, k, alpha, a, max(k, 1), b, n, 0, c, n)
					want := alpha * 2 * float32(k)
					for i, v := range c {
						if v != want {
							t.Fatalf("%s k=%d alpha=%g: C[%d] = %g, want %g", ks.name, k, alpha, i, v, want)
						}
					}
				}
			}
		})
	}
}

// result runs one product on fixed random operands and returns C.
func result(tc gemmCase) []float32 {
	r := rand.New(rand.NewPCG(7, uint64(tc.m*1000003+tc.n*1009+tc.k)))
	a, lda, b, ldb, c, ldc := operands(r, tc)
	Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	return c
}

func sameBits(x, y []float32) bool {
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
			return false
		}
	}
	return len(x) == len(y)
}

// TestDeterminism checks that results are bit-identical whatever
// GOMAXPROCS and whatever the blocks of C.
func TestDeterminism(t *testing.T) {
	shapes := []gemmCase{
		{false, false, 37, 1043, 9, 1, 0, 0, 0, 0},
		{false, true, 31, 9, 5003, 1, 0, 1, 0, 0},
		{true, false, 101, 2111, 67, 1, 0.5, 0, 3, 1},
		{true, true, 259, 131, 515, -1, 1, 0, 0, 2},
		{false, false, 131, 517, 577, 1, 0, 0, 0, 0},
	}
	grids := []func(m, n, kc, mr, nr int) (int, int){
		func(m, n, kc, mr, nr int) (int, int) { return mr, nr },
		func(m, n, kc, mr, nr int) (int, int) { return 5 * mr, 3 * nr },
		func(m, n, kc, mr, nr int) (int, int) { return roundUp(m, mr), nr },
		func(m, n, kc, mr, nr int) (int, int) { return mr, roundUp(n, nr) },
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, ks := range kernels() {
		withKernel(t, ks, func() {
			for _, tc := range shapes {
				runtime.GOMAXPROCS(1)
				want := result(tc)
				for _, procs := range []int{2, 3, 8} {
					runtime.GOMAXPROCS(procs)
					if got := result(tc); !sameBits(got, want) {
						t.Errorf("%s %+v: GOMAXPROCS %d differs from 1", ks.name, tc, procs)
					}
				}
				for _, procs := range []int{2, 8} {
					runtime.GOMAXPROCS(procs)
					r := rand.New(rand.NewPCG(7, uint64(tc.m*1000003+tc.n*1009+tc.k)))
					a, lda, b, ldb, c, ldc := operands(r, tc)
					SgemmSerial(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
					if !sameBits(c, want) {
						t.Errorf("%s %+v: SgemmSerial at GOMAXPROCS %d differs from Sgemm", ks.name, tc, procs)
					}
				}
				for g, hook := range grids {
					gridHook = hook
					got := result(tc)
					gridHook = nil
					if !sameBits(got, want) {
						t.Errorf("%s %+v: grid %d differs", ks.name, tc, g)
					}
				}
			}
		})
	}
}

// TestPack checks each path's assembly packing against Go packing into
// panels of the same shape.
func TestPack(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, ks := range kernels() {
		if ks.packAN == nil {
			continue
		}
		plain := &kernelSet{name: ks.name + "-go", mr: ks.mr, nr: ks.nr}
		mr, nr := ks.mr, ks.nr
		for _, kc := range []int{1, 7, 8, 9, 16, 31, 256} {
			ld := kc + 5
			src := make([]float32, 2*max(mr, nr)*ld+8*ld)
			for i := range src {
				src[i] = r.Float32()
			}
			var pa, pb, pbn [2][]float32
			for v, set := range []*kernelSet{ks, plain} {
				pa[v] = make([]float32, 2*mr*kc+8)
				packA(set, pa[v], src, ld, false, 1, 2*mr, 3, kc)
				pb[v] = make([]float32, nr*kc+8)
				packB(set, pb[v], src, ld, true, 2, kc, 3, nr)
				pbn[v] = make([]float32, nr*kc+8)
				packB(set, pbn[v], src, nr+3, false, 1, kc, 2, nr)
			}
			if !sameBits(pa[0], pa[1]) {
				t.Errorf("%s packA kc=%d: assembly differs", ks.name, kc)
			}
			if !sameBits(pb[0], pb[1]) {
				t.Errorf("%s packB (transposed) kc=%d: assembly differs", ks.name, kc)
			}
			if !sameBits(pbn[0], pbn[1]) {
				t.Errorf("%s packB kc=%d: assembly differs", ks.name, kc)
			}
		}
	}
}

func TestPanics(t *testing.T) {
	a := make([]float32, 12)
	for name, f := range map[string]func(){
		"negative":  func() { Sgemm(false, false, -1, 2, 2, 1, a, 2, a, 2, 0, a, 2) },
		"short lda": func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) },
		"short A":   func() { Sgemm(true, false, 2, 2, 7, 1, a, 2, a, 2, 0, a, 2) },
		"short C":   func() { Sgemm(false, false, 4, 4, 2, 1, a, 2, a, 4, 0, a, 4) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestNoAllocs(t *testing.T) {
	m, n, k := 64, 700, 300
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	c := make([]float32, m*n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	allocs := testing.AllocsPerRun(20, func() {
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	})
	if allocs > 0.5 {
		t.Errorf("%v allocations per call", allocs)
	}
}

func ExampleSgemm() {
	// C (2×2) = A (2×3) · Bᵀ, with B stored as 2×3.
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0, 1,
		0, 1, 0,
	}
	c := make([]float32, 4)
	Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}
