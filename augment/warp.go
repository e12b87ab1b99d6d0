package augment

import (
	"image"
	"image/draw"
	"math"

	"github.com/disintegration/gift"
)

// SparseWarp is SupCon's sparse warp (tfa.image.sparse_image_warp with
// interpolation order 2, no regularisation, no boundary points): the 2×2
// control points at ((i+1)·W/3, (j+1)·H/3) move by Disp[2·j+i] (dx, dy)
// pixels; a thin-plate spline (φ(r) = r²·log r) interpolates the flow to
// every pixel and the output samples the input bilinearly at p - flow(p),
// clamping at the border (tfa's dense_image_warp), rounded to 8 bits.
type SparseWarp struct {
	Disp [4][2]float64
}

// Bounds returns the bounds of the result: the source's size.
func (SparseWarp) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the warped src to dst.
func (o SparseWarp) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "warp=dx0:dy0:dx1:dy1:dx2:dy2:dx3:dy3".
func (o SparseWarp) String() string {
	s := "warp="
	for i, d := range o.Disp {
		if i > 0 {
			s += ":"
		}
		s += fmtArg(d[0]) + ":" + fmtArg(d[1])
	}
	return s
}

func (o SparseWarp) apply(dst, src *image.RGBA) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if o.Disp == ([4][2]float64{}) || w == 0 || h == 0 {
		copyRGBA(dst, src)
		return
	}
	// control points after the move (the flow is defined there).
	var c [4][2]float64
	for j := 0; j < 2; j++ {
		for i := 0; i < 2; i++ {
			n := 2*j + i
			c[n][0] = float64(i+1)*float64(w)/3 + o.Disp[n][0]
			c[n][1] = float64(j+1)*float64(h)/3 + o.Disp[n][1]
		}
	}
	sx, okx := solveTPS(c, [4]float64{o.Disp[0][0], o.Disp[1][0], o.Disp[2][0], o.Disp[3][0]})
	sy, oky := solveTPS(c, [4]float64{o.Disp[0][1], o.Disp[1][1], o.Disp[2][1], o.Disp[3][1]})
	if !okx || !oky {
		copyRGBA(dst, src)
		return
	}
	for y := 0; y < h; y++ {
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := 0; x < w; x++ {
			px, py := float64(x), float64(y)
			qx := px - sx.at(c, px, py)
			qy := py - sy.at(c, px, py)
			bilinearAt(out[4*x:4*x+4], src, qx, qy)
		}
	}
}

// tps is a solved thin-plate spline: weights of the four kernels and the
// affine part v0 + v1·x + v2·y.
type tps struct {
	w [4]float64
	v [3]float64
}

// phi is tfa's order-2 kernel on the squared distance r2: 0.5·r2·log(r2).
func phi(r2 float64) float64 {
	if r2 < 1e-10 {
		r2 = 1e-10
	}
	return 0.5 * r2 * math.Log(r2)
}

func (s tps) at(c [4][2]float64, x, y float64) float64 {
	v := s.v[0] + s.v[1]*x + s.v[2]*y
	for i := range c {
		dx, dy := x-c[i][0], y-c[i][1]
		v += s.w[i] * phi(dx*dx+dy*dy)
	}
	return v
}

// solveTPS solves the 7×7 system [A B; Bᵀ 0][w; v] = [f; 0].
func solveTPS(c [4][2]float64, f [4]float64) (tps, bool) {
	var m [7][8]float64
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			dx, dy := c[i][0]-c[j][0], c[i][1]-c[j][1]
			m[i][j] = phi(dx*dx + dy*dy)
		}
		row := [3]float64{1, c[i][0], c[i][1]}
		for k := 0; k < 3; k++ {
			m[i][4+k] = row[k]
			m[4+k][i] = row[k]
		}
		m[i][7] = f[i]
	}
	// Gaussian elimination with partial pivoting.
	for col := 0; col < 7; col++ {
		p := col
		for r := col + 1; r < 7; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[p][col]) {
				p = r
			}
		}
		if math.Abs(m[p][col]) < 1e-12 {
			return tps{}, false
		}
		m[col], m[p] = m[p], m[col]
		for r := 0; r < 7; r++ {
			if r == col {
				continue
			}
			q := m[r][col] / m[col][col]
			for k := col; k < 8; k++ {
				m[r][k] -= q * m[col][k]
			}
		}
	}
	var s tps
	for i := 0; i < 4; i++ {
		s.w[i] = m[i][7] / m[i][i]
	}
	for k := 0; k < 3; k++ {
		s.v[k] = m[4+k][7] / m[4+k][4+k]
	}
	return s, true
}

// bilinearAt writes the bilinear sample of src at (x, y), coordinates
// clamped to the image (tfa's interpolate_bilinear), into out.
func bilinearAt(out []uint8, src *image.RGBA, x, y float64) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	x = min(max(x, 0), float64(w-1))
	y = min(max(y, 0), float64(h-1))
	x0, y0 := min(int(x), max(w-2, 0)), min(int(y), max(h-2, 0))
	ax, ay := x-float64(x0), y-float64(y0)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	p00 := src.Pix[y0*src.Stride+4*x0:]
	p01 := src.Pix[y0*src.Stride+4*x1:]
	p10 := src.Pix[y1*src.Stride+4*x0:]
	p11 := src.Pix[y1*src.Stride+4*x1:]
	for c := 0; c < 3; c++ {
		top := float64(p00[c]) + ax*(float64(p01[c])-float64(p00[c]))
		bot := float64(p10[c]) + ax*(float64(p11[c])-float64(p10[c]))
		out[c] = roundClip(float32(top + ay*(bot-top)))
	}
	out[3] = 0xff
}
