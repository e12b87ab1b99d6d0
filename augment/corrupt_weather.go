package augment

import (
	"image"
	"math"
	"math/rand/v2"
)

// fog adds c·plasma (a diamond-square fractal of decay d, the reference's
// plasma_fractal on the smallest power-of-two square covering the image,
// cropped) and rescales: x·max/(max + c).
func fog(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand) {
	c := pick(t, [5][2]float64{{1.5, 2}, {2, 2}, {2.5, 1.7}, {2.5, 1.5}, {3, 1.4}},
		[5][2]float64{{.2, 3}, {.5, 3}, {.75, 2.5}, {1, 2}, {1.5, 1.75}}, sev)
	f := toFloat(src)
	size := 2
	for size < max(f.w, f.h) {
		size *= 2
	}
	plasma := plasmaFractal(r, size, c[1])
	mx := 0.0
	for _, v := range f.p {
		mx = max(mx, v)
	}
	for y := 0; y < f.h; y++ {
		for x := 0; x < f.w; x++ {
			add := c[0] * plasma[y*size+x]
			for ch := 0; ch < 3; ch++ {
				i := 3*(y*f.w+x) + ch
				f.p[i] = (f.p[i] + add) * mx / (mx + c[0])
			}
		}
	}
	f.store(dst)
}

// plasmaFractal is the reference's plasma_fractal: a size×size (a power of
// two) diamond-square height map, wrapping at the edges, with random
// offsets wibble·U(-wibble, wibble), wibble starting at 100 and divided by
// decay each level; scaled to [0, 1]. Row-major.
func plasmaFractal(r *rand.Rand, size int, decay float64) []float64 {
	m := make([]float64, size*size)
	at := func(y, x int) *float64 { return &m[y*size+x] }
	wibble := 100.0
	mean := func(sum float64) float64 { return sum/4 + wibble*uniform(r, -wibble, wibble) }
	for step := size; step >= 2; step /= 2 {
		half, n := step/2, size/step
		// squares: centre = mean of the four corners
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				i1, j1 := (i+1)%n*step, (j+1)%n*step
				s := *at(i*step, j*step) + *at(i1, j*step) + *at(i*step, j1) + *at(i1, j1)
				*at(i*step+half, j*step+half) = mean(s)
			}
		}
		// diamonds on the rows of the corners (top edges) ...
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				up := (i - 1 + n) % n
				s := *at(i*step+half, j*step+half) + *at(up*step+half, j*step+half) +
					*at(i*step, j*step) + *at(i*step, (j+1)%n*step)
				*at(i*step, j*step+half) = mean(s)
			}
		}
		// ... and on the columns of the corners (left edges)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				left := (j - 1 + n) % n
				s := *at(i*step+half, j*step+half) + *at(i*step+half, left*step+half) +
					*at(i*step, j*step) + *at((i+1)%n*step, j*step)
				*at(i*step+half, j*step) = mean(s)
			}
		}
		wibble /= decay
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range m {
		lo = min(lo, v)
	}
	for i := range m {
		m[i] -= lo
		hi = max(hi, m[i])
	}
	for i := range m {
		m[i] /= hi
	}
	return m
}

// snow draws a layer of N(loc, scale) flakes, zooms it (clipped_zoom),
// drops what is under a threshold, streaks it with ImageMagick's motion
// blur at an angle uniform in [-135°, -45°], greys and brightens the image
// (x·b + (1-b)·max(x, 1.5·grey + 0.5)) and adds the layer and its 180°
// rotation.
func snow(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand) {
	c := pick(t, [5][7]float64{
		{.1, .3, 3, .5, 10, 4, .8},
		{.2, .3, 2, .5, 12, 4, .7},
		{.55, .3, 4, .9, 12, 8, .7},
		{.55, .3, 4.5, .85, 12, 8, .65},
		{.55, .3, 2.5, .85, 12, 12, .55}}, [5][7]float64{
		{.1, .2, 1, .6, 8, 3, .95},
		{.1, .2, 1, .5, 10, 4, .9},
		{.15, .3, 1.75, .55, 10, 4, .9},
		{.25, .3, 2.25, .6, 12, 6, .85},
		{.3, .3, 1.25, .65, 14, 12, .8}}, sev)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	noise := make([]float64, w*h)
	for i := range noise {
		noise[i] = c[0] + c[1]*r.NormFloat64()
	}
	zoomed := make([]float64, w*h)
	clippedZoom(zoomed, noise, w, h, 1, max(c[2]*t.k, 1))
	layer := make([]float64, w*h)
	for i, v := range zoomed {
		if v < c[3] {
			v = 0
		}
		layer[i] = float64(uint8(clip01(v) * 255))
	}
	angle := uniform(r, -135, -45)
	blurred := imMotionBlur(layer, w, h, 1, c[4]*t.k, c[5]*t.k, angle)
	for i, v := range blurred {
		blurred[i] = float64(imLevel(v)) / 255
	}
	b := float32(c[6])
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride:]
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+3]
			var v [3]float32
			for ch := range v {
				v[ch] = float32(float64(p[ch]) / 255)
			}
			grey := 0.299*v[0] + 0.587*v[1] + 0.114*v[2]
			add := blurred[y*w+x] + blurred[(h-1-y)*w+(w-1-x)]
			for ch := range v {
				xv := b*v[ch] + (1-b)*max(v[ch], grey*1.5+0.5)
				out[4*x+ch] = trunc8(float64(xv) + add)
			}
			out[4*x+3] = 0xff
		}
	}
}

