package loss

import (
	"math"

	"github.com/supcon/supcon/internal/fma32"
)

// The kernels below run the assembly of kernel_amd64.s on the largest block
// its loops take when useAVX2 is set, the Go twins of kernel_go.go (same
// bits) on that block otherwise, and plain Go on the rest; so the results
// have the same bits on every CPU and build.

// maxOf returns the largest element of s (finite), -Inf for none.
func maxOf(s []float32) float32 {
	mx := float32(math.Inf(-1))
	n32 := len(s) &^ 31
	if n32 > 0 {
		if useAVX2 {
			mx = maxAVX(&s[0], n32)
		} else {
			mx = max32Go(s[:n32])
		}
	}
	return max(mx, maxGo(s[n32:]))
}

// sum64 returns the sum of s in float64, in a fixed order.
func sum64(s []float32) float64 {
	sum := 0.0
	n16 := len(s) &^ 15
	if n16 > 0 {
		if useAVX2 {
			sum = sum64AVX(&s[0], n16)
		} else {
			sum = sum64x16Go(s[:n16])
		}
	}
	return sum + sum64Go(s[n16:])
}

// dots sets dst[j] = a·b[j*d : j*d+d] for j < len(dst), with len(a) == d.
func dots(dst, a, b []float32, d int) {
	rows := len(dst)
	if d < 16 || rows < 4 {
		dotsGo(dst, a, b, d)
		return
	}
	n16, r4 := d&^15, rows&^3
	_ = b[rows*d-1]
	if useAVX2 {
		dots4AVX(&a[0], &b[0], n16, r4, d, &dst[0])
	} else {
		dots16Go(dst[:r4], a[:n16], b, d)
	}
	if n16 < d {
		for j := range r4 {
			dst[j] += dotGo(a[n16:d], b[j*d+n16:j*d+d])
		}
	}
	if r4 < rows {
		dotsGo(dst[r4:], a, b[r4*d:], d)
	}
}

// axpys adds sum_j h[j]·x[j*d : j*d+d] to y[:d], in j order.
func axpys(y, h, x []float32, d int) {
	rows := len(h)
	if d < 8 || rows == 0 {
		axpysGo(y, h, x, d)
		return
	}
	_ = x[rows*d-1]
	_ = y[d-1]
	n8 := d &^ 7
	if useAVX2 {
		axpysAVX(&y[0], &h[0], &x[0], n8, rows, d)
	} else {
		axpys8Go(y[:n8], h, x, d)
	}
	if n8 < d {
		for j, hj := range h {
			row := x[j*d+n8 : j*d+d]
			for k, v := range row {
				y[n8+k] += float32(hj * v)
			}
		}
	}
}

// expAffine sets dst[j] = exp(min((src[j]·scale - shift) - shiftLo, 0)) in
// float32; shift + shiftLo is a float64 shift carried in two float32s. The
// arguments of the losses are never positive but for rounding: the clamp keeps
// every probability at most 1 even when rounding is large.
func expAffine(dst, src []float32, scale, shift, shiftLo float32) {
	n := len(dst)
	if n == 0 {
		return
	}
	_ = src[n-1]
	n8 := n &^ 7
	if n8 > 0 {
		if useAVX2 {
			expScalarAVX(&dst[0], &src[0], n8, scale, shift, shiftLo)
		} else {
			for j := range n8 {
				dst[j] = exp8Go(fma32.FMA(src[j], scale, -shift) - shiftLo)
			}
		}
	}
	for j := n8; j < n; j++ {
		dst[j] = expArg(src[j], scale, shift, shiftLo)
	}
}

// expAffineVec sets dst[j] = exp(min((src[j]·scale - shift[j]) - shiftLo[j], 0)).
func expAffineVec(dst, src, shift, shiftLo []float32, scale float32) {
	n := len(dst)
	if n == 0 {
		return
	}
	_, _, _ = src[n-1], shift[n-1], shiftLo[n-1]
	n8 := n &^ 7
	if n8 > 0 {
		if useAVX2 {
			expVectorAVX(&dst[0], &src[0], &shift[0], &shiftLo[0], n8, scale)
		} else {
			for j := range n8 {
				dst[j] = exp8Go(fma32.FMA(src[j], scale, -shift[j]) - shiftLo[j])
			}
		}
	}
	for j := n8; j < n; j++ {
		dst[j] = expArg(src[j], scale, shift[j], shiftLo[j])
	}
}
