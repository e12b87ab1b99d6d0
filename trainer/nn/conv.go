package nn

import (
	"fmt"

	"github.com/supcon/supcon/trainer/gemm"
)

// Conv2D is a 2-D convolution without bias on CNHW activations: kernel
// KH×KW, the same Stride and zero padding Pad along both axes. Its weights
// are a Co × (Ci·KH·KW) row-major matrix with inner order (ci, kh, kw), which
// is PyTorch's OIHW weight flattened.
//
// Set the exported fields and use the value by pointer, e.g.
// &Conv2D{Ci: 32, Co: 64, KH: 3, KW: 3, Stride: 2, Pad: 1}. The struct keeps
// scratch memory between calls (one im2col buffer per goroutine) and must
// not be used concurrently.
//
// Internally the output columns (n, ho, wo) are cut into chunks of whole
// images, sized from the shapes only so that an im2col chunk stays around
// half a megabyte; chunks run in parallel on up to GOMAXPROCS goroutines.
type Conv2D struct {
	Ci, Co int // input and output channels
	KH, KW int // kernel height and width
	Stride int // stride, ≥ 1
	Pad    int // zero padding on every side, ≥ 0

	col  [][]float32 // per-worker im2col scratch
	part [][]float32 // per-group partial weight gradients (group 0 writes dw)
}

// sgemm is the matrix multiply and sgemmSerial the same on the calling
// goroutine only, for the products of chunks that already run in parallel
// (variables so that benchmarks can swap in another implementation to see
// where the time goes). They give bit-identical results.
var (
	sgemm       = gemm.Sgemm
	sgemmSerial = gemm.SgemmSerial
)

// mulFor returns the multiply for the bodies of a parallelFor over n tasks:
// the serial one when the tasks themselves run in parallel.
func mulFor(n int) func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if workers(n) > 1 {
		return sgemmSerial
	}
	return sgemm
}

// colBudget is the target size, in float32s, of one im2col chunk (a
// variable so that tests can force many chunks on small shapes).
var colBudget = 1 << 17

// maxGroups bounds how many partial weight gradients Backward keeps.
const maxGroups = 8

// partBudget bounds the float32s held by the partial weight gradients.
const partBudget = 1 << 22

// OutSize returns the output height and width for an h×w input.
func (c *Conv2D) OutSize(h, w int) (ho, wo int) {
	return (h+2*c.Pad-c.KH)/c.Stride + 1, (w+2*c.Pad-c.KW)/c.Stride + 1
}

// WeightLen returns the length of the weight matrix, Co·Ci·KH·KW.
func (c *Conv2D) WeightLen() int { return c.Co * c.Ci * c.KH * c.KW }

// geom is one call's derived geometry.
type geom struct {
	n, h, w, ho, wo int
	k               int // Ci·KH·KW, rows of col
	cols            int // N·Ho·Wo, columns of y
	imgs            int // images per chunk
	chunks          int
	direct          bool // 1×1, stride 1, no padding: col is x itself
}

func (c *Conv2D) geom(n, h, w int) geom {
	if c.Ci < 1 || c.Co < 1 || c.KH < 1 || c.KW < 1 || c.Stride < 1 || c.Pad < 0 {
		panic(fmt.Sprintf("nn: invalid Conv2D %+v", *c))
	}
	if n < 1 || h+2*c.Pad < c.KH || w+2*c.Pad < c.KW {
		panic(fmt.Sprintf("nn: Conv2D input %d×%d×%d too small for the kernel", n, h, w))
	}
	g := geom{n: n, h: h, w: w, k: c.Ci * c.KH * c.KW}
	g.ho, g.wo = c.OutSize(h, w)
	g.cols = n * g.ho * g.wo
	g.direct = c.KH == 1 && c.KW == 1 && c.Stride == 1 && c.Pad == 0
	g.imgs = min(n, max(1, colBudget/(g.k*g.ho*g.wo)))
	g.chunks = (n + g.imgs - 1) / g.imgs
	return g
}

// span returns chunk t's first image and image count.
func (g *geom) span(t int) (n0, cnt int) {
	n0 = t * g.imgs
	return n0, min(g.imgs, g.n-n0)
}

// scratch makes sure p workers have an im2col buffer each.
func (c *Conv2D) scratch(g *geom, p int) {
	if g.direct {
		return
	}
	need := g.k * g.imgs * g.ho * g.wo
	for len(c.col) < p {
		c.col = append(c.col, nil)
	}
	for i := range p {
		if cap(c.col[i]) < need {
			c.col[i] = make([]float32, need)
		}
	}
}

