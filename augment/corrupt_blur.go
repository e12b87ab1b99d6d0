package augment

import (
	"image"
	"math"
	"math/rand/v2"
)

// reflect101 folds an index into 0..n-1 the way OpenCV's BORDER_REFLECT_101
// does (gfedcb|abcdefgh|gfedcba).
func reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	p := 2 * (n - 1)
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - i
	}
	return i
}

// reflectHalf folds an index into 0..n-1 the way scipy.ndimage's 'reflect'
// mode does (dcba|abcd|dcba).
func reflectHalf(i, n int) int {
	p := 2 * n
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - 1 - i
	}
	return i
}

// clampIndex is scipy.ndimage's 'nearest' mode (and ImageMagick's edge
// virtual pixels): aaaa|abcd|dddd.
func clampIndex(i, n int) int { return min(max(i, 0), n-1) }

// gaussKernel1D is scipy.ndimage's _gaussian_kernel1d (order 0): taps
// -r..r with r = int(truncate·σ + 0.5), exp(-x²/(2σ²)) normalised.
func gaussKernel1D(sigma, truncate float64) []float64 {
	r := int(truncate*sigma + 0.5)
	k := make([]float64, 2*r+1)
	if r == 0 {
		k[0] = 1
		return k
	}
	sum := 0.0
	for i := -r; i <= r; i++ {
		v := math.Exp(-0.5 / (sigma * sigma) * float64(i*i))
		k[i+r] = v
		sum += v
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// correlatePlanes filters the c interleaved planes of a w×h float array
// with the 1-D kernel k along rows (axis 0, vertical) then columns (axis 1),
// folding indices with fold: scipy.ndimage.gaussian_filter's order.
func correlatePlanes(p []float64, w, h, c int, k []float64, fold func(i, n int) int) []float64 {
	r := len(k) / 2
	rowLen := w * c
	tmp := make([]float64, len(p))
	for y := 0; y < h; y++ {
		out := tmp[y*rowLen : y*rowLen+rowLen]
		for j, kv := range k {
			in := p[fold(y+j-r, h)*rowLen:][:rowLen]
			for i, v := range in {
				out[i] += kv * v
			}
		}
	}
	res := make([]float64, len(p))
	pad := make([]float64, (w+2*r)*c)
	for y := 0; y < h; y++ {
		row := tmp[y*rowLen : y*rowLen+rowLen]
		for x := -r; x < w+r; x++ {
			copy(pad[(x+r)*c:(x+r)*c+c], row[fold(x, w)*c:])
		}
		out := res[y*rowLen : y*rowLen+rowLen]
		for j, kv := range k {
			in := pad[j*c:][:rowLen]
			for i, v := range in {
				out[i] += kv * v
			}
		}
	}
	return res
}

// skGaussian is skimage.filters.gaussian(img, sigma, channel_axis=-1):
// scipy's gaussian_filter per channel, mode 'nearest', truncate 4.
func skGaussian(f fimg, sigma float64) fimg {
	return fimg{w: f.w, h: f.h, p: correlatePlanes(f.p, f.w, f.h, 3, gaussKernel1D(sigma, 4), clampIndex)}
}

// defocusBlur convolves every channel with a disk of the given radius
// softened by a small Gaussian (the reference's disk() and cv2.filter2D,
// borders reflected as OpenCV does). The kernel is OpenCV's to the bit for
// every entry of both tables but radius 8, where 56 of its 289 float32 taps
// are one unit in the last place off.
func defocusBlur(dst, src *image.RGBA, t corruptTable, sev int, _ *rand.Rand) {
	c := pick(t, [5][2]float64{{3, .1}, {4, .5}, {6, .5}, {8, .5}, {10, .5}},
		[5][2]float64{{.3, .4}, {.4, .5}, {.5, .6}, {1, .2}, {1.5, .1}}, sev)
	k, n := diskKernel(c[0]*t.k, c[1]*t.k)
	f := toFloat(src)
	w, h, r := f.w, f.h, n/2
	// the image padded by r on every side (BORDER_REFLECT_101), interleaved
	pw := w + 2*r
	pad := make([]float64, 3*pw*(h+2*r))
	for y := -r; y < h+r; y++ {
		row := f.p[3*w*reflect101(y, h):][:3*w]
		prow := pad[3*pw*(y+r):][:3*pw]
		for x := -r; x < w+r; x++ {
			copy(prow[3*(x+r):3*(x+r)+3], row[3*reflect101(x, w):])
		}
	}
	// Each kernel row is a run of one value (the disk's inside) and a few
	// other taps (its blurred rim): a run costs two reads of the row's
	// running sums, whatever its length.
	rows := kernelRows(k, n)
	prefix := make([]float64, 3*(pw+1)*(h+2*r))
	for y := 0; y < h+2*r; y++ {
		prow := pad[3*pw*y:][:3*pw]
		p := prefix[3*(pw+1)*y:][:3*(pw+1)]
		for i, v := range prow {
			p[i+3] = p[i] + v
		}
	}
	out := newFimg(w, h)
	for y := 0; y < h; y++ {
		o := out.p[3*w*y:][:3*w]
		for i, kr := range rows {
			prow := pad[3*pw*(y+i):][:3*pw]
			p := prefix[3*(pw+1)*(y+i):][:3*(pw+1)]
			for _, run := range kr.runs {
				hi, lo := p[3*run.j1:][:len(o)], p[3*run.j0:][:len(o)]
				for x := range o {
					o[x] += run.v * (hi[x] - lo[x])
				}
			}
			for _, tp := range kr.taps {
				in := prow[3*tp.j:][:len(o)]
				for x, v := range in {
					o[x] += tp.v * v
				}
			}
		}
	}
	out.store(dst)
}

// kernelRow is one row of a 2-D kernel as runs of equal weights (at least
// four taps, columns j0..j1-1) and single taps; weights under 1e-12 (the
// disk's far corners, below any 8-bit effect) are dropped.
type kernelRow struct {
	runs []kernelRun
	taps []kernelTap
}

type kernelRun struct {
	j0, j1 int
	v      float64
}

type kernelTap struct {
	j int
	v float64
}

// kernelRows splits the n×n kernel k into rows of runs and taps.
func kernelRows(k []float64, n int) []kernelRow {
	rows := make([]kernelRow, n)
	for i := range rows {
		row := k[i*n : i*n+n]
		for j := 0; j < n; {
			e := j + 1
			for e < n && row[e] == row[j] {
				e++
			}
			switch {
			case row[j] < 1e-12:
			case e-j >= 4:
				rows[i].runs = append(rows[i].runs, kernelRun{j, e, row[j]})
			default:
				for t := j; t < e; t++ {
					rows[i].taps = append(rows[i].taps, kernelTap{t, row[t]})
				}
			}
			j = e
		}
	}
	return rows
}

// diskKernel is the reference's disk(radius, alias_blur): the aliased disk
// X²+Y² ≤ r² on a grid of at least -8..8, normalised, then blurred by
// cv2.GaussianBlur with a 3×3 (r ≤ 8) or 5×5 kernel of σ alias, in float32
// as OpenCV computes it. It returns the n×n kernel, row-major.
func diskKernel(radius, alias float64) ([]float64, int) {
	half, ks := 8, 3
	if radius > 8 {
		half, ks = int(math.Ceil(radius)), 5
	}
	n := 2*half + 1
	d := make([]float32, n*n)
	var sum float32
	for y := -half; y <= half; y++ {
		for x := -half; x <= half; x++ {
			if float64(x*x+y*y) <= radius*radius {
				d[(y+half)*n+x+half] = 1
				sum++
			}
		}
	}
	for i := range d {
		d[i] /= sum
	}
	// cv2.getGaussianKernel(ks, alias, CV_32F): float32 taps, their sum in
	// float64, each tap times 1/sum rounded to float32.
	g := make([]float32, ks)
	gs := 0.0
	for i := range g {
		x := float64(i) - float64(ks-1)/2
		g[i] = float32(math.Exp(-0.5 / (alias * alias) * x * x))
		gs += float64(g[i])
	}
	for i := range g {
		g[i] = float32(float64(g[i]) * (1 / gs))
	}
	// cv2.GaussianBlur with borders reflected, rows first, as OpenCV's
	// vectorised symmetric filter sums: centre tap times sample, then each
	// pair of taps (left + right) fused into the sum.
	gr := ks / 2
	blur := func(at func(i, j int) float32, out []float32) {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				s := g[gr] * at(i, j)
				for t := 1; t <= gr; t++ {
					pair := at(i, j-t) + at(i, j+t)
					s = float32(float64(g[gr+t])*float64(pair) + float64(s))
				}
				out[i*n+j] = s
			}
		}
	}
	tmp := make([]float32, n*n)
	blur(func(y, x int) float32 { return d[y*n+reflect101(x, n)] }, tmp)
	out := make([]float32, n*n)
	blur(func(x, y int) float32 { return tmp[reflect101(y, n)*n+x] }, out)
	k := make([]float64, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			k[y*n+x] = float64(out[x*n+y])
		}
	}
	return k, n
}

