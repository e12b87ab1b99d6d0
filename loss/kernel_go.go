package loss

import (
	"math"

	"github.com/supcon/supcon/internal/fma32"
)

// Go twins of the kernels of kernel_amd64.s, with the same bits: the same
// lanes (one partial sum per vector lane), fused multiply-adds where the
// assembly fuses (fma32.FMA), the same order of combining the lanes, and
// the same float32 exponential. They run where the assembly cannot (other
// CPUs, -tags purego), on the same blocks.

// dots16Go is dots4AVX: dst[r] = a·b[r*stride : r*stride+len(a)] for
// r < len(dst), len(a) a positive multiple of 16. Each row keeps 16 float32
// lane sums (product k goes to lane k mod 16), folded as the assembly's
// VADDPS/VHADDPS/VEXTRACTF128 do.
func dots16Go(dst, a, b []float32, stride int) {
	n := len(a)
	for r := range dst {
		row := b[r*stride : r*stride+n]
		var c [16]float32
		for k := 0; k+16 <= n; k += 16 {
			av, bv := (*[16]float32)(a[k:]), (*[16]float32)(row[k:])
			for l := range c {
				r, ok := fma32.Fast(av[l], bv[l], c[l])
				if !ok {
					r = fma32.FMA(av[l], bv[l], c[l])
				}
				c[l] = r
			}
		}
		var w [8]float32
		for l := range w {
			w[l] = c[l] + c[l+8]
		}
		dst[r] = ((w[0] + w[1]) + (w[2] + w[3])) + ((w[4] + w[5]) + (w[6] + w[7]))
	}
}

// axpys8Go is axpysAVX on y (len(y) a multiple of 8): y[k] gets
// fma(h[j], x[j*stride+k], y[k]) for each j in order, zeros of h included.
func axpys8Go(y, h, x []float32, stride int) {
	for j, hj := range h {
		row := x[j*stride : j*stride+len(y)]
		for k, v := range row {
			r, ok := fma32.Fast(hj, v, y[k])
			if !ok {
				r = fma32.FMA(hj, v, y[k])
			}
			y[k] = r
		}
	}
}

// sum64x16Go is sum64AVX: 16 float64 lane sums (element i goes to lane
// i mod 16), four 4-lane accumulators combined as ((a0+a1)+(a2+a3)), then
// the lanes as ((l0+l2)+(l1+l3)); len(s) a multiple of 16.
func sum64x16Go(s []float32) float64 {
	var a [16]float64
	for i := 0; i+16 <= len(s); i += 16 {
		for l, v := range (*[16]float32)(s[i:]) {
			a[l] += float64(v)
		}
	}
	var v [4]float64
	for l := range v {
		v[l] = (a[l] + a[4+l]) + (a[8+l] + a[12+l])
	}
	return (v[0] + v[2]) + (v[1] + v[3])
}

// maxps is VMAXPS on one lane: a if a > b, else b (so b for NaN or equal
// zeros).
func maxps(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// max32Go is maxAVX: 32 lane maxima (element i to lane i mod 32, starting
// from the first 32 elements), folded as the assembly does; len(s) a
// positive multiple of 32.
func max32Go(s []float32) float32 {
	var acc [32]float32
	copy(acc[:], s[:32])
	for i := 0; i+32 <= len(s); i += 32 {
		for l, v := range (*[32]float32)(s[i:]) {
			acc[l] = maxps(acc[l], v)
		}
	}
	var v [8]float32
	for l := range v {
		v[l] = maxps(maxps(acc[l], acc[8+l]), maxps(acc[16+l], acc[24+l]))
	}
	var m [4]float32
	for l := range m {
		m[l] = maxps(v[l], v[4+l])
	}
	return maxps(maxps(m[0], m[2]), maxps(m[1], m[3]))
}

// The constants of EXP8 in kernel_amd64.s (Cephes expf). The assembler
// rounds each decimal to float64 and then to float32; so does
// float32(float64(c)).
var (
	exp8Lo    = float32(float64(-88.3762626647949))
	exp8Log2e = float32(float64(1.44269504088896341))
	exp8C1    = float32(float64(0.693359375))
	exp8C2    = float32(float64(-2.12194440e-4))
	exp8P     = [6]float32{
		float32(float64(1.9875691500e-4)),
		float32(float64(1.3981999507e-3)),
		float32(float64(8.3334519073e-3)),
		float32(float64(4.1665795894e-2)),
		float32(float64(1.6666665459e-1)),
		float32(float64(5.0000001201e-1)),
	}
)

// exp8Go is one lane of EXP8: exp(min(x, 0)) in float32, 0 below −88.38.
func exp8Go(x float32) float32 {
	if !(x < 0) { // VMINPS against 0: NaN and ±0 give +0
		x = 0
	}
	if !(x > exp8Lo) { // VMAXPS against the lower bound
		x = exp8Lo
	}
	fx := float32(math.RoundToEven(float64(float32(x * exp8Log2e))))
	x = fma(-fx, exp8C1, x)
	x = fma(-fx, exp8C2, x)
	y := exp8P[0]
	for _, p := range exp8P[1:] {
		y = fma(x, y, p)
	}
	y = fma(float32(x*x), y, x) + 1
	// fx is an integer in [−127, 0]: 2^fx built from its exponent bits.
	pow := math.Float32frombits(uint32(int32(fx)+127) << 23)
	return y * pow
}

// fma is fma32.FMA, its common case (fma32.Fast) inlined.
func fma(x, y, z float32) float32 {
	if r, ok := fma32.Fast(x, y, z); ok {
		return r
	}
	return fma32.FMA(x, y, z)
}