// Forward computes y = conv(x, w). x is Ci×n×h×wd (CNHW), w is
// Co × (Ci·KH·KW) and y is Co×n×Ho×Wo with Ho, Wo from OutSize.
func (c *Conv2D) Forward(y, x, w []float32, n, h, wd int) {
	g := c.geom(n, h, wd)
	checkLen("Conv2D x", x, c.Ci*n*h*wd)
	checkLen("Conv2D w", w, c.WeightLen())
	checkLen("Conv2D y", y, c.Co*g.cols)
	c.scratch(&g, workers(g.chunks))
	mul := mulFor(g.chunks)
	parallelFor(g.chunks, func(wk, t int) {
		n0, cnt := g.span(t)
		c0 := n0 * g.ho * g.wo
		nc := cnt * g.ho * g.wo
		if g.direct {
			mul(false, false, c.Co, nc, g.k, 1, w, g.k, x[c0:], g.cols, 0, y[c0:], g.cols)
			return
		}
		col := c.col[wk][:g.k*nc]
		c.im2col(col, x, &g, n0, cnt)
		mul(false, false, c.Co, nc, g.k, 1, w, g.k, col, nc, 0, y[c0:], g.cols)
	})
}

// Backward computes the gradients of a loss L given dy = ∂L/∂y:
// dw = ∂L/∂w (overwritten, not accumulated) and dx = ∂L/∂x (overwritten).
// Either may be nil to skip it; pass dx = nil for a network's input layer.
// Shapes are as in Forward.
func (c *Conv2D) Backward(dx, dw, x, w, dy []float32, n, h, wd int) {
	g := c.geom(n, h, wd)
	checkLen("Conv2D x", x, c.Ci*n*h*wd)
	checkLen("Conv2D w", w, c.WeightLen())
	checkLen("Conv2D dy", dy, c.Co*g.cols)
	if dx != nil {
		checkLen("Conv2D dx", dx, len(x))
	}
	if dw != nil {
		checkLen("Conv2D dw", dw, len(w))
	}
	if dx == nil && dw == nil {
		return
	}
	// Chunks form a fixed number of groups of consecutive chunks; group j
	// accumulates its chunks' weight gradients, in order, into part[j], and
	// the parts are summed in order at the end.
	groups := g.chunks
	if dw != nil {
		groups = min(g.chunks, maxGroups, max(1, partBudget/len(w)))
		for len(c.part) < groups {
			c.part = append(c.part, nil)
		}
		c.part[0] = dw
		for j := 1; j < groups; j++ {
			if cap(c.part[j]) < len(w) {
				c.part[j] = make([]float32, len(w))
			}
			c.part[j] = c.part[j][:len(w)]
		}
	}
	c.scratch(&g, workers(groups))
	mul := mulFor(groups)
	parallelFor(groups, func(wk, j int) {
		lo, hi := j*g.chunks/groups, (j+1)*g.chunks/groups
		for t := lo; t < hi; t++ {
			c.backwardChunk(mul, dx, dw, x, w, dy, &g, wk, j, t, t == lo)
		}
	})
	if dw != nil && groups > 1 {
		parallelRange(len(dw), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				s := float64(dw[i])
				for j := 1; j < groups; j++ {
					s += float64(c.part[j][i])
				}
				dw[i] = float32(s)
			}
		})
	}
	if dw != nil {
		c.part[0] = nil // do not keep the caller's slice alive
	}
}

func (c *Conv2D) backwardChunk(sgemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int), dx, dw, x, w, dy []float32, g *geom, wk, j, t int, first bool) {
	n0, cnt := g.span(t)
	c0 := n0 * g.ho * g.wo
	nc := cnt * g.ho * g.wo
	var beta float32 = 1
	if first {
		beta = 0
	}
	if g.direct {
		if dw != nil {
			sgemm(false, true, c.Co, g.k, nc, 1, dy[c0:], g.cols, x[c0:], g.cols, beta, c.part[j], g.k)
		}
		if dx != nil {
			sgemm(true, false, g.k, nc, c.Co, 1, w, g.k, dy[c0:], g.cols, 0, dx[c0:], g.cols)
		}
		return
	}
	col := c.col[wk][:g.k*nc]
	if dw != nil {
		c.im2col(col, x, g, n0, cnt)
		sgemm(false, true, c.Co, g.k, nc, 1, dy[c0:], g.cols, col, nc, beta, c.part[j], g.k)
	}
	if dx != nil {
		sgemm(true, false, g.k, nc, c.Co, 1, w, g.k, dy[c0:], g.cols, 0, col, nc)
		c.col2im(dx, col, g, n0, cnt)
	}
}

// valid returns the range [lo, hi) of output positions o (0 ≤ o < out) whose
// input position o·stride − pad + k lies in [0, in).
func valid(k, pad, stride, in, out int) (lo, hi int) {
	if d := pad - k; d > 0 {
		lo = (d + stride - 1) / stride
	}
	if e := in - 1 + pad - k; e >= 0 {
		hi = min(out, e/stride+1)
	}
	lo = min(lo, out)
	return lo, max(lo, hi)
}