// glassBlur blurs, moves pixels locally, and blurs again: skimage's
// Gaussian of σ, truncated to 8 bits, then for each iteration and each
// pixel (h, w) from the bottom right to (δ+1, δ+1) the reference's
// "swap" with (h+dy, w+dx), dx, dy uniform in [-δ, δ): numpy's tuple
// assignment of views makes it a copy of the other pixel into (h, w),
// which is reproduced; then the Gaussian again.
func glassBlur(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand) {
	c := pick(t, [5][3]float64{{.7, 1, 2}, {.9, 2, 1}, {1, 2, 3}, {1.1, 3, 2}, {1.5, 4, 2}},
		[5][3]float64{{.05, 1, 1}, {.25, 1, 1}, {.4, 1, 1}, {.25, 1, 2}, {.4, 1, 2}}, sev)
	sigma, delta, iters := c[0]*t.k, max(int(math.Round(c[1]*t.k)), 1), int(c[2])
	g := skGaussian(toFloat(src), sigma)
	w, h := g.w, g.h
	px := make([]uint8, len(g.p))
	for i, v := range g.p {
		px[i] = uint8(v * 255)
	}
	for range iters {
		for y := h - delta; y > delta; y-- {
			for x := w - delta; x > delta; x-- {
				dx := r.IntN(2*delta) - delta
				dy := r.IntN(2*delta) - delta
				copy(px[3*(y*w+x):3*(y*w+x)+3], px[3*((y+dy)*w+x+dx):])
			}
		}
	}
	f := newFimg(w, h)
	for i, v := range px {
		f.p[i] = float64(v) / 255
	}
	skGaussian(f, sigma).store(dst)
}

