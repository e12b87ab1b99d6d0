package gemm

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/supcon/supcon/internal/fma32"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

// exactFMA32 is x·y + z rounded once to float32 (ties to even), computed
// exactly with math/big.
func exactFMA32(x, y, z float32) float32 {
	const prec = 1200 // enough for any float32 x·y + z exactly
	p := new(big.Float).SetPrec(prec).Mul(big.NewFloat(float64(x)), big.NewFloat(float64(y)))
	s := new(big.Float).SetPrec(prec).Add(p, big.NewFloat(float64(z)))
	f, _ := s.Float32()
	return f
}

// fmaCases returns finite x, y, z triples: hand-made cases where rounding
// twice (to float64, then float32) goes wrong, subnormals, signed zeros,
// and random ones, many of them near float32 midpoints.
func fmaCases(r *rand.Rand) [][3]float32 {
	cases := [][3]float32{
		// x·y + z = 1 + 3·2⁻²⁴ - 2⁻⁵⁴: just below a float32 midpoint, but
		// its float64 rounding lies on it and then rounds up to even.
		{1 + 0x1p-15, 0x1p-24 * (1 - 0x1p-15), 1 + 0x1p-23},
		{-(1 + 0x1p-15), 0x1p-24 * (1 - 0x1p-15), -(1 + 0x1p-23)},
		{1 + 0x1p-15, 0x1p-24 * (1 + 0x1p-15), 1},
		{0x1p-149, 0.5, 0},           // half the smallest subnormal: rounds to 0
		{0x1p-149, 1.5, 0},           // rounds to even: 2⁻¹⁴⁸
		{0x1p-75, 0x1p-75, 0x1p-149}, // tiny product plus a subnormal
		{3, 0x1p-130, -0x1p-128},
		{1, -1, 1},
		{0, -1, 0},
		{0x1p127, 4, -0x1p127},
		{0x1p127, 2, 0x1p127}, // overflows
	}
	for range 20000 {
		x := float32(r.NormFloat64())
		y := float32(r.NormFloat64())
		z := float32(r.NormFloat64())
		switch r.IntN(4) {
		case 0:
			// z close to -x·y: heavy cancellation.
			z = -float32(float64(x) * float64(y) * (1 + r.Float64()*0x1p-20))
		case 1:
			// x·y + z near a float32 midpoint: the product's low bits
			// decide the rounding.
			x = float32(1 + float64(r.IntN(1<<12))*0x1p-12)
			y = float32(math.Ldexp(1+float64(r.IntN(1<<12))*0x1p-12, -24-r.IntN(3)))
			z = math.Float32frombits(0x3f800000 + uint32(r.IntN(1<<10)))
		case 2:
			// Subnormal results.
			x = float32(math.Ldexp(r.Float64()+0.5, -70-r.IntN(10)))
			y = float32(math.Ldexp(r.Float64()+0.5, -70-r.IntN(10)))
			z = float32(math.Ldexp(r.Float64()-0.5, -130-r.IntN(10)))
		}
		cases = append(cases, [3]float32{x, y, z})
	}
	return cases
}

// TestFMA32 checks fma32.FMA against an exact computation, and each path's
// hardware FMA against fma32.FMA.
func TestFMA32(t *testing.T) {
	cases := fmaCases(rand.New(rand.NewPCG(5, 6)))
	twice := 0
	for _, c := range cases {
		x, y, z := c[0], c[1], c[2]
		got, want := fma32.FMA(x, y, z), exactFMA32(x, y, z)
		if want == 0 && got == 0 {
			if math.Signbit(float64(got)) != (math.Signbit(float64(x*y)) && math.Signbit(float64(z))) {
				t.Errorf("fma32(%g, %g, %g) = %g: wrong sign of zero", x, y, z, got)
			}
			continue
		}
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("fma32(%g, %g, %g) = %g, want %g", x, y, z, got, want)
		}
		if float32(math.FMA(float64(x), float64(y), float64(z))) != want {
			twice++
		}
	}
	if twice == 0 {
		t.Error("no case where rounding twice goes wrong: the cases test nothing")
	}
	// The kernels: C = A·B with k = 2, A's row i = (z_i, x_i) and B's
	// column j = (1, y_j), so C[i][j] = fma(x_i, y_j, z_i).
	const m, n = 29, 35
	for _, ks := range kernels() {
		withKernel(t, ks, func() {
			for start := 0; start+m <= len(cases); start += m * n {
				a := make([]float32, 2*m)
				b := make([]float32, 2*n)
				for i := range m {
					a[2*i], a[2*i+1] = cases[start+i][2], cases[start+i][0]
				}
				for j := range n {
					b[j], b[n+j] = 1, cases[(start+j*7)%len(cases)][1]
				}
				c := make([]float32, m*n)
				Sgemm(false, false, m, n, 2, 1, a, 2, b, n, 0, c, n)
				for i := range m {
					for j := range n {
						want := fma32.FMA(a[2*i+1], b[n+j], a[2*i])
						if got := c[i*n+j]; math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("%s: fma(%g, %g, %g) = %g, fma32 says %g", ks.name, a[2*i+1], b[n+j], a[2*i], got, want)
						}
					}
				}
			}
		})
	}
}