// elasticTransform is the reference's elastic_transform: a random affine
// map (three points moved by up to a pixels: cv2.getAffineTransform,
// warpAffineCV), then a displacement field of
// uniform noise smoothed by a Gaussian of σ (truncated at 3σ, reflected)
// times alpha, sampled bilinearly (map_coordinates, order 1, 'reflect').
func elasticTransform(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand) {
	const s = 244 // the reference's constant ("should have been 224")
	c := pick(t, [5][3]float64{
		{s * 2, s * .7, s * .1},
		{s * 2, s * .08, s * .2},
		{s * .05, s * .01, s * .02},
		{s * .07, s * .01, s * .02},
		{s * .12, s * .01, s * .02}}, [5][3]float64{
		{0, 0, 32 * .08},
		{32 * .05, 32 * .2, 32 * .07},
		{32 * .08, 32 * .06, 32 * .06},
		{32 * .1, 32 * .04, 32 * .05},
		{32 * .1, 32 * .03, 32 * .03}}, sev)
	alpha, sigma, aff := c[0]*t.k, c[1]*t.k, c[2]*t.k
	f := toFloat(src)
	w, h := f.w, f.h
	// random affine: pts1 as the reference builds them, (h//2, w//2)-based
	cy, cx := float64(h/2), float64(w/2)
	sq := float64(min(w, h) / 3)
	p1 := [3][2]float64{{cy + sq, cx + sq}, {cy + sq, cx - sq}, {cy - sq, cx - sq}}
	var p2 [3][2]float64
	for i := range p1 {
		for j := range p1[i] {
			p2[i][j] = p1[i][j] + float64(float32(uniform(r, -aff, aff)))
		}
	}
	warped := warpAffineCV(f, invertAffine(affineFrom3(p1, p2)))
	dx := displacement(r, w, h, sigma, alpha)
	dy := displacement(r, w, h, sigma, alpha)
	out := newFimg(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			bilinear(out.p[3*i:3*i+3], warped, float64(x)+dx[i], float64(y)+dy[i], reflectHalf)
		}
	}
	out.store(dst)
}

// warpAffineCV is cv2.warpAffine with INTER_LINEAR and BORDER_REFLECT_101
// for an inverse map inv: OpenCV rounds each source position to 1/32 of a
// pixel (in its 10-bit fixed point, rows and columns apart) and
// interpolates with the weights of that 1/32 grid.
func warpAffineCV(f fimg, inv [6]float64) fimg {
	const abBits, interBits = 10, 5
	const abScale, tab = 1 << abBits, 1 << interBits
	w, h := f.w, f.h
	adelta, bdelta := make([]int, w), make([]int, w)
	for x := range adelta {
		adelta[x] = int(math.RoundToEven(inv[0] * float64(x) * abScale))
		bdelta[x] = int(math.RoundToEven(inv[3] * float64(x) * abScale))
	}
	out := newFimg(w, h)
	for y := 0; y < h; y++ {
		x0 := int(math.RoundToEven((inv[1]*float64(y)+inv[2])*abScale)) + abScale/tab/2
		y0 := int(math.RoundToEven((inv[4]*float64(y)+inv[5])*abScale)) + abScale/tab/2
		for x := 0; x < w; x++ {
			sx := (x0 + adelta[x]) >> (abBits - interBits)
			sy := (y0 + bdelta[x]) >> (abBits - interBits)
			fx := float64(float32(sx&(tab-1)) / tab)
			fy := float64(float32(sy&(tab-1)) / tab)
			bilinear(out.p[3*(y*w+x):3*(y*w+x)+3], f, float64(sx>>interBits)+fx, float64(sy>>interBits)+fy, reflect101)
		}
	}
	return out
}

