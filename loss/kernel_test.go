package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// TestKernels checks the dispatched kernels (assembly on amd64 with AVX2)
// against float64 sums for sizes that exercise every tail.
func TestKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ rows, d int }{
		{1, 1}, {3, 7}, {4, 16}, {5, 17}, {8, 128}, {13, 200}, {64, 64}, {7, 71},
	} {
		a := randSlice(r, tc.d)
		b := randSlice(r, tc.rows*tc.d)
		got := make([]float32, tc.rows)
		dots(got, a, b, tc.d)
		for j := range got {
			want := 0.0
			for k := range tc.d {
				want += float64(a[k]) * float64(b[j*tc.d+k])
			}
			if math.Abs(float64(got[j])-want) > 1e-4*(1+math.Abs(want))*math.Sqrt(float64(tc.d)) {
				t.Errorf("dots rows=%d d=%d row %d: got %g want %g", tc.rows, tc.d, j, got[j], want)
			}
		}
		y := randSlice(r, tc.d)
		y0 := append([]float32(nil), y...)
		h := randSlice(r, tc.rows)
		axpys(y, h, b, tc.d)
		for k := range tc.d {
			want := float64(y0[k])
			for j := range tc.rows {
				want += float64(h[j]) * float64(b[j*tc.d+k])
			}
			if math.Abs(float64(y[k])-want) > 1e-4*(1+math.Abs(want))*math.Sqrt(float64(tc.rows)) {
				t.Errorf("axpys rows=%d d=%d col %d: got %g want %g", tc.rows, tc.d, k, y[k], want)
			}
		}
	}
}

func TestExpAffine(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 64, 101} {
		src := make([]float32, n)
		shift := make([]float32, n)
		for j := range src {
			src[j] = float32(j)*0.37 - 20
			shift[j] = float32(j%5) * 3
		}
		got := make([]float32, n)
		gotVec := make([]float32, n)
		lo := make([]float32, n)
		expAffine(got, src, 2.5, 7, 0)
		expAffineVec(gotVec, src, shift, lo, 2.5)
		for j := range got {
			for _, c := range []struct {
				got   float32
				shift float32
			}{{got[j], 7}, {gotVec[j], shift[j]}} {
				want := math.Exp(min(float64(src[j])*2.5-float64(c.shift), 0))
				if want < 1e-37 {
					if c.got > 1e-36 {
						t.Errorf("n=%d j=%d: got %g want ~0", n, j, c.got)
					}
					continue
				}
				if rel := math.Abs(float64(c.got)-want) / want; rel > 5e-6 {
					t.Errorf("n=%d j=%d: got %g want %g (rel %g)", n, j, c.got, want, rel)
				}
			}
		}
	}
	dst := make([]float32, 16)
	src := make([]float32, 16)
	for j := range src {
		src[j] = -1e30
	}
	expAffine(dst, src, 1, 0, 0)
	for _, v := range dst {
		if v != 0 {
			t.Fatalf("exp(-1e30) = %g, want 0", v)
		}
	}
}

// TestExpAffineSplitShift checks that the low part of a split shift is
// applied: exp(100 - (100 + 3e-6)) needs it, float32(100 + 3e-6) == 100.
func TestExpAffineSplitShift(t *testing.T) {
	src := make([]float32, 16)
	for j := range src {
		src[j] = 1
	}
	hi, lo := splitShift(100 + 3e-6)
	if lo == 0 {
		t.Fatal("split shift lost its low part")
	}
	dst := make([]float32, 16)
	expAffine(dst, src, 100, hi, lo)
	want := math.Exp(-3e-6)
	for j, v := range dst {
		if math.Abs(float64(v)-want) > 2e-7 {
			t.Errorf("element %d: %.9g, want %.9g", j, v, want)
		}
	}
}

func TestMaxAndSum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 15, 16, 31, 32, 33, 100, 1000} {
		s := randSlice(r, n)
		want, wantMax := 0.0, float32(math.Inf(-1))
		for _, v := range s {
			want += float64(v)
			wantMax = max(wantMax, v)
		}
		if got := sum64(s); math.Abs(got-want) > 1e-12*float64(n+1) {
			t.Errorf("n=%d: sum64 %g, want %g", n, got, want)
		}
		if got := maxOf(s); got != wantMax {
			t.Errorf("n=%d: maxOf %g, want %g", n, got, wantMax)
		}
	}
}
