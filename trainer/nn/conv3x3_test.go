package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestIm2col3x3 checks the 3×3 fast paths against the generic im2col
// (bit for bit) and col2im (against float64 sums) on many image sizes,
// including odd ones and several images per chunk.
func TestIm2col3x3(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []int{1, 2} {
		for h := 2; h <= 9; h++ {
			for w := 2; w <= 9; w++ {
				c := &Conv2D{Ci: 2, Co: 1, KH: 3, KW: 3, Stride: s, Pad: 1}
				const n = 3
				g := c.geom(n, h, w)
				if !c.fast3x3(&g) {
					if s == 2 && (h < 3 || w < 3) {
						continue // Ho or Wo is 1: generic path
					}
					t.Fatalf("stride %d %d×%d: no fast path", s, h, w)
				}
				t.Run(fmt.Sprintf("s%d/%dx%d", s, h, w), func(t *testing.T) {
					x, _ := randVec(rng, c.Ci*n*h*w, 1)
					for _, span := range [][2]int{{0, n}, {1, 2}, {2, 1}} {
						n0, cnt := span[0], span[1]
						nc := cnt * g.ho * g.wo
						want := make([]float32, g.k*nc)
						got := make([]float32, g.k*nc)
						for i := range got {
							got[i] = float32(math.NaN())
						}
						c.im2colGeneric(want, x, &g, n0, cnt)
						c.im2col3x3(got, x, &g, n0, cnt)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("im2col span %v: col[%d] = %v, want %v", span, i, got[i], want[i])
							}
						}

						col, _ := randVec(rng, g.k*nc, 1)
						col1 := append([]float32(nil), col...)
						dxWant := make([]float32, len(x))
						dxGot := make([]float32, len(x))
						for i := range dxGot {
							dxGot[i] = float32(math.NaN())
						}
						c.col2imGeneric(dxWant, col, &g, n0, cnt)
						c.col2im3x3(dxGot, col1, &g, n0, cnt)
						// Exact sums: the transpose of im2col in float64.
						exact := make([]float64, len(x))
						hw, howo := h*w, g.ho*g.wo
						for ci := 0; ci < c.Ci; ci++ {
							for kh := 0; kh < 3; kh++ {
								for kw := 0; kw < 3; kw++ {
									r := (ci*3+kh)*3 + kw
									for i := 0; i < cnt; i++ {
										for oh := 0; oh < g.ho; oh++ {
											for ow := 0; ow < g.wo; ow++ {
												ih, iw := oh*s-1+kh, ow*s-1+kw
												if ih < 0 || ih >= h || iw < 0 || iw >= w {
													continue
												}
												exact[(ci*n+n0+i)*hw+ih*w+iw] += float64(col[r*nc+i*howo+oh*g.wo+ow])
											}
										}
									}
								}
							}
						}
						for i := range dxGot {
							inSpan := (i/hw)%n >= n0 && (i/hw)%n < n0+cnt
							if !inSpan {
								if !math.IsNaN(float64(dxGot[i])) {
									t.Fatalf("col2im span %v wrote dx[%d] outside its images", span, i)
								}
								continue
							}
							if d := math.Abs(float64(dxGot[i]) - exact[i]); d > 1e-5 {
								t.Fatalf("col2im span %v: dx[%d] = %v, want %v", span, i, dxGot[i], exact[i])
							}
							if d := math.Abs(float64(dxWant[i]) - exact[i]); d > 1e-5 {
								t.Fatalf("generic col2im span %v: dx[%d] = %v, want %v", span, i, dxWant[i], exact[i])
							}
						}
					}
				})
			}
		}
	}
}
