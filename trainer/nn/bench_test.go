package nn

import (
	"flag"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// -gemm picks the matrix multiply for the benchmarks: "" (trainer/gemm),
// "gonum" (gonum's pure-Go blocked sgemm, a stand-in for a fast GEMM) or
// "noop" (no multiply at all: what remains is im2col, col2im, BN, pooling).
var gemmFlag = flag.String("gemm", "", `GEMM for benchmarks: "", "gonum" or "noop"`)

func useGemm(b *testing.B) {
	old, oldSerial := sgemm, sgemmSerial
	b.Cleanup(func() { sgemm, sgemmSerial = old, oldSerial })
	switch *gemmFlag {
	case "":
	case "gonum":
		sgemm = func(ta, tb bool, m, n, k int, alpha float32, a []float32, lda int, bb []float32, ldb int, beta float32, c []float32, ldc int) {
			t := func(x bool) blas.Transpose {
				if x {
					return blas.Trans
				}
				return blas.NoTrans
			}
			gonum.Implementation{}.Sgemm(t(ta), t(tb), m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc)
		}
		sgemmSerial = sgemm
	case "noop":
		sgemm = func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int) {}
		sgemmSerial = sgemm
	default:
		b.Fatalf("unknown -gemm %q", *gemmFlag)
	}
}

// The cnn-small encoder at batch 256 of 28×28×1 views:
// conv3x3 1→32 s1 + BN + ReLU, conv3x3 32→64 s2 + BN + ReLU,
// conv3x3 64→128 s2 + BN + ReLU, global average pool → (256, 128).

const benchN = 256

type benchLayer struct {
	conv        *Conv2D
	bn          *BatchNorm
	h, w        int // input size
	ho, wo      int
	x, wt, y, z []float32 // input, weights, conv output, BN+ReLU output
	dx, dw, dy  []float32 // dy: gradient at the conv output
	dz          []float32 // gradient at the BN output
	gamma, beta []float32
	dg, db      []float32
}

type cnnSmall struct {
	layers    []*benchLayer
	pooled    []float32
	dpooled   []float32
	input     []float32
	flopsStep float64 // per view, forward + backward
}

func newCNNSmall() *cnnSmall {
	rng := rand.New(rand.NewPCG(1, 1))
	m := &cnnSmall{}
	specs := []struct{ ci, co, stride int }{{1, 32, 1}, {32, 64, 2}, {64, 128, 2}}
	h, w := 28, 28
	x, _ := randVec(rng, benchN*h*w, 1)
	m.input = x
	for i, s := range specs {
		l := &benchLayer{conv: &Conv2D{Ci: s.ci, Co: s.co, KH: 3, KW: 3, Stride: s.stride, Pad: 1},
			bn: NewBatchNorm(s.co, true), h: h, w: w}
		l.ho, l.wo = l.conv.OutSize(h, w)
		l.x = x
		l.wt, _ = randVec(rng, l.conv.WeightLen(), 0.1)
		out := s.co * benchN * l.ho * l.wo
		l.y, l.z = make([]float32, out), make([]float32, out)
		l.dy, l.dz = make([]float32, out), make([]float32, out)
		if i > 0 {
			l.dx = m.layers[i-1].dz // the gradient at the previous layer's output
		}
		l.dw = make([]float32, len(l.wt))
		l.gamma, _ = randVec(rng, s.co, 0.1)
		for j := range l.gamma {
			l.gamma[j]++
		}
		l.beta, _ = randVec(rng, s.co, 0.1)
		l.dg, l.db = make([]float32, s.co), make([]float32, s.co)
		m.flopsStep += float64(2*s.co*l.conv.Ci*9*l.ho*l.wo) * 3
		if i == 0 {
			m.flopsStep -= float64(2 * s.co * l.conv.Ci * 9 * l.ho * l.wo)
		}
		m.layers = append(m.layers, l)
		x, h, w = l.z, l.ho, l.wo
	}
	last := m.layers[len(m.layers)-1]
	m.pooled = make([]float32, benchN*last.conv.Co)
	m.dpooled, _ = randVec(rng, len(m.pooled), 1)
	return m
}

func (m *cnnSmall) forward() {
	for _, l := range m.layers {
		l.conv.Forward(l.y, l.x, l.wt, benchN, l.h, l.w)
		l.bn.Forward(l.z, l.y, l.gamma, l.beta, benchN*l.ho*l.wo)
	}
	last := m.layers[len(m.layers)-1]
	GlobalAvgPool(m.pooled, last.z, last.conv.Co, benchN, last.ho*last.wo)
}

func (m *cnnSmall) backward() {
	last := m.layers[len(m.layers)-1]
	GlobalAvgPoolBackward(last.dz, m.dpooled, last.conv.Co, benchN, last.ho*last.wo)
	for i := len(m.layers) - 1; i >= 0; i-- {
		l := m.layers[i]
		l.bn.Backward(l.dy, l.dg, l.db, l.y, l.dz, benchN*l.ho*l.wo)
		l.conv.Backward(l.dx, l.dw, l.x, l.wt, l.dy, benchN, l.h, l.w)
	}
}

func reportViews(b *testing.B) {
	b.ReportMetric(float64(b.N*benchN)/b.Elapsed().Seconds(), "views/s")
}