// displacement is one displacement field: U(-1, 1) noise smoothed by a
// Gaussian of σ (truncate 3, 'reflect'), times alpha, in float32.
func displacement(r *rand.Rand, w, h int, sigma, alpha float64) []float64 {
	n := make([]float64, w*h)
	for i := range n {
		n[i] = uniform(r, -1, 1)
	}
	var sm []float64
	if sigma > 1e-15 {
		sm = correlateFolded(n, w, h, gaussKernel1D(sigma, 3))
	} else {
		sm = n
	}
	for i, v := range sm {
		sm[i] = float64(float32(v * alpha))
	}
	return sm
}

// correlateFolded is correlatePlanes with 'reflect' borders for one plane,
// folding a kernel longer than the image onto it first (the same sums, in
// time independent of the kernel's length).
func correlateFolded(p []float64, w, h int, k []float64) []float64 {
	if len(k) <= min(w, h) {
		return correlatePlanes(p, w, h, 1, k, reflectHalf)
	}
	fold := func(n int) [][]float64 {
		r := len(k) / 2
		m := make([][]float64, n)
		for o := range m {
			m[o] = make([]float64, n)
			for j, kv := range k {
				m[o][reflectHalf(o+j-r, n)] += kv
			}
		}
		return m
	}
	my, mx := fold(h), fold(w)
	tmp := make([]float64, len(p))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s := 0.0
			for j, kv := range my[y] {
				s += kv * p[j*w+x]
			}
			tmp[y*w+x] = s
		}
	}
	out := make([]float64, len(p))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s := 0.0
			row := tmp[y*w : y*w+w]
			for j, kv := range mx[x] {
				s += kv * row[j]
			}
			out[y*w+x] = s
		}
	}
	return out
}

// bilinear writes to o the three channels of f at (x, y), bilinearly
// interpolated, indices outside folded by fold.
func bilinear(o []float64, f fimg, x, y float64, fold func(i, n int) int) {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	xi, yi := int(x0), int(y0)
	xa, xb := fold(xi, f.w), fold(xi+1, f.w)
	ya, yb := fold(yi, f.h), fold(yi+1, f.h)
	for ch := 0; ch < 3; ch++ {
		a := f.p[3*(ya*f.w+xa)+ch]*(1-fx) + f.p[3*(ya*f.w+xb)+ch]*fx
		b := f.p[3*(yb*f.w+xa)+ch]*(1-fx) + f.p[3*(yb*f.w+xb)+ch]*fx
		o[ch] = a*(1-fy) + b*fy
	}
}

// affineFrom3 is cv2.getAffineTransform: the 2×3 matrix (row-major) that
// maps the points src to dst, each point (x, y).
func affineFrom3(src, dst [3][2]float64) [6]float64 {
	// Solve [x y 1] · [a b c]ᵀ = u for each output coordinate.
	det := src[0][0]*(src[1][1]-src[2][1]) - src[0][1]*(src[1][0]-src[2][0]) + (src[1][0]*src[2][1] - src[2][0]*src[1][1])
	if det == 0 {
		// images under 3 px: the three points coincide
		return [6]float64{1, 0, 0, 0, 1, 0}
	}
	solve := func(u [3]float64) [3]float64 {
		a := (u[0]*(src[1][1]-src[2][1]) - src[0][1]*(u[1]-u[2]) + (u[1]*src[2][1] - u[2]*src[1][1])) / det
		b := (src[0][0]*(u[1]-u[2]) - u[0]*(src[1][0]-src[2][0]) + (src[1][0]*u[2] - src[2][0]*u[1])) / det
		c := (src[0][0]*(src[1][1]*u[2]-src[2][1]*u[1]) - src[0][1]*(src[1][0]*u[2]-src[2][0]*u[1]) + u[0]*(src[1][0]*src[2][1]-src[2][0]*src[1][1])) / det
		return [3]float64{a, b, c}
	}
	x := solve([3]float64{dst[0][0], dst[1][0], dst[2][0]})
	y := solve([3]float64{dst[0][1], dst[1][1], dst[2][1]})
	return [6]float64{x[0], x[1], x[2], y[0], y[1], y[2]}
}

// invertAffine inverts a 2×3 affine matrix (cv2.invertAffineTransform).
func invertAffine(m [6]float64) [6]float64 {
	d := m[0]*m[4] - m[1]*m[3]
	if d == 0 {
		return [6]float64{1, 0, 0, 0, 1, 0}
	}
	a, b, c, e := m[4]/d, -m[1]/d, -m[3]/d, m[0]/d
	return [6]float64{a, b, -a*m[2] - b*m[5], c, e, -c*m[2] - e*m[5]}
}
