package augment

import (
	"fmt"
	"image"
	"image/draw"
	"math"

	"github.com/disintegration/gift"
)

// Interpolation selects the resampling filter of a resize.
type Interpolation int

const (
	// Bilinear is PIL's BILINEAR (triangle filter widened by the
	// downscale factor), what SupCon and torchvision's RandomResizedCrop use.
	Bilinear Interpolation = iota
	// Bicubic is PIL's BICUBIC (a = -0.5), what SimCLR's crop uses.
	Bicubic
)

// String returns "bilinear" or "bicubic".
func (i Interpolation) String() string {
	if i == Bicubic {
		return "bicubic"
	}
	return "bilinear"
}

// box is PIL's BOX filter (each output pixel the mean of the input pixels
// it covers), used only by the pixelate corruption: not an Options value.
const box Interpolation = -1

func (i Interpolation) filter() (func(float64) float64, float64) {
	switch i {
	case Bicubic:
		return bicubicFilter, 2
	case box:
		return boxFilter, 0.5
	}
	return bilinearFilter, 1
}

// boxFilter is Resample.c's box_filter.
func boxFilter(x float64) float64 {
	if x > -0.5 && x <= 0.5 {
		return 1
	}
	return 0
}

func bilinearFilter(x float64) float64 {
	x = math.Abs(x)
	if x < 1 {
		return 1 - x
	}
	return 0
}

func bicubicFilter(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	if x < 1 {
		return ((a+2)*x-(a+3))*x*x + 1
	}
	if x < 2 {
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

// precisionBits is Resample.c's PRECISION_BITS for 8-bit images.
const precisionBits = 32 - 8 - 2

// coeffs are one pass's fixed-point weights (Resample.c precompute_coeffs
// followed by normalize_coeffs_8bpc): output i reads n[i] input samples
// from first[i] with weights k[i*ksize:].
type coeffs struct {
	first, n []int
	k        []int32
	ksize    int
}

func precompute(inSize, outSize int, interp Interpolation) coeffs {
	filter, support := interp.filter()
	scale := float64(inSize) / float64(outSize)
	filterscale := max(scale, 1)
	support *= filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := coeffs{first: make([]int, outSize), n: make([]int, outSize), k: make([]int32, outSize*ksize), ksize: ksize}
	w := make([]float64, ksize)
	for xx := 0; xx < outSize; xx++ {
		center := (float64(xx) + 0.5) * scale
		ss := 1 / filterscale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize) - xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w[x] = filter((float64(x+xmin) - center + 0.5) * ss)
			ww += w[x]
		}
		for x := 0; x < xmax; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				c.k[xx*ksize+x] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				c.k[xx*ksize+x] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		c.first[xx], c.n[xx] = xmin, max(xmax, 0)
	}
	return c
}

