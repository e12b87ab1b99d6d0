package augment

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// brightnessHSV adds c to the V of HSV (skimage's rgb2hsv and hsv2rgb, in
// float64 as they compute), clipped to [0, 1].
func brightnessHSV(dst, src *image.RGBA, t corruptTable, sev int, _ *rand.Rand) {
	c := pick(t, [5]float64{.1, .2, .3, .4, .5}, [5]float64{.05, .1, .15, .2, .3}, sev)
	f := toFloat(src)
	for i := 0; i+2 < len(f.p); i += 3 {
		h, s, v := rgb2hsv(f.p[i], f.p[i+1], f.p[i+2])
		f.p[i], f.p[i+1], f.p[i+2] = hsv2rgb(h, s, clip01(v+c))
	}
	f.store(dst)
}

// rgb2hsv is skimage.color.rgb2hsv for one pixel, operation for operation
// (the later of red, green, blue wins a tie for the maximum).
func rgb2hsv(r, g, b float64) (h, s, v float64) {
	v = max(r, g, b)
	delta := v - min(r, g, b)
	if delta == 0 {
		return 0, 0, v
	}
	s = delta / v
	switch {
	case b == v:
		h = 4 + (r-g)/delta
	case g == v:
		h = 2 + (b-r)/delta
	default:
		h = (g - b) / delta
	}
	return pyMod1(h / 6), s, v
}

// pyMod1 is Python's x % 1.0 (the result takes the divisor's sign).
func pyMod1(x float64) float64 {
	m := math.Mod(x, 1)
	if m != 0 && m < 0 {
		m++
	}
	return m
}

// hsv2rgb is skimage.color.hsv2rgb for one pixel.
func hsv2rgb(h, s, v float64) (r, g, b float64) {
	hi := math.Floor(h * 6)
	f := h*6 - hi
	p := v * (1 - s)
	q := v * (1 - f*s)
	t := v * (1 - (1-f)*s)
	switch int(uint8(hi)) % 6 {
	case 0:
		return v, t, p
	case 1:
		return q, v, p
	case 2:
		return p, v, t
	case 3:
		return p, q, v
	case 4:
		return t, p, v
	}
	return v, p, q
}

// contrastMean scales every sample's distance to its channel's mean by c:
// (x - mean)·c + mean.
func contrastMean(dst, src *image.RGBA, t corruptTable, sev int, _ *rand.Rand) {
	c := pick(t, [5]float64{.4, .3, .2, .1, .05}, [5]float64{.75, .5, .4, .3, .15}, sev)
	f := toFloat(src)
	var mean [3]float64
	for i, v := range f.p {
		mean[i%3] += v
	}
	n := float64(f.w * f.h)
	for ch := range mean {
		mean[ch] /= n
	}
	for i, v := range f.p {
		m := mean[i%3]
		f.p[i] = (v-m)*c + m
	}
	f.store(dst)
}

// pixelate is PIL's resize to c·size with the BOX filter and back.
func pixelate(dst, src *image.RGBA, t corruptTable, sev int, _ *rand.Rand) {
	c := pick(t, [5]float64{.6, .5, .4, .3, .25}, [5]float64{.95, .9, .85, .75, .65}, sev)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	small := getScratch(max(int(float64(w)*c), 1), max(int(float64(h)*c), 1))
	defer putScratch(small)
	resizePIL(small, src, box)
	resizePIL(dst, small, box)
}

// jpegCompression is a JPEG round trip at quality q as PIL (libjpeg) makes
// it: libjpeg's RGB to YCbCr and 2×2 chroma averaging (jccolor.c,
// jcsample.c), Go's encoder for the rest (its forward DCT is libjpeg's
// islow, its quantisation tables libjpeg's scaled by quality), Go's
// decoder, then libjpeg's fancy (triangular) chroma upsampling and YCbCr
// to RGB (jdsample.c, jdcolor.c). Only the inverse DCT is not libjpeg's.
func jpegCompression(dst, src *image.RGBA, t corruptTable, sev int, _ *rand.Rand) {
	jpegRoundTrip(dst, src, pick(t, [5]int{25, 18, 15, 10, 7}, [5]int{80, 65, 58, 50, 40}, sev))
}

// jpegRoundTrip writes src encoded and decoded at quality q to dst.
func jpegRoundTrip(dst, src *image.RGBA, q int) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, libjpegYCbCr(src), &jpeg.Options{Quality: q}); err != nil {
		panic("augment: jpeg_compression: encoding to memory: " + err.Error())
	}
	m, err := jpeg.Decode(&buf)
	if err != nil {
		panic("augment: jpeg_compression: decoding its own encoding: " + err.Error())
	}
	ycc, ok := m.(*image.YCbCr)
	if !ok || ycc.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		convertInto(dst, m, m.Bounds())
		return
	}
	libjpegRGB(dst, ycc)
}