// motionBlur is ImageMagick's MotionBlurImage(radius, σ, angle) with the
// angle uniform in [-45°, 45°]: a one-sided Gaussian line kernel.
func motionBlur(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand) {
	c := pick(t, [5][2]float64{{10, 3}, {15, 5}, {15, 8}, {15, 12}, {20, 15}},
		[5][2]float64{{6, 1}, {6, 1.5}, {6, 2}, {8, 2}, {9, 2.5}}, sev)
	angle := uniform(r, -45, 45)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	in := make([]float64, 3*w*h)
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride:]
		for x := 0; x < w; x++ {
			in[3*(y*w+x)], in[3*(y*w+x)+1], in[3*(y*w+x)+2] = float64(row[4*x]), float64(row[4*x+1]), float64(row[4*x+2])
		}
	}
	out := imMotionBlur(in, w, h, 3, c[0]*t.k, c[1]*t.k, angle)
	for y := 0; y < h; y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			o := out[3*(y*w+x):]
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = imLevel(o[0]), imLevel(o[1]), imLevel(o[2]), 0xff
		}
	}
}

// imLevel is how ImageMagick (6.9, Q16, as Debian builds it) stores v, a
// level of 0..255 computed from 8-bit input, in the 8-bit PNG it writes:
// the sum rounded to a 16-bit quantum (v·257), whose 8-bit level is the
// quantum over 257 rounded down (checked against Debian 12's build: the
// same bytes).
func imLevel(v float64) uint8 {
	q := math.Floor(v*257 + 0.5)
	if !(q > 0) {
		return 0
	}
	if q >= 65535 {
		return 255
	}
	return uint8(q / 257)
}

// imMotionBlur is ImageMagick's MotionBlurImage on c interleaved planes of
// 8-bit levels: width 2·ceil(radius)+1 taps exp(-i²/(2σ²)) normalised, tap
// i reading the pixel round(i·cos θ), round(i·sin θ) away (y down), edge
// pixels repeated.
func imMotionBlur(in []float64, w, h, c int, radius, sigma, angle float64) []float64 {
	width := 2*int(math.Ceil(radius)) + 1
	if radius <= 0 {
		width = 1
	}
	k := make([]float64, width)
	norm := 0.0
	for i := range k {
		k[i] = math.Exp(-float64(i*i)/(2*sigma*sigma)) / (math.Sqrt(2*math.Pi) * sigma)
		norm += k[i]
	}
	px, py := float64(width)*math.Sin(angle*math.Pi/180), float64(width)*math.Cos(angle*math.Pi/180)
	hyp := math.Hypot(px, py)
	ox, oy := make([]int, width), make([]int, width)
	for i := range k {
		k[i] /= norm
		ox[i] = int(math.Ceil(float64(i)*py/hyp - 0.5))
		oy[i] = int(math.Ceil(float64(i)*px/hyp - 0.5))
	}
	out := make([]float64, len(in))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := out[c*(y*w+x) : c*(y*w+x)+c]
			for i, kv := range k {
				p := in[c*(clampIndex(y+oy[i], h)*w+clampIndex(x+ox[i], w)):]
				for ch := range o {
					o[ch] += kv * p[ch]
				}
			}
		}
	}
	return out
}

