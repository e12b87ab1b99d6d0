package loss

import "math"

// dotGo returns a·b over len(a) elements with four partial sums. The
// float32 conversions keep Go from fusing a multiply and an add (it may, on
// arm64 for one): every product is rounded, on every CPU.
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	k := 0
	for ; k+4 <= len(a); k += 4 {
		s0 += float32(a[k] * b[k])
		s1 += float32(a[k+1] * b[k+1])
		s2 += float32(a[k+2] * b[k+2])
		s3 += float32(a[k+3] * b[k+3])
	}
	for ; k < len(a); k++ {
		s0 += float32(a[k] * b[k])
	}
	return (s0 + s1) + (s2 + s3)
}

// dotsGo is the portable dots.
func dotsGo(dst, a, b []float32, d int) {
	a = a[:d]
	for j := range dst {
		dst[j] = dotGo(a, b[j*d:j*d+d])
	}
}

// axpysGo is the portable axpys.
func axpysGo(y, h, x []float32, d int) {
	y = y[:d]
	for j, hj := range h {
		if hj == 0 {
			continue
		}
		row := x[j*d : j*d+d]
		for k, v := range row {
			y[k] += float32(hj * v)
		}
	}
}

// expArg is one element of expAffine, in float64 from the float32 operands.
func expArg(src, scale, shift, shiftLo float32) float32 {
	x := float64(src)*float64(scale) - float64(shift) - float64(shiftLo)
	return float32(expNonPos(min(x, 0)))
}

// splitShift returns x as float32 hi + lo parts, hi = float32(x).
func splitShift(x float64) (hi, lo float32) {
	hi = float32(x)
	return hi, float32(x - float64(hi))
}

// maxGo returns the largest element of s, -Inf for none.
func maxGo(s []float32) float32 {
	mx := float32(math.Inf(-1))
	for _, v := range s {
		if v > mx {
			mx = v
		}
	}
	return mx
}

// sum64Go returns the sum of s in float64, in four interleaved partial sums
// (a fixed order).
func sum64Go(s []float32) float64 {
	var a, b, c, d float64
	k := 0
	for ; k+4 <= len(s); k += 4 {
		a += float64(s[k])
		b += float64(s[k+1])
		c += float64(s[k+2])
		d += float64(s[k+3])
	}
	for ; k < len(s); k++ {
		a += float64(s[k])
	}
	return (a + b) + (c + d)
}

// addScaled sets dst[j] = (x[j] + y[j])·w.
func addScaled(dst, x, y []float32, w float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for j := range dst {
		dst[j] = (x[j] + y[j]) * w
	}
}

// scaled sets dst[j] = x[j]·w.
func scaled(dst, x []float32, w float32) {
	x = x[:len(dst)]
	for j := range dst {
		dst[j] = x[j] * w
	}
}