// jfix is libjpeg's FIX: x in 16-bit fixed point, rounded.
func jfix(x float64) int32 { return int32(x*(1<<16) + 0.5) }

// libjpegYCbCr converts src to 4:2:0 YCbCr as libjpeg does: rgb_ycc_convert
// (Cb and Cr rounded with 0.5-ε) then h2v2_downsample (the sum of each
// 2×2 block plus a bias alternating 1, 2 along the row, over 4; edges
// replicated).
func libjpegYCbCr(src *image.RGBA) *image.YCbCr {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	const half, offset = 1 << 15, 128 << 16
	cb := make([]int32, w*h)
	cr := make([]int32, w*h)
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride:]
		for x := 0; x < w; x++ {
			r, g, b := int32(row[4*x]), int32(row[4*x+1]), int32(row[4*x+2])
			m.Y[y*m.YStride+x] = uint8((jfix(.299)*r + jfix(.587)*g + jfix(.114)*b + half) >> 16)
			cb[y*w+x] = (-jfix(.16874)*r - jfix(.33126)*g + jfix(.5)*b + offset + half - 1) >> 16
			cr[y*w+x] = (jfix(.5)*r - jfix(.41869)*g - jfix(.08131)*b + offset + half - 1) >> 16
		}
	}
	cw, chh := (w+1)/2, (h+1)/2
	for y := 0; y < chh; y++ {
		y0, y1 := 2*y, min(2*y+1, h-1)
		bias := int32(1)
		for x := 0; x < cw; x++ {
			x0, x1 := 2*x, min(2*x+1, w-1)
			i := y*m.CStride + x
			m.Cb[i] = uint8((cb[y0*w+x0] + cb[y0*w+x1] + cb[y1*w+x0] + cb[y1*w+x1] + bias) >> 2)
			m.Cr[i] = uint8((cr[y0*w+x0] + cr[y0*w+x1] + cr[y1*w+x0] + cr[y1*w+x1] + bias) >> 2)
			bias ^= 3
		}
	}
	return m
}

// libjpegRGB writes a 4:2:0 image to dst as libjpeg decodes it:
// h2v2_fancy_upsample (each output sample 3/4 of the nearer chroma sample
// and 1/4 of the next, in both directions, edges replicated), then
// ycc_rgb_convert's fixed-point tables.
func libjpegRGB(dst *image.RGBA, m *image.YCbCr) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, chh := (w+1)/2, (h+1)/2
	cb := fancyUpsample(m.Cb, m.CStride, cw, chh, w, h)
	cr := fancyUpsample(m.Cr, m.CStride, cw, chh, w, h)
	const half = 1 << 15
	for y := 0; y < h; y++ {
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			yy := int32(m.Y[y*m.YStride+x])
			b, r := int32(cb[y*w+x])-128, int32(cr[y*w+x])-128
			out[4*x] = clamp8(yy + (jfix(1.402)*r+half)>>16)
			out[4*x+1] = clamp8(yy + (-jfix(.34414)*b+half-jfix(.71414)*r)>>16)
			out[4*x+2] = clamp8(yy + (jfix(1.772)*b+half)>>16)
			out[4*x+3] = 0xff
		}
	}
}

// clamp8 is libjpeg's range_limit.
func clamp8(v int32) uint8 { return uint8(min(max(v, 0), 255)) }

// fancyUpsample is libjpeg's h2v2_fancy_upsample of a cw×ch plane to w×h.
func fancyUpsample(p []uint8, stride, cw, ch, w, h int) []uint8 {
	out := make([]uint8, 2*cw*2*ch)
	ow := 2 * cw
	for y := 0; y < ch; y++ {
		for v := 0; v < 2; v++ {
			near := p[y*stride:]
			far := p[clampIndex(y-1+2*v, ch)*stride:]
			o := out[(2*y+v)*ow:]
			sum := func(x int) int32 { return 3*int32(near[x]) + int32(far[x]) }
			if cw == 1 {
				t := sum(0)
				o[0], o[1] = uint8((t*4+8)>>4), uint8((t*4+7)>>4)
				continue
			}
			this, next := sum(0), sum(1)
			o[0], o[1] = uint8((this*4+8)>>4), uint8((this*3+next+7)>>4)
			last := this
			this = next
			for x := 1; x < cw-1; x++ {
				next = sum(x + 1)
				o[2*x], o[2*x+1] = uint8((this*3+last+8)>>4), uint8((this*3+next+7)>>4)
				last, this = this, next
			}
			o[2*cw-2], o[2*cw-1] = uint8((this*3+last+8)>>4), uint8((this*4+7)>>4)
		}
	}
	if ow == w && 2*ch == h {
		return out
	}
	crop := make([]uint8, w*h)
	for y := 0; y < h; y++ {
		copy(crop[y*w:y*w+w], out[y*ow:])
	}
	return crop
}