// npArange is numpy's arange(start, stop, step) for floats: ceil((stop -
// start)/step) values start + i·((start+step) - start).
func npArange(start, stop, step float64) []float64 {
	n := int(math.Ceil((stop - start) / step))
	d := (start + step) - start
	v := make([]float64, n)
	for i := range v {
		v[i] = start + float64(i)*d
	}
	return v
}

// zoomFactors are zoom_blur's zooms, severity by severity.
var zoomFactors = [2][5][]float64{
	{npArange(1, 1.11, .01), npArange(1, 1.16, .01), npArange(1, 1.21, .02), npArange(1, 1.26, .02), npArange(1, 1.31, .03)},
	{npArange(1, 1.06, .01), npArange(1, 1.11, .01), npArange(1, 1.16, .01), npArange(1, 1.21, .01), npArange(1, 1.26, .01)},
}

// zoomBlur averages the image with its centre zoomed by each factor
// (the reference's clipped_zoom: scipy.ndimage.zoom, order 1, of the
// central crop of side ceil(side/z), trimmed back to the side), in
// float32 as the reference computes it.
func zoomBlur(dst, src *image.RGBA, t corruptTable, sev int, _ *rand.Rand) {
	zs := zoomFactors[0][sev]
	if t.cifar {
		zs = zoomFactors[1][sev]
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	x := make([]float32, 3*w*h)
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride:]
		for i := 0; i < w; i++ {
			for ch := 0; ch < 3; ch++ {
				x[3*(y*w+i)+ch] = float32(float64(row[4*i+ch]) / 255)
			}
		}
	}
	sum := make([]float32, len(x))
	z := make([]float32, len(x))
	for _, f := range zs {
		clippedZoom(z, x, w, h, 3, f)
		for i, v := range z {
			sum[i] += v
		}
	}
	n := float32(len(zs) + 1)
	for y := 0; y < h; y++ {
		row := dst.Pix[y*dst.Stride:]
		for i := 0; i < w; i++ {
			for ch := 0; ch < 3; ch++ {
				j := 3*(y*w+i) + ch
				v := (x[j] + sum[j]) / n
				row[4*i+ch] = trunc8f32(v)
			}
			row[4*i+3] = 0xff
		}
	}
}

// trunc8f32 is np.uint8(np.clip(v, 0, 1) * 255) for a float32 v.
func trunc8f32(v float32) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(v * 255)
}

// clippedZoom writes to out (w×h, c planes) the reference's clipped_zoom of
// in by factor z: the central ceil(side/z) crop zoomed by scipy's order-1
// spline (corners aligned: output o reads input o·(in-1)/(out-1), outside
// is 0), then the central w×h of the result.
func clippedZoom[T float32 | float64](out, in []T, w, h, c int, z float64) {
	ys := zoomAxis(h, z)
	xs := zoomAxis(w, z)
	for oy, ty := range ys {
		o := out[c*w*oy:][:c*w]
		for ox, tx := range xs {
			for ch := 0; ch < c; ch++ {
				s := 0.0
				if ty.i0 >= 0 {
					s += ty.w0 * zoomAt(tx, in[c*w*ty.i0:], c, ch)
				}
				if ty.i1 >= 0 {
					s += ty.w1 * zoomAt(tx, in[c*w*ty.i1:], c, ch)
				}
				o[c*ox+ch] = T(s)
			}
		}
	}
}

// zoomAt interpolates channel ch of a row of c interleaved planes.
func zoomAt[T float32 | float64](t zoomTap, row []T, c, ch int) float64 {
	var a, b float64
	if t.i0 >= 0 {
		a = float64(row[c*t.i0+ch])
	}
	if t.i1 >= 0 {
		b = float64(row[c*t.i1+ch])
	}
	return t.w0*a + t.w1*b
}

// zoomTap is one axis's linear interpolation: two input indices (in the
// full image; -1 for outside) and their weights.
type zoomTap struct {
	i0, i1 int
	w0, w1 float64
}

// zoomAxis returns, for each of the n output positions of one axis of
// clipped_zoom, the interpolation taps in input coordinates.
func zoomAxis(n int, z float64) []zoomTap {
	ch := int(math.Ceil(float64(n) / z))
	top := (n - ch) / 2
	outN := int(math.RoundToEven(float64(ch) * z))
	scale := 1.0
	if outN > 1 {
		scale = float64(ch-1) / float64(outN-1)
	}
	trim := (outN - n) / 2
	taps := make([]zoomTap, n)
	for o := range taps {
		src := float64(o+trim) * scale
		i := int(math.Floor(src))
		f := src - float64(i)
		t := zoomTap{i0: -1, i1: -1, w0: 1 - f, w1: f}
		if i >= 0 && i < ch {
			t.i0 = top + i
		}
		if i+1 >= 0 && i+1 < ch {
			t.i1 = top + i + 1
		}
		taps[o] = t
	}
	return taps
}
