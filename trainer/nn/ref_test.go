package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Naive float64 references and helpers shared by the tests.

type convCase struct {
	name                        string
	ci, co, kh, kw, stride, pad int
	n, h, w                     int
}

func (tc convCase) layer() *Conv2D {
	return &Conv2D{Ci: tc.ci, Co: tc.co, KH: tc.kh, KW: tc.kw, Stride: tc.stride, Pad: tc.pad}
}

// refConv is the direct convolution in float64.
func refConv(tc convCase, x, w []float64) []float64 {
	ho := (tc.h+2*tc.pad-tc.kh)/tc.stride + 1
	wo := (tc.w+2*tc.pad-tc.kw)/tc.stride + 1
	y := make([]float64, tc.co*tc.n*ho*wo)
	for co := 0; co < tc.co; co++ {
		for n := 0; n < tc.n; n++ {
			for oh := 0; oh < ho; oh++ {
				for ow := 0; ow < wo; ow++ {
					var s float64
					for ci := 0; ci < tc.ci; ci++ {
						for kh := 0; kh < tc.kh; kh++ {
							for kw := 0; kw < tc.kw; kw++ {
								ih, iw := oh*tc.stride-tc.pad+kh, ow*tc.stride-tc.pad+kw
								if ih < 0 || ih >= tc.h || iw < 0 || iw >= tc.w {
									continue
								}
								s += x[((ci*tc.n+n)*tc.h+ih)*tc.w+iw] * w[((co*tc.ci+ci)*tc.kh+kh)*tc.kw+kw]
							}
						}
					}
					y[((co*tc.n+n)*ho+oh)*wo+ow] = s
				}
			}
		}
	}
	return y
}

// refConvGrad is the direct convolution's analytic gradient in float64.
func refConvGrad(tc convCase, x, w, dy []float64) (dx, dw []float64) {
	ho := (tc.h+2*tc.pad-tc.kh)/tc.stride + 1
	wo := (tc.w+2*tc.pad-tc.kw)/tc.stride + 1
	dx, dw = make([]float64, len(x)), make([]float64, len(w))
	for co := 0; co < tc.co; co++ {
		for n := 0; n < tc.n; n++ {
			for oh := 0; oh < ho; oh++ {
				for ow := 0; ow < wo; ow++ {
					g := dy[((co*tc.n+n)*ho+oh)*wo+ow]
					for ci := 0; ci < tc.ci; ci++ {
						for kh := 0; kh < tc.kh; kh++ {
							for kw := 0; kw < tc.kw; kw++ {
								ih, iw := oh*tc.stride-tc.pad+kh, ow*tc.stride-tc.pad+kw
								if ih < 0 || ih >= tc.h || iw < 0 || iw >= tc.w {
									continue
								}
								xi := ((ci*tc.n+n)*tc.h+ih)*tc.w + iw
								wi := ((co*tc.ci+ci)*tc.kh+kh)*tc.kw + kw
								dx[xi] += g * w[wi]
								dw[wi] += g * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return dx, dw
}

// refBN is training-mode batch norm in float64 on C channels of m values,
// channel c's j-th value at idx(c, j).
func refBN(x, gamma, beta []float64, C, m int, idx func(c, j int) int, relu bool) (y, mean, varB []float64) {
	y = make([]float64, len(x))
	mean, varB = make([]float64, C), make([]float64, C)
	for c := 0; c < C; c++ {
		var s float64
		for j := 0; j < m; j++ {
			s += x[idx(c, j)]
		}
		mu := s / float64(m)
		var q float64
		for j := 0; j < m; j++ {
			d := x[idx(c, j)] - mu
			q += d * d
		}
		v := q / float64(m)
		mean[c], varB[c] = mu, v
		for j := 0; j < m; j++ {
			i := idx(c, j)
			y[i] = gamma[c]*(x[i]-mu)/math.Sqrt(v+1e-5) + beta[c]
			if relu && y[i] < 0 {
				y[i] = 0
			}
		}
	}
	return y, mean, varB
}

// refBNGrad is refBN's analytic gradient.
func refBNGrad(x, gamma, beta, dy []float64, C, m int, idx func(c, j int) int, relu bool) (dx, dgamma, dbeta []float64) {
	dx, dgamma, dbeta = make([]float64, len(x)), make([]float64, C), make([]float64, C)
	_, mean, varB := refBN(x, gamma, beta, C, m, idx, false)
	for c := 0; c < C; c++ {
		inv := 1 / math.Sqrt(varB[c]+1e-5)
		dz := make([]float64, m)
		xh := make([]float64, m)
		for j := 0; j < m; j++ {
			i := idx(c, j)
			xh[j] = (x[i] - mean[c]) * inv
			dz[j] = dy[i]
			if relu && gamma[c]*xh[j]+beta[c] <= 0 {
				dz[j] = 0
			}
			dbeta[c] += dz[j]
			dgamma[c] += dz[j] * xh[j]
		}
		for j := 0; j < m; j++ {
			dx[idx(c, j)] = gamma[c] * inv / float64(m) * (float64(m)*dz[j] - dbeta[c] - xh[j]*dgamma[c])
		}
	}
	return dx, dgamma, dbeta
}

func cnhwIdx(m int) func(c, j int) int { return func(c, j int) int { return c*m + j } }
func ncIdx(C int) func(c, j int) int   { return func(c, j int) int { return j*C + c } }

// numGrad returns ∂/∂p Σ f(p)·r by central differences in float64.
func numGrad(p []float64, r []float64, f func() []float64) []float64 {
	const h = 1e-6
	g := make([]float64, len(p))
	dot := func() float64 {
		var s float64
		for i, v := range f() {
			s += v * r[i]
		}
		return s
	}
	for i := range p {
		old := p[i]
		p[i] = old + h
		a := dot()
		p[i] = old - h
		b := dot()
		p[i] = old
		g[i] = (a - b) / (2 * h)
	}
	return g
}

func randVec(rng *rand.Rand, n int, scale float64) ([]float32, []float64) {
	f := make([]float32, n)
	d := make([]float64, n)
	for i := range f {
		f[i] = float32(rng.NormFloat64() * scale)
		d[i] = float64(f[i])
	}
	return f, d
}

func to64(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

// assertClose fails when |got−want| > tol·(1+max|want|) anywhere.
func assertClose(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
	}
	var scale float64
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol*(1+scale) || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %g, want %g (|diff| %.3g, scale %.3g)", what, i, got[i], want[i], d, scale)
		}
	}
}

// withColBudget runs f with a different im2col chunk budget.
func withColBudget(b int, f func()) {
	old := colBudget
	colBudget = b
	defer func() { colBudget = old }()
	f()
}
