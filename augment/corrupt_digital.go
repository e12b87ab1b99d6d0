package augment

import (
	"image"
	"math"
	"math/bits"
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

// jpegCompression is a JPEG round trip at quality q as PIL makes it with
// libjpeg(-turbo): baseline, 4:2:0 chroma, the standard tables scaled by
// quality (see jpegRoundTrip).
func jpegCompression(dst, src *image.RGBA, t corruptTable, sev int, _ *rand.Rand) {
	jpegRoundTrip(dst, src, pick(t, [5]int{25, 18, 15, 10, 7}, [5]int{80, 65, 58, 50, 40}, sev))
}

// jpegRoundTrip writes src encoded and decoded at quality q to dst, step by
// step as libjpeg-turbo computes it: RGB to YCbCr and 2×2 chroma averaging
// (jccolor.c, jcsample.c), per 8×8 block the integer forward DCT
// (jfdctint.c), quantisation by reciprocal multiplication (jcdctmgr.c),
// dequantisation and the integer inverse DCT (jidctint.c), then fancy
// chroma upsampling and YCbCr to RGB (jdsample.c, jdcolor.c). The entropy
// coding in between is lossless, so it is skipped. Partial blocks at the
// right and bottom (sides that are not multiples of 16) are padded by
// repeating each plane's last row and column.
func jpegRoundTrip(dst, src *image.RGBA, q int) {
	m := libjpegYCbCr(src)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	luma, chroma := jpegTables(q)
	jpegPlane(m.Y, m.YStride, w, h, &luma)
	jpegPlane(m.Cb, m.CStride, (w+1)/2, (h+1)/2, &chroma)
	jpegPlane(m.Cr, m.CStride, (w+1)/2, (h+1)/2, &chroma)
	libjpegRGB(dst, m)
}

// jpegLuma and jpegChroma are the JPEG standard's (Annex K) quantisation
// tables in natural order, libjpeg's std_luminance_quant_tbl and
// std_chrominance_quant_tbl.
var (
	jpegLuma = [64]int32{
		16, 11, 10, 16, 24, 40, 51, 61,
		12, 12, 14, 19, 26, 58, 60, 55,
		14, 13, 16, 24, 40, 57, 69, 56,
		14, 17, 22, 29, 51, 87, 80, 62,
		18, 22, 37, 56, 68, 109, 103, 77,
		24, 35, 55, 64, 81, 104, 113, 92,
		49, 64, 78, 87, 103, 121, 120, 101,
		72, 92, 95, 98, 112, 100, 103, 99}
	jpegChroma = [64]int32{
		17, 18, 24, 47, 99, 99, 99, 99,
		18, 21, 26, 66, 99, 99, 99, 99,
		24, 26, 56, 99, 99, 99, 99, 99,
		47, 66, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99}
)

// jpegQuant is one component's quantisation: the table and libjpeg-turbo's
// reciprocals of its divisors (8·table, the forward DCT's scale).
type jpegQuant struct {
	q                  [64]int32
	recip, corr, shift [64]uint32
}

// jpegTables returns the luma and chroma quantisation at quality q:
// jpeg_quality_scaling (5000/q below 50, 200 - 2q from 50) and
// jpeg_add_quant_table with force_baseline ((t·scale + 50)/100 in 1..255).
func jpegTables(q int) (luma, chroma jpegQuant) {
	q = min(max(q, 1), 100)
	scale := int32(200 - 2*q)
	if q < 50 {
		scale = int32(5000 / q)
	}
	for i := range 64 {
		luma.q[i] = min(max((jpegLuma[i]*scale+50)/100, 1), 255)
		chroma.q[i] = min(max((jpegChroma[i]*scale+50)/100, 1), 255)
	}
	luma.reciprocals()
	chroma.reciprocals()
	return luma, chroma
}

// reciprocals is libjpeg-turbo's compute_reciprocal for 16-bit DCT
// elements: x/d rounded becomes ((x + corr)·recip) >> shift.
func (t *jpegQuant) reciprocals() {
	for i, v := range t.q {
		d := uint32(v) * 8
		if d == 1 {
			t.recip[i], t.corr[i], t.shift[i] = 1, 0, 0
			continue
		}
		r := uint32(16 + bits.Len32(d) - 1)
		fq, fr := (uint32(1)<<r)/d, (uint32(1)<<r)%d
		c := d / 2
		switch {
		case fr == 0:
			fq >>= 1
			r--
		case fr <= d/2:
			c++
		default:
			fq++
		}
		t.recip[i], t.corr[i], t.shift[i] = fq, c, r
	}
}

// quantize is libjpeg-turbo's quantize for one coefficient.
func (t *jpegQuant) quantize(i int, x int32) int32 {
	if x < 0 {
		return -int32((uint32(-x) + t.corr[i]) * t.recip[i] >> t.shift[i])
	}
	return int32((uint32(x) + t.corr[i]) * t.recip[i] >> t.shift[i])
}

// jpegPlane replaces the w×h plane p (row stride stride) by its JPEG
// round trip with quantisation t, block by block.
func jpegPlane(p []uint8, stride, w, h int, t *jpegQuant) {
	var blk [64]int32
	for by := 0; by < h; by += 8 {
		for bx := 0; bx < w; bx += 8 {
			for y := range 8 {
				row := p[min(by+y, h-1)*stride:]
				for x := range 8 {
					blk[8*y+x] = int32(row[min(bx+x, w-1)]) - 128
				}
			}
			fdctIslow(&blk)
			for i, v := range blk {
				blk[i] = t.quantize(i, v) * t.q[i]
			}
			idctIslow(&blk)
			for y := 0; y < 8 && by+y < h; y++ {
				row := p[(by+y)*stride:]
				for x := 0; x < 8 && bx+x < w; x++ {
					row[bx+x] = clamp8(blk[8*y+x] + 128)
				}
			}
		}
	}
}

// The integer DCT constants of jfdctint.c and jidctint.c: FIX(x) with 13
// fraction bits.
const (
	dctConstBits = 13
	dctPass1Bits = 2
	fix0298      = 2446  // FIX(0.298631336)
	fix0390      = 3196  // FIX(0.390180644)
	fix0541      = 4433  // FIX(0.541196100)
	fix0765      = 6270  // FIX(0.765366865)
	fix0899      = 7373  // FIX(0.899976223)
	fix1175      = 9633  // FIX(1.175875602)
	fix1501      = 12299 // FIX(1.501321110)
	fix1847      = 15137 // FIX(1.847759065)
	fix1961      = 16069 // FIX(1.961570560)
	fix2053      = 16819 // FIX(2.053119869)
	fix2562      = 20995 // FIX(2.562915447)
	fix3072      = 25172 // FIX(3.072711026)
)

// descale is libjpeg's DESCALE: x / 2ⁿ rounded half up.
func descale(x int32, n uint) int32 { return (x + 1<<(n-1)) >> n }

// fdctIslow is libjpeg's jpeg_fdct_islow (Loeffler, Ligtenberg and
// Moschytz) on level-shifted samples, in place; the output is 8 times the
// true DCT.
func fdctIslow(b *[64]int32) {
	for pass := range 2 {
		for i := range 8 {
			o, st := 8*i, 1 // a row; in the second pass a column
			if pass == 1 {
				o, st = i, 8
			}
			d0, d1, d2, d3, d4, d5, d6, d7 := b[o], b[o+1*st], b[o+2*st], b[o+3*st], b[o+4*st], b[o+5*st], b[o+6*st], b[o+7*st]
			tmp0, tmp7 := d0+d7, d0-d7
			tmp1, tmp6 := d1+d6, d1-d6
			tmp2, tmp5 := d2+d5, d2-d5
			tmp3, tmp4 := d3+d4, d3-d4
			tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
			tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
			z1 := (tmp12 + tmp13) * fix0541
			var shift uint = dctConstBits - dctPass1Bits
			if pass == 0 {
				b[o] = (tmp10 + tmp11) << dctPass1Bits
				b[o+4*st] = (tmp10 - tmp11) << dctPass1Bits
			} else {
				shift = dctConstBits + dctPass1Bits
				b[o] = descale(tmp10+tmp11, dctPass1Bits)
				b[o+4*st] = descale(tmp10-tmp11, dctPass1Bits)
			}
			b[o+2*st] = descale(z1+tmp13*fix0765, shift)
			b[o+6*st] = descale(z1-tmp12*fix1847, shift)
			z1, z2, z3, z4 := tmp4+tmp7, tmp5+tmp6, tmp4+tmp6, tmp5+tmp7
			z5 := (z3 + z4) * fix1175
			tmp4 *= fix0298
			tmp5 *= fix2053
			tmp6 *= fix3072
			tmp7 *= fix1501
			z1 *= -fix0899
			z2 *= -fix2562
			z3 = z3*-fix1961 + z5
			z4 = z4*-fix0390 + z5
			b[o+7*st] = descale(tmp4+z1+z3, shift)
			b[o+5*st] = descale(tmp5+z2+z4, shift)
			b[o+3*st] = descale(tmp6+z2+z3, shift)
			b[o+1*st] = descale(tmp7+z1+z4, shift)
		}
	}
}

// idctIslow is libjpeg's jpeg_idct_islow on dequantised coefficients, in
// place: columns, then rows; the result is the level-shifted samples
// (add 128 and clamp).
func idctIslow(b *[64]int32) {
	for pass := range 2 {
		for i := range 8 {
			o, st := i, 8 // a column; in the second pass a row
			shift := uint(dctConstBits - dctPass1Bits)
			if pass == 1 {
				o, st = 8*i, 1
				shift = dctConstBits + dctPass1Bits + 3
			}
			z2, z3 := b[o+2*st], b[o+6*st]
			z1 := (z2 + z3) * fix0541
			tmp2 := z1 - z3*fix1847
			tmp3 := z1 + z2*fix0765
			tmp0 := (b[o] + b[o+4*st]) << dctConstBits
			tmp1 := (b[o] - b[o+4*st]) << dctConstBits
			tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
			tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
			tmp0, tmp1, tmp2, tmp3 = b[o+7*st], b[o+5*st], b[o+3*st], b[o+1*st]
			z1, z2, z3, z4 := tmp0+tmp3, tmp1+tmp2, tmp0+tmp2, tmp1+tmp3
			z5 := (z3 + z4) * fix1175
			tmp0 *= fix0298
			tmp1 *= fix2053
			tmp2 *= fix3072
			tmp3 *= fix1501
			z1 *= -fix0899
			z2 *= -fix2562
			z3 = z3*-fix1961 + z5
			z4 = z4*-fix0390 + z5
			tmp0 += z1 + z3
			tmp1 += z2 + z4
			tmp2 += z2 + z3
			tmp3 += z1 + z4
			b[o] = descale(tmp10+tmp3, shift)
			b[o+7*st] = descale(tmp10-tmp3, shift)
			b[o+1*st] = descale(tmp11+tmp2, shift)
			b[o+6*st] = descale(tmp11-tmp2, shift)
			b[o+2*st] = descale(tmp12+tmp1, shift)
			b[o+5*st] = descale(tmp12-tmp1, shift)
			b[o+3*st] = descale(tmp13+tmp0, shift)
			b[o+4*st] = descale(tmp13-tmp0, shift)
		}
	}
}

// libjpeg's colour conversion constants, FIX(x) = x·2¹⁶ rounded
// (jccolor.c, jdcolor.c).
const (
	jfixR    = 19595  // FIX(0.29900)
	jfixG    = 38470  // FIX(0.58700)
	jfixB    = 7471   // FIX(0.11400)
	jfixCbR  = 11059  // FIX(0.16874)
	jfixCbG  = 21709  // FIX(0.33126)
	jfixHalf = 32768  // FIX(0.50000)
	jfixCrG  = 27439  // FIX(0.41869)
	jfixCrB  = 5329   // FIX(0.08131)
	jfixRCr  = 91881  // FIX(1.40200)
	jfixBCb  = 116130 // FIX(1.77200)
	jfixGCb  = 22554  // FIX(0.34414)
	jfixGCr  = 46802  // FIX(0.71414)
)

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
			m.Y[y*m.YStride+x] = uint8((jfixR*r + jfixG*g + jfixB*b + half) >> 16)
			cb[y*w+x] = (-jfixCbR*r - jfixCbG*g + jfixHalf*b + offset + half - 1) >> 16
			cr[y*w+x] = (jfixHalf*r - jfixCrG*g - jfixCrB*b + offset + half - 1) >> 16
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
			out[4*x] = clamp8(yy + (jfixRCr*r+half)>>16)
			out[4*x+1] = clamp8(yy + (-jfixGCb*b+half-jfixGCr*r)>>16)
			out[4*x+2] = clamp8(yy + (jfixBCb*b+half)>>16)
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
