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

// jpegCompression is a JPEG round trip at quality q (Go's encoder: 4:2:0
// chroma, libjpeg's quality scaling of the standard tables, as PIL saves).
func jpegCompression(dst, src *image.RGBA, t corruptTable, sev int, _ *rand.Rand) {
	q := pick(t, [5]int{25, 18, 15, 10, 7}, [5]int{80, 65, 58, 50, 40}, sev)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: q}); err != nil {
		panic("augment: jpeg_compression: encoding to memory: " + err.Error())
	}
	m, err := jpeg.Decode(&buf)
	if err != nil {
		panic("augment: jpeg_compression: decoding its own encoding: " + err.Error())
	}
	convertInto(dst, m, m.Bounds())
}
