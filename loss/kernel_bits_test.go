package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// withAVX2 runs f with useAVX2 set to asm.
func withAVX2(asm bool, f func()) {
	old := useAVX2
	useAVX2 = asm
	defer func() { useAVX2 = old }()
	f()
}

// kernelResults runs every dispatched kernel on inputs drawn from r and
// returns the outputs' bits; the same r state gives the same inputs.
func kernelResults(r *rand.Rand, rows, d int) []uint64 {
	var out []uint64
	add32 := func(s ...float32) {
		for _, v := range s {
			out = append(out, uint64(math.Float32bits(v)))
		}
	}
	a, b := randSlice(r, d), randSlice(r, rows*d)
	dst := make([]float32, rows)
	dots(dst, a, b, d)
	add32(dst...)
	y, h := randSlice(r, d), randSlice(r, rows)
	if rows > 1 {
		h[1] = 0 // a zero weight: the assembly does not skip it
	}
	axpys(y, h, b, d)
	add32(y...)

	n := rows * d
	s := randSlice(r, n)
	for i := range s {
		switch r.IntN(6) {
		case 0:
			s[i] = 0
		case 1:
			s[i] = float32(math.Copysign(0, -1))
		case 2:
			s[i] = 2.5 // ties between lanes
		}
	}
	out = append(out, math.Float64bits(sum64(s)))
	add32(maxOf(s))

	// Exponent arguments src·scale − shift − lo from about −100 to just above 0.
	src := make([]float32, n)
	shift, lo := make([]float32, n), make([]float32, n)
	for i := range src {
		src[i] = float32(-r.Float64()*40 + 0.001)
		shift[i], lo[i] = splitShift(r.Float64() * 3)
		if r.IntN(8) == 0 {
			src[i] = float32(-88.3762626647949/2.5 + r.Float64()*1e-5) // the clamp
		}
	}
	e := make([]float32, n)
	hi, l := splitShift(0.37 + 1e-9)
	expAffine(e, src, 2.5, hi, l)
	add32(e...)
	expAffineVec(e, src, shift, lo, 2.5)
	add32(e...)
	return out
}

// TestKernelsGoMatchAsm requires the Go twins (kernel_go.go) to give the
// assembly's bits on random inputs of shapes around its blocks.
func TestKernelsGoMatchAsm(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no assembly kernels on this build or CPU")
	}
	shapes := []struct{ rows, d int }{
		{1, 1}, {1, 8}, {3, 7}, {4, 15}, {4, 16}, {5, 17}, {7, 31}, {8, 32}, {4, 33},
		{9, 63}, {8, 64}, {12, 65}, {13, 128}, {6, 200}, {64, 64}, {7, 71}, {3, 520},
	}
	for _, sh := range shapes {
		for seed := range uint64(3) {
			var asm, gos []uint64
			withAVX2(true, func() { asm = kernelResults(rand.New(rand.NewPCG(seed, 9)), sh.rows, sh.d) })
			withAVX2(false, func() { gos = kernelResults(rand.New(rand.NewPCG(seed, 9)), sh.rows, sh.d) })
			for i := range asm {
				if asm[i] != gos[i] {
					t.Fatalf("rows=%d d=%d seed %d: output %d: asm %#x, go %#x", sh.rows, sh.d, seed, i, asm[i], gos[i])
				}
			}
		}
	}
}

// TestExp8GoMatchesAsm compares exp8Go with the assembly's EXP8 (through
// expAffine, scale 1 and shift 0) on every
// 4097th float32 bit pattern (all signs, zeros, subnormals, NaN, ±Inf).
func TestExp8GoMatchesAsm(t *testing.T) {
	if !haveAVX2 {
		t.Skip("no assembly kernels on this build or CPU")
	}
	const step = 4097
	src := make([]float32, 0, 1<<32/step+8)
	for b := uint64(0); b < 1<<32; b += step {
		src = append(src, math.Float32frombits(uint32(b)))
	}
	src = append(src, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)))
	src = src[:len(src)&^7]
	asm, gos := make([]float32, len(src)), make([]float32, len(src))
	withAVX2(true, func() { expAffine(asm, src, 1, 0, 0) })
	withAVX2(false, func() { expAffine(gos, src, 1, 0, 0) })
	for i, x := range src {
		if math.Float32bits(asm[i]) != math.Float32bits(gos[i]) {
			t.Fatalf("exp(%g) (bits %#x): asm %g (%#x), go %g (%#x)", x, math.Float32bits(x), asm[i], math.Float32bits(asm[i]), gos[i], math.Float32bits(gos[i]))
		}
	}
}

// BenchmarkKernels times each kernel on the assembly (where it runs) and
// on its Go twin: 64 rows of d = 128, the loss's usual shape.
func BenchmarkKernels(b *testing.B) {
	const rows, d = 64, 128
	r := rand.New(rand.NewPCG(1, 1))
	a, x, y, h := randSlice(r, d), randSlice(r, rows*d), randSlice(r, d), randSlice(r, rows)
	dst, e := make([]float32, rows), make([]float32, rows*d)
	for i := range e {
		e[i] = -float32(r.Float64() * 20)
	}
	paths := []bool{false}
	if haveAVX2 {
		paths = []bool{true, false}
	}
	for _, asm := range paths {
		name := "go"
		if asm {
			name = "asm"
		}
		withAVX2(asm, func() {
			b.Run("dots/"+name, func(b *testing.B) {
				for b.Loop() {
					dots(dst, a, x, d)
				}
			})
			b.Run("axpys/"+name, func(b *testing.B) {
				for b.Loop() {
					axpys(y, h, x, d)
				}
			})
			b.Run("exp/"+name, func(b *testing.B) {
				for b.Loop() {
					expAffine(dst, e[:rows], 1, 0.5, 0)
				}
			})
			b.Run("sum64/"+name, func(b *testing.B) {
				for b.Loop() {
					sum64(e)
				}
			})
		})
	}
}