// agreeCases are products of every transpose combination whose shapes
// leave ragged edges for each path's tile (6×16, 14×32 and the 8- and
// 4-row kernels) and span one or several k blocks.
func agreeCases() []gemmCase {
	shapes := []struct{ m, n, k int }{
		{1, 1, 1}, {3, 5, 2}, {4, 9, 7}, {6, 16, 8}, {7, 17, 9}, {8, 31, 16},
		{9, 32, 33}, {13, 33, 40}, {14, 48, 3}, {15, 64, 100}, {22, 47, 385},
		{28, 96, 17}, {29, 70, 769}, {46, 100, 64}, {131, 65, 31},
	}
	scalars := []struct{ alpha, beta float32 }{{1, 0}, {-0.5, 1}, {2, -1.5}, {1, 1}}
	var cases []gemmCase
	for i, s := range shapes {
		for tr := range 4 {
			sc := scalars[(i+tr)%len(scalars)]
			cases = append(cases, gemmCase{tr&1 == 1, tr&2 == 2, s.m, s.n, s.k, sc.alpha, sc.beta, i % 3, tr, 1})
		}
	}
	return cases
}

// TestKernelsAgree checks that every path gives the Go path's bits.
func TestKernelsAgree(t *testing.T) {
	for _, tc := range agreeCases() {
		var want []float32
		withKernel(t, goKernels, func() { want = result(tc) })
		for _, ks := range kernels() {
			withKernel(t, ks, func() {
				if got := result(tc); !sameBits(got, want) {
					t.Errorf("%s %+v: differs from the Go path", ks.name, tc)
				}
			})
		}
	}
}

// goldenCases are the products whose results testdata/golden.txt holds.
var goldenCases = []gemmCase{
	{false, false, 32, 300, 9, 1, 0, 0, 0, 0},
	{false, false, 64, 200, 288, 1, 0, 0, 0, 0},
	{false, true, 40, 70, 1000, 1, 0, 0, 0, 0},
	{true, false, 50, 130, 64, 1, 0, 0, 0, 0},
	{true, true, 17, 33, 5, -0.5, 1, 1, 2, 3},
	{false, false, 29, 45, 577, 2, -1.5, 0, 1, 2},
}

func digest(c []float32) string {
	h := sha256.New()
	for _, v := range c {
		binary.Write(h, binary.LittleEndian, math.Float32bits(v))
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:32]
}

// TestGolden checks every path against results recorded in
// testdata/golden.txt (see its header for their provenance).
func TestGolden(t *testing.T) {
	const path = "testdata/golden.txt"
	if *update {
		var sb strings.Builder
		sb.WriteString("# SHA-256 (first 32 hex digits) of the float32 bits of C for goldenCases in\n")
		sb.WriteString("# kernels_test.go, one line per case. Written by go test -run TestGolden -update\n")
		fmt.Fprintf(&sb, "# on the %s path; every path must give these bits.\n", Kernel())
		for i, tc := range goldenCases {
			fmt.Fprintf(&sb, "%d %s\n", i, digest(result(tc)))
		}
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			var i int
			var d string
			if _, err := fmt.Sscan(line, &i, &d); err != nil || i != len(want) {
				t.Fatalf("%s: bad line %q", path, line)
			}
			want = append(want, d)
		}
	}
	if len(want) != len(goldenCases) {
		t.Fatalf("%s has %d results, want %d", path, len(want), len(goldenCases))
	}
	for _, ks := range kernels() {
		withKernel(t, ks, func() {
			for i, tc := range goldenCases {
				if got := digest(result(tc)); got != want[i] {
					t.Errorf("%s case %d %+v: digest %s, want %s", ks.name, i, tc, got, want[i])
				}
			}
		})
	}
}

func TestChooseKernel(t *testing.T) {
	best := available()[0].name
	for _, tc := range []struct{ env, want string }{
		{"", best}, {"go", "go"}, {"avx2", "avx2"}, {"avx512", "avx512"},
	} {
		got := chooseKernel(tc.env).name
		want := tc.want
		if want != "go" && !slicesContainsName(available(), want) {
			want = best // a path the CPU lacks falls back to the best one
		}
		if got != want {
			t.Errorf("%s=%q: kernel %q, want %q", EnvKernel, tc.env, got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Errorf("%s=%q: no panic", EnvKernel, "sse")
		}
	}()
	chooseKernel("sse")
}

func slicesContainsName(s []*kernelSet, name string) bool {
	for _, ks := range s {
		if ks.name == name {
			return true
		}
	}
	return false
}

func ExampleKernel() {
	// Which micro-kernel this process uses: "avx512", "avx2" or "go"
	// (SUPCON_GEMM_KERNEL may force one). The results are the same bits
	// whichever it is.
	fmt.Println("gemm kernel:", Kernel())
}