// clip8fixed is Resample.c's clip8: shift out the fraction and clamp.
func clip8fixed(v int32) uint8 {
	v >>= precisionBits
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// resize writes src resized to dst's size: resizeFast for Bilinear,
// resizePIL for Bicubic.
func resize(dst, src *image.RGBA, interp Interpolation) {
	resizeRegion(dst, src, src.Rect, interp, false)
}

// resizeRegion writes the rectangle r of img resized to dst's size,
// mirrored left to right when mirror is set.
func resizeRegion(dst *image.RGBA, img image.Image, r image.Rectangle, interp Interpolation, mirror bool) {
	if interp == Bilinear {
		resizeFast(dst, img, r, mirror)
		return
	}
	resizePIL(dst, toRGBA(img, r), interp)
	if mirror {
		flipInPlace(dst)
	}
}

// resizePIL writes src resized to dst's size with PIL's two-pass
// resampling exactly (Image.resize with reducing_gap None, 22-bit weights):
// horizontal pass over the rows the vertical pass needs, then vertical pass.
// A pass whose size does not change is skipped, as PIL does.
func resizePIL(dst, src *image.RGBA, interp Interpolation) {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	if sw == dw && sh == dh {
		copyRGBA(dst, src)
		return
	}
	tmp, row0 := src, 0
	cv := coeffs{}
	if sh != dh {
		cv = precompute(sh, dh, interp)
	}
	if sw != dw {
		ch := precompute(sw, dw, interp)
		first, last := 0, sh
		if sh != dh {
			first = cv.first[0]
			last = cv.first[dh-1] + cv.n[dh-1]
		}
		tmp = getScratch(dw, last-first)
		defer putScratch(tmp)
		resizeH(tmp, src, first, ch)
		row0 = first
	}
	if sh == dh {
		copyRGBA(dst, tmp)
		return
	}
	resizeV(dst, tmp, row0, cv)
}

// resizeH resamples rows first.. of src horizontally into the rows of dst.
// The loops are written so that the compiler drops their bounds checks.
func resizeH(dst, src *image.RGBA, first int, c coeffs) {
	dw := dst.Rect.Dx()
	const half = 1 << (precisionBits - 1)
	for y := 0; y < dst.Rect.Dy(); y++ {
		in := src.Pix[(first+y)*src.Stride:]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
		for xx := 0; xx+3 < len(out); xx += 4 {
			i := xx / 4
			k := c.k[i*c.ksize : i*c.ksize+c.n[i]]
			p := in[4*c.first[i]:]
			r, g, b := int32(half), int32(half), int32(half)
			for _, kx := range k {
				if len(p) < 4 {
					break
				}
				r += int32(p[0]) * kx
				g += int32(p[1]) * kx
				b += int32(p[2]) * kx
				p = p[4:]
			}
			o := out[xx : xx+4 : xx+4]
			o[0], o[1], o[2], o[3] = clip8fixed(r), clip8fixed(g), clip8fixed(b), 0xff
		}
	}
}

// resizeV resamples src vertically into dst; row y of src is input row
// y+row0 of the coefficients. It accumulates whole rows, two taps at a time.
func resizeV(dst, src *image.RGBA, row0 int, c coeffs) {
	w4 := 4 * dst.Rect.Dx()
	const half = 1 << (precisionBits - 1)
	acc := make([]int32, w4)
	for yy := 0; yy < dst.Rect.Dy(); yy++ {
		for i := range acc {
			acc[i] = half
		}
		k := c.k[yy*c.ksize : yy*c.ksize+c.n[yy]]
		base := c.first[yy] - row0
		t := 0
		for ; t+1 < len(k); t += 2 {
			k0, k1 := k[t], k[t+1]
			in0 := src.Pix[(base+t)*src.Stride:][:w4]
			in1 := src.Pix[(base+t+1)*src.Stride:][:w4]
			a := acc[:w4]
			for i := range a {
				a[i] += int32(in0[i])*k0 + int32(in1[i])*k1
			}
		}
		if t < len(k) {
			k0 := k[t]
			in0 := src.Pix[(base+t)*src.Stride:][:w4]
			a := acc[:w4]
			for i := range a {
				a[i] += int32(in0[i]) * k0
			}
		}
		out := dst.Pix[yy*dst.Stride : yy*dst.Stride+w4]
		a := acc[:w4]
		for i := 0; i+3 < len(out); i += 4 {
			out[i], out[i+1], out[i+2], out[i+3] = clip8fixed(a[i]), clip8fixed(a[i+1]), clip8fixed(a[i+2]), 0xff
		}
	}
}

// ResizedCrop crops Rect out of the image and resizes it to Width×Height:
// PIL's img.crop(Rect).resize((Width, Height), BILINEAR or BICUBIC), what
// torchvision's resized_crop does. Crop first matters: the filter never
// reads pixels outside Rect. Bicubic is PIL's computation exactly; bilinear
// uses PIL's weights at 13-bit precision (see resize_fast.go) and can
// differ from PIL by one level. (gift's Resize filters in 16-bit floats
// with its own weights, so it is not used.)
type ResizedCrop struct {
	Rect          image.Rectangle // in the source's coordinates
	Width, Height int
	Interpolation Interpolation
}

// Bounds returns (0, 0, Width, Height).
func (o ResizedCrop) Bounds(image.Rectangle) image.Rectangle {
	return image.Rect(0, 0, o.Width, o.Height)
}

// Draw writes the resized crop of src to dst.
func (o ResizedCrop) Draw(dst draw.Image, src image.Image, _ *gift.Options) {
	r := o.Rect.Intersect(src.Bounds())
	out := newRGBA(o.Width, o.Height)
	if !r.Empty() {
		resizeRegion(out, src, r, o.Interpolation, false)
	}
	store(dst, out)
}

// String returns "crop=x0:y0:x1:y1:WxH".
func (o ResizedCrop) String() string {
	return fmt.Sprintf("crop=%d:%d:%d:%d:%dx%d", o.Rect.Min.X, o.Rect.Min.Y, o.Rect.Max.X, o.Rect.Max.Y, o.Width, o.Height)
}

// FlipH mirrors the image left to right (PIL's FLIP_LEFT_RIGHT; gift's
// FlipHorizontal does the same in 16 bits).
type FlipH struct{}

// Bounds returns the bounds of the result: the source's size.
func (FlipH) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the mirrored src to dst.
func (o FlipH) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "flip".
func (FlipH) String() string { return "flip" }

func (FlipH) apply(dst, src *image.RGBA) {
	w := src.Rect.Dx()
	for y := 0; y < src.Rect.Dy(); y++ {
		in := src.Pix[y*src.Stride : y*src.Stride+4*w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := 0; x < w; x++ {
			copy(out[4*x:4*x+4], in[4*(w-1-x):4*(w-x)])
		}
	}
}