func BenchmarkCNNSmall(b *testing.B) {
	useGemm(b)
	m := newCNNSmall()
	m.forward()
	m.backward()
	names := []string{"conv1", "conv2", "conv3"}
	for i, l := range m.layers {
		flops := float64(2 * l.conv.Co * l.conv.Ci * 9 * benchN * l.ho * l.wo)
		b.Run(names[i]+"/fwd", func(b *testing.B) {
			for b.Loop() {
				l.conv.Forward(l.y, l.x, l.wt, benchN, l.h, l.w)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			reportViews(b)
		})
		b.Run(names[i]+"/bwd", func(b *testing.B) {
			for b.Loop() {
				l.conv.Backward(l.dx, l.dw, l.x, l.wt, l.dy, benchN, l.h, l.w)
			}
			f := flops
			if l.dx != nil {
				f *= 2
			}
			b.ReportMetric(f*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			reportViews(b)
		})
		mm := benchN * l.ho * l.wo
		b.Run("bn"+names[i][4:]+"/fwd", func(b *testing.B) {
			for b.Loop() {
				l.bn.Forward(l.z, l.y, l.gamma, l.beta, mm)
			}
			reportViews(b)
		})
		b.Run("bn"+names[i][4:]+"/bwd", func(b *testing.B) {
			for b.Loop() {
				l.bn.Backward(l.dy, l.dg, l.db, l.y, l.dz, mm)
			}
			reportViews(b)
		})
	}
	last := m.layers[len(m.layers)-1]
	b.Run("pool/fwd", func(b *testing.B) {
		for b.Loop() {
			GlobalAvgPool(m.pooled, last.z, last.conv.Co, benchN, last.ho*last.wo)
		}
		reportViews(b)
	})
	b.Run("pool/bwd", func(b *testing.B) {
		for b.Loop() {
			GlobalAvgPoolBackward(last.dz, m.dpooled, last.conv.Co, benchN, last.ho*last.wo)
		}
		reportViews(b)
	})
	b.Run("chain", func(b *testing.B) {
		for b.Loop() {
			m.forward()
			m.backward()
		}
		b.ReportMetric(m.flopsStep*benchN*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		reportViews(b)
	})
}

// BenchmarkBatchNorm times BatchNorm (with ReLU) alone on cnn-small's
// three geometries, on the assembly loops (where they run) and in Go.
func BenchmarkBatchNorm(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, s := range []struct {
		name string
		c, m int
	}{{"bn1", 32, benchN * 28 * 28}, {"bn2", 64, benchN * 14 * 14}, {"bn3", 128, benchN * 7 * 7}} {
		x, _ := randVec(rng, s.c*s.m, 1)
		dy, _ := randVec(rng, s.c*s.m, 1)
		y, dx := make([]float32, len(x)), make([]float32, len(x))
		gamma, _ := randVec(rng, s.c, 0.1)
		for i := range gamma {
			gamma[i]++
		}
		beta, _ := randVec(rng, s.c, 0.1)
		dg, db := make([]float32, s.c), make([]float32, s.c)
		bn := NewBatchNorm(s.c, true)
		bn.Forward(y, x, gamma, beta, s.m)
		for _, asm := range bnPaths() {
			b.Run(s.name+"/fwd/"+bnPathName(asm), func(b *testing.B) {
				withBNAsm(asm, func() {
					for b.Loop() {
						bn.Forward(y, x, gamma, beta, s.m)
					}
				})
				reportViews(b)
			})
			b.Run(s.name+"/bwd/"+bnPathName(asm), func(b *testing.B) {
				withBNAsm(asm, func() {
					for b.Loop() {
						bn.Backward(dx, dg, db, x, dy, s.m)
					}
				})
				reportViews(b)
			})
		}
	}
}

// BenchmarkIm2colConv2 times im2col alone on cnn-small conv2's geometry
// (3×3 stride 2, 32 channels of 28×28, batch 256) and on conv1's and
// conv3's; "generic" is the path for any geometry, "fast" the 3×3 one.
func BenchmarkIm2colConv2(b *testing.B) { benchCol(b, false) }

// BenchmarkCol2imConv2 times col2im alone on the same geometries.
func BenchmarkCol2imConv2(b *testing.B) { benchCol(b, true) }

func benchCol(b *testing.B, back bool) {
	for _, s := range []struct {
		name           string
		ci, stride, hw int
	}{{"conv2", 32, 2, 28}, {"conv1", 1, 1, 28}, {"conv3", 64, 2, 14}} {
		c := &Conv2D{Ci: s.ci, Co: 64, KH: 3, KW: 3, Stride: s.stride, Pad: 1}
		g := c.geom(256, s.hw, s.hw)
		x := make([]float32, s.ci*256*s.hw*s.hw)
		col := make([]float32, g.k*g.imgs*g.ho*g.wo)
		for _, impl := range []string{"generic", "fast"} {
			name := s.name + "/" + impl
			run := func(b *testing.B) {
				for b.Loop() {
					for t := 0; t < g.chunks; t++ {
						n0, cnt := g.span(t)
						cl := col[:g.k*cnt*g.ho*g.wo]
						switch {
						case back && impl == "fast":
							c.col2im(x, cl, &g, n0, cnt)
						case back:
							c.col2imGeneric(x, cl, &g, n0, cnt)
						case impl == "fast":
							c.im2col(cl, x, &g, n0, cnt)
						default:
							c.im2colGeneric(cl, x, &g, n0, cnt)
						}
					}
				}
				b.ReportMetric(float64(b.N)*float64(g.k*g.cols)/b.Elapsed().Seconds()/1e9, "Gelem/s")
			}
			b.Run(name, run)
		}
	}
}
