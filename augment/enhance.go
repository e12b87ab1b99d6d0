package augment

import (
	"image"
	"image/draw"

	"github.com/disintegration/gift"
)

// blendLUT returns PIL's Image.blend(a, b, f) for every b and a fixed a,
// indexed [b]: a + f·(b - a) in float32, clipped and truncated to uint8
// (libImaging/Blend.c; f is a C float).
func blendRow(out, deg, in []uint8, f float32) {
	if f == 0 {
		copy(out, deg)
		return
	}
	if f == 1 {
		copy(out, in)
		return
	}
	if f >= 0 && f <= 1 {
		for i := range out {
			a := int32(deg[i])
			out[i] = uint8(float32(a) + float32(f*float32(int32(in[i])-a)))
		}
		return
	}
	for i := range out {
		a := int32(deg[i])
		t := float32(a) + float32(f*float32(int32(in[i])-a))
		switch {
		case t <= 0:
			out[i] = 0
		case t >= 255:
			out[i] = 255
		default:
			out[i] = uint8(t)
		}
	}
}

// blendConst is blendRow against a constant degenerate value d, through a
// table (the result depends only on the sample).
func blendConstLUT(lut *[256]uint8, d uint8, f float32) {
	var deg, in [256]uint8
	for i := range in {
		deg[i], in[i] = d, uint8(i)
	}
	blendRow(lut[:], deg[:], in[:], f)
}

// blendImages writes blend(deg, src, f) to dst; alpha stays 255.
func blendImages(dst, deg, src *image.RGBA, f float64) {
	w := 4 * src.Rect.Dx()
	for y := 0; y < src.Rect.Dy(); y++ {
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		blendRow(out, deg.Pix[y*deg.Stride:y*deg.Stride+w], src.Pix[y*src.Stride:y*src.Stride+w], float32(f))
		for i := 3; i < w; i += 4 {
			out[i] = 0xff
		}
	}
}

// Brightness is PIL's ImageEnhance.Brightness: blend(black, img, Factor).
// Factor 1 is the identity, 0 gives black. (gift's Brightness adds a
// percentage instead of scaling, so it is not used.)
type Brightness struct{ Factor float64 }

// Bounds returns the bounds of the result: the source's size.
func (Brightness) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o Brightness) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "brightness=FACTOR".
func (o Brightness) String() string { return "brightness=" + fmtArg(o.Factor) }

func (o Brightness) apply(dst, src *image.RGBA) {
	var lut [256]uint8
	blendConstLUT(&lut, 0, float32(o.Factor))
	applyLUT(dst, src, &lut)
}

// Contrast is PIL's ImageEnhance.Contrast: blend(m, img, Factor) where m is
// the mean of the image's L (luma) channel rounded to an integer. (gift's
// Contrast pivots at mid-grey 0.5 instead, so it is not used.)
type Contrast struct{ Factor float64 }

// Bounds returns the bounds of the result: the source's size.
func (Contrast) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o Contrast) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "contrast=FACTOR".
func (o Contrast) String() string { return "contrast=" + fmtArg(o.Factor) }

func (o Contrast) apply(dst, src *image.RGBA) {
	var lut [256]uint8
	blendConstLUT(&lut, meanLuma(src), float32(o.Factor))
	applyLUT(dst, src, &lut)
}

// meanLuma is int(mean of the L image + 0.5), as ImageEnhance.Contrast.
func meanLuma(m *image.RGBA) uint8 {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	if w == 0 || h == 0 {
		return 0
	}
	var sum int64
	for y := 0; y < h; y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for i := 0; i+3 < len(row); i += 4 {
			sum += int64(luma(row[i], row[i+1], row[i+2]))
		}
	}
	return uint8(float64(sum)/float64(w*h) + 0.5)
}

// Color is PIL's ImageEnhance.Color (saturation): blend(gray, img, Factor)
// where gray is the image converted to L and back to RGB.
type Color struct{ Factor float64 }

// Bounds returns the bounds of the result: the source's size.
func (Color) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o Color) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "color=FACTOR".
func (o Color) String() string { return "color=" + fmtArg(o.Factor) }

func (o Color) apply(dst, src *image.RGBA) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	f := float32(o.Factor)
	if f == 1 {
		copyRGBA(dst, src)
		return
	}
	// blend(l, x, f) depends on (l, x) only: one table row per luma level,
	// filled on first use.
	var table [256][256]uint8
	var filled [256]bool
	for y := 0; y < h; y++ {
		in := src.Pix[y*src.Stride : y*src.Stride+4*w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for i := 0; i+3 < len(in); i += 4 {
			p := in[i : i+3 : i+3]
			l := luma(p[0], p[1], p[2])
			t := &table[l]
			if !filled[l] {
				blendConstLUT(t, l, f)
				filled[l] = true
			}
			o := out[i : i+4 : i+4]
			o[0], o[1], o[2], o[3] = t[p[0]], t[p[1]], t[p[2]], 0xff
		}
	}
}

// Sharpness is PIL's ImageEnhance.Sharpness: blend(smooth, img, Factor)
// where smooth is ImageFilter.SMOOTH, the 3×3 kernel
// [[1,1,1],[1,5,1],[1,1,1]]/13 on the interior (float32, rounded half up),
// border pixels unchanged. Factor 1 is the identity, 0 blurs, 2 sharpens.
type Sharpness struct{ Factor float64 }

// Bounds returns the bounds of the result: the source's size.
func (Sharpness) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o Sharpness) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "sharpness=FACTOR".
func (o Sharpness) String() string { return "sharpness=" + fmtArg(o.Factor) }

func (o Sharpness) apply(dst, src *image.RGBA) {
	if o.Factor == 1 {
		copyRGBA(dst, src)
		return
	}
	smooth(dst, src)
	blendImages(dst, dst, src, o.Factor)
}

// smooth writes PIL's ImageFilter.SMOOTH of src to dst (ImagingFilter3x3:
// weights float32 1/13 and 5/13, the sum starts at 0.5 and is truncated;
// border pixels copied; images under 3 pixels in either direction copied).
// With S the integer sum (8 neighbours + 5·centre) that is trunc(S/13 + 0.5)
// = (2S + 13) / 26 in integers: S/13 + 0.5 is never closer than 1/26 to an
// integer, far beyond float32's error, so the two agree exactly
// (TestSmoothMatchesFloat checks every sample of noise).
func smooth(dst, src *image.RGBA) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	copyRGBA(dst, src)
	if w < 3 || h < 3 {
		return
	}
	for y := 1; y < h-1; y++ {
		up := src.Pix[(y-1)*src.Stride : (y-1)*src.Stride+4*w]
		mid := src.Pix[y*src.Stride : y*src.Stride+4*w][:len(up)]
		down := src.Pix[(y+1)*src.Stride : (y+1)*src.Stride+4*w][:len(up)]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w][:len(up)]
		for c := 4; c < len(up)-4; c++ {
			if c&3 == 3 {
				continue
			}
			s := int32(up[c-4]) + int32(up[c]) + int32(up[c+4]) +
				int32(mid[c-4]) + 5*int32(mid[c]) + int32(mid[c+4]) +
				int32(down[c-4]) + int32(down[c]) + int32(down[c+4])
			out[c] = uint8((2*s + 13) / 26)
		}
	}
}

// clip8f is PIL's clip8 for float sums: 0 below, 255 above, else truncate.
func clip8f(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v)
}
