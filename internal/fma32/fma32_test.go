package fma32_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/supcon/supcon/internal/fma32"
)

// exact is x·y + z rounded once to float32 (ties to even), with math/big.
func exact(x, y, z float32) float32 {
	const prec = 1200 // enough for any float32 x·y + z exactly
	p := new(big.Float).SetPrec(prec).Mul(big.NewFloat(float64(x)), big.NewFloat(float64(y)))
	f, _ := new(big.Float).SetPrec(prec).Add(p, big.NewFloat(float64(z))).Float32()
	return f
}

// TestFMA checks FMA (and Fast where it answers) against math/big on cases where rounding twice goes
// wrong, subnormals, overflow and random triples near float32 midpoints.
// (trainer/gemm's TestFMA32 checks the hardware against FMA.)
func TestFMA(t *testing.T) {
	cases := [][3]float32{
		{1 + 0x1p-15, 0x1p-24 * (1 - 0x1p-15), 1 + 0x1p-23}, // double rounding goes up
		{-(1 + 0x1p-15), 0x1p-24 * (1 - 0x1p-15), -(1 + 0x1p-23)},
		{1 + 0x1p-15, 0x1p-24 * (1 + 0x1p-15), 1},
		{0x1p-149, 0.5, 0},
		{0x1p-149, 1.5, 0},
		{0x1p-75, 0x1p-75, 0x1p-149},
		{3, 0x1p-130, -0x1p-128},
		{1, -1, 1},
		{0x1p127, 4, -0x1p127},
		{0x1p127, 2, 0x1p127},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		x := float32(1 + float64(r.IntN(1<<12))*0x1p-12)
		y := float32(math.Ldexp(1+float64(r.IntN(1<<12))*0x1p-12, -24-r.IntN(3)))
		z := math.Float32frombits(0x3f800000 + uint32(r.IntN(1<<10)))
		cases = append(cases, [3]float32{x, y, z}, [3]float32{float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())})
	}
	twice := 0
	for _, c := range cases {
		got, want := fma32.FMA(c[0], c[1], c[2]), exact(c[0], c[1], c[2])
		if math.Float32bits(got) != math.Float32bits(want) && !(got == 0 && want == 0) {
			t.Errorf("FMA(%g, %g, %g) = %g, want %g", c[0], c[1], c[2], got, want)
		}
		if r, ok := fma32.Fast(c[0], c[1], c[2]); ok && math.Float32bits(r) != math.Float32bits(got) {
			t.Errorf("Fast(%g, %g, %g) = %g, ok, but FMA gives %g", c[0], c[1], c[2], r, got)
		}
		if float32(math.FMA(float64(c[0]), float64(c[1]), float64(c[2]))) != want {
			twice++
		}
	}
	if twice == 0 {
		t.Error("no case where rounding twice goes wrong: the cases test nothing")
	}
}

func ExampleFMA() {
	x, y, z := float32(1+0x1p-15), float32(0x1p-24*(1-0x1p-15)), float32(1+0x1p-23)
	fmt.Println(fma32.FMA(x, y, z) == 1+0x1p-23, float32(float64(x)*float64(y)+float64(z)) == 1+0x1p-23)
	// Output: true false
}