// im2col fills col (K × cnt·Ho·Wo, row (ci, kh, kw), column (n−n0, ho, wo))
// from images n0 … n0+cnt−1 of x.
func (c *Conv2D) im2col(col, x []float32, g *geom, n0, cnt int) {
	if c.fast3x3(g) {
		c.im2col3x3(col, x, g, n0, cnt)
		return
	}
	c.im2colGeneric(col, x, g, n0, cnt)
}

// im2colGeneric is im2col for any geometry.
func (c *Conv2D) im2colGeneric(col, x []float32, g *geom, n0, cnt int) {
	hw, howo := g.h*g.w, g.ho*g.wo
	nc := cnt * howo
	s := c.Stride
	r := 0
	for ci := 0; ci < c.Ci; ci++ {
		plane := x[(ci*g.n+n0)*hw : (ci*g.n+n0+cnt)*hw]
		for kh := 0; kh < c.KH; kh++ {
			ohLo, ohHi := valid(kh, c.Pad, s, g.h, g.ho)
			for kw := 0; kw < c.KW; kw++ {
				owLo, owHi := valid(kw, c.Pad, s, g.w, g.wo)
				iw0 := owLo*s - c.Pad + kw
				row := col[r*nc : (r+1)*nc]
				r++
				for i := 0; i < cnt; i++ {
					img := plane[i*hw : (i+1)*hw]
					dst := row[i*howo : (i+1)*howo]
					clear(dst[:ohLo*g.wo])
					clear(dst[ohHi*g.wo:])
					for oh := ohLo; oh < ohHi; oh++ {
						d := dst[oh*g.wo : (oh+1)*g.wo]
						// Padding columns: at most a few, so loops rather
						// than clear's call to memclr.
						for o := 0; o < owLo; o++ {
							d[o] = 0
						}
						for o := owHi; o < len(d); o++ {
							d[o] = 0
						}
						d = d[owLo:owHi]
						if len(d) == 0 {
							continue
						}
						src := img[(oh*s-c.Pad+kh)*g.w+iw0:]
						switch s {
						case 1:
							src = src[:len(d)]
							for o, v := range src {
								d[o] = v
							}
						case 2:
							src = src[:2*len(d)-1]
							for o := range d {
								d[o] = src[2*o]
							}
						default:
							for o, iw := 0, 0; o < len(d); o, iw = o+1, iw+s {
								d[o] = src[iw]
							}
						}
					}
				}
			}
		}
	}
}

// col2im overwrites images n0 … n0+cnt−1 of dx with the sum of col's entries
// at the positions im2col would have read them from. It may overwrite col.
func (c *Conv2D) col2im(dx, col []float32, g *geom, n0, cnt int) {
	if c.fast3x3(g) {
		c.col2im3x3(dx, col, g, n0, cnt)
		return
	}
	c.col2imGeneric(dx, col, g, n0, cnt)
}

// col2imGeneric is col2im for any geometry; it leaves col unchanged.
func (c *Conv2D) col2imGeneric(dx, col []float32, g *geom, n0, cnt int) {
	hw, howo := g.h*g.w, g.ho*g.wo
	nc := cnt * howo
	s := c.Stride
	r := 0
	for ci := 0; ci < c.Ci; ci++ {
		plane := dx[(ci*g.n+n0)*hw : (ci*g.n+n0+cnt)*hw]
		clear(plane)
		for kh := 0; kh < c.KH; kh++ {
			ohLo, ohHi := valid(kh, c.Pad, s, g.h, g.ho)
			for kw := 0; kw < c.KW; kw++ {
				owLo, owHi := valid(kw, c.Pad, s, g.w, g.wo)
				iw0 := owLo*s - c.Pad + kw
				row := col[r*nc : (r+1)*nc]
				r++
				for i := 0; i < cnt; i++ {
					img := plane[i*hw : (i+1)*hw]
					src := row[i*howo : (i+1)*howo]
					for oh := ohLo; oh < ohHi; oh++ {
						d := src[oh*g.wo+owLo : oh*g.wo+owHi]
						if len(d) == 0 {
							continue
						}
						dst := img[(oh*s-c.Pad+kh)*g.w+iw0:]
						switch s {
						case 1:
							dst = dst[:len(d)]
							for o, v := range d {
								dst[o] += v
							}
						case 2:
							dst = dst[:2*len(d)-1]
							for o, v := range d {
								dst[2*o] += v
							}
						default:
							for o, iw := 0, 0; o < len(d); o, iw = o+1, iw+s {
								dst[iw] += d[o]
							}
						}
					}
				}
			}
		}
	}
}
