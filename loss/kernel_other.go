//go:build !amd64 || purego

package loss

// useAVX2 is false where there are no assembly kernels.
const useAVX2 = false

// dots sets dst[j] = a·b[j*d : j*d+d] for j < len(dst), with len(a) == d.
func dots(dst, a, b []float32, d int) { dotsGo(dst, a, b, d) }

// axpys adds sum_j h[j]·x[j*d : j*d+d] to y[:d], in j order.
func axpys(y, h, x []float32, d int) { axpysGo(y, h, x, d) }

// expAffine sets dst[j] = exp(min((src[j]·scale - shift) - shiftLo, 0)).
func expAffine(dst, src []float32, scale, shift, shiftLo float32) {
	for j := range dst {
		dst[j] = expArg(src[j], scale, shift, shiftLo)
	}
}

// expAffineVec sets dst[j] = exp(min((src[j]·scale - shift[j]) - shiftLo[j], 0)).
func expAffineVec(dst, src, shift, shiftLo []float32, scale float32) {
	for j := range dst {
		dst[j] = expArg(src[j], scale, shift[j], shiftLo[j])
	}
}

// maxOf returns the largest element of s, -Inf for none.
func maxOf(s []float32) float32 { return maxGo(s) }

// sum64 returns the sum of s in float64, in a fixed order.
func sum64(s []float32) float64 { return sum64Go(s) }
