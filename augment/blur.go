package augment

import (
	"fmt"
	"image"
	"image/draw"
	"math"

	"github.com/disintegration/gift"
)

// GaussianBlur is SimCLR's gaussian_blur: a separable kernel of 2·r+1 taps,
// exp(-x²/(2σ²)) normalised, applied horizontally then vertically with zero
// padding ('SAME'). SimCLR computes in float; this computes with 13-bit
// fixed-point weights and rounds to 8 bits after each pass (up to one level
// off). r is
// Kernel/2; Kernel 0 means the SimCLR size, height/10. (gift's GaussianBlur
// sizes its kernel from sigma and repeats the border pixels instead of
// padding with zeros, so it is not used.)
type GaussianBlur struct {
	Sigma  float64
	Kernel int
}

// Bounds returns the bounds of the result: the source's size.
func (GaussianBlur) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the blurred src to dst.
func (o GaussianBlur) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "blur=SIGMA" (with ":KERNEL" when it is set).
func (o GaussianBlur) String() string {
	if o.Kernel > 0 {
		return fmt.Sprintf("blur=%s:%d", fmtArg(o.Sigma), o.Kernel)
	}
	return "blur=" + fmtArg(o.Sigma)
}

// taps returns the normalised kernel for an image of height h.
func (o GaussianBlur) taps(h int) []float32 {
	k := o.Kernel
	if k <= 0 {
		k = h / 10
	}
	r := k / 2
	w := make([]float32, 2*r+1)
	var sum float32
	s2 := float32(2 * o.Sigma * o.Sigma)
	for i := range w {
		x := float32(i - r)
		w[i] = float32(math.Exp(float64(-x * x / s2)))
		sum += w[i]
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

// weights13 returns taps quantised to 13 bits summing to exactly 2^13.
func weights13(k []float32) []uint64 {
	w := make([]uint64, len(k))
	sum, big := uint64(0), 0
	for i, v := range k {
		w[i] = uint64(math.Round(float64(v) * fastOne))
		sum += w[i]
		if w[i] > w[big] {
			big = i
		}
	}
	w[big] += fastOne - sum
	return w
}

// apply runs both passes on packed pixels (see resize_fast.go) with the
// weights at 13-bit precision, rounding to 8 bits between the passes: a
// sample can differ by one level from SimCLR's float computation.
func (o GaussianBlur) apply(dst, src *image.RGBA) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	k := o.taps(h)
	r := len(k) / 2
	if r == 0 || o.Sigma <= 0 {
		copyRGBA(dst, src)
		return
	}
	kw := weights13(k)
	packed := getWords(w * h)
	defer putWords(packed)
	row := getWords(w)
	defer putWords(row)
	packRow := packerFor(src, src.Rect)
	// horizontal pass, zero padding: taps outside the row are skipped.
	for y := 0; y < h; y++ {
		packRow(row, y)
		out := packed[y*w : (y+1)*w]
		for x := range out {
			lo, hi := max(x-r, 0), min(x+r, w-1)
			kk := kw[lo-x+r : hi-x+r+1]
			p := row[lo : lo+len(kk)]
			acc := uint64(fastRound)
			for i, kv := range kk {
				acc += p[i] * kv
			}
			out[x] = (acc >> fastBits) & lanes8
		}
	}
	// vertical pass.
	acc := getWords(w)
	defer putWords(acc)
	for y := 0; y < h; y++ {
		for i := range acc {
			acc[i] = fastRound
		}
		for t := max(-r, -y); t <= r && y+t < h; t++ {
			kv := kw[t+r]
			in := packed[(y+t)*w : (y+t+1)*w]
			a := acc[:len(in)]
			for i, v := range in {
				a[i] += v * kv
			}
		}
		for i, v := range acc {
			acc[i] = (v >> fastBits) & lanes8
		}
		fromPacked(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], acc)
	}
}

// roundClip rounds half up and clamps to 0..255.
func roundClip(v float32) uint8 {
	v += 0.5
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v)
}
