package model

import (
	"fmt"

	"github.com/supcon/supcon/trainer/gemm"
	"github.com/supcon/supcon/trainer/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// conv adds a k×k convolution without bias (batch norm follows) on a CNHW
// node. The network's input gets no gradient.
func (b *builder) conv(x *G.Node, name string, out, k, stride, pad int) (*G.Node, error) {
	s := x.Shape()
	ci, n, h, w := s[0], s[1], s[2], s[3]
	c := &nn.Conv2D{Ci: ci, Co: out, KH: k, KW: k, Stride: stride, Pad: pad}
	ho, wo := c.OutSize(h, w)
	if ho < 1 || wo < 1 {
		return nil, fmt.Errorf("%s: input %d×%d too small", name, h, w)
	}
	_, wn := b.param(name+".w", Weight, heNormal(ci*k*k), out, ci*k*k)
	op := newKernelOp(b.timer, name, []int{4, 2}, tensor.Shape{out, n, ho, wo}, func(y []float32, in [][]float32) error {
		c.Forward(y, in[0], in[1], n, h, w)
		return nil
	})
	needDX := x != b.input
	op.diffWRT = []bool{needDX, true}
	op.backward = func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
		if !needDX {
			dw := newKernelOp(b.timer, name+".dw", []int{4, 2, 4}, tensor.Shape{out, ci * k * k}, func(dw []float32, in [][]float32) error {
				c.Backward(nil, dw, in[0], in[1], in[2], n, h, w)
				return nil
			})
			dwn, err := dw.apply(inputs[0], inputs[1], grad)
			return G.Nodes{nil, dwn}, err
		}
		g, err := multiGrad(b.timer, name+".grad", []*G.Node{inputs[0], inputs[1], grad},
			[]tensor.Shape{s.Clone(), {out, ci * k * k}},
			func(outs [][]float32, in [][]float32) error {
				c.Backward(outs[0], outs[1], in[0], in[1], in[2], n, h, w)
				return nil
			})
		return G.Nodes(g), err
	}
	return op.apply(x, wn)
}

// batchNorm adds batch normalisation (and ReLU when relu is set) on a CNHW
// node: batch statistics in a training graph, running ones otherwise.
func (b *builder) batchNorm(x *G.Node, name string, relu bool) (*G.Node, error) {
	s := x.Shape()
	c, m := s[0], s[1]*s[2]*s[3]
	return b.bnLayer(x, name, relu, c, m, false)
}

// batchNorm1D adds batch normalisation (and ReLU) on an N×C matrix node.
func (b *builder) batchNorm1D(x *G.Node, name string, relu bool) (*G.Node, error) {
	s := x.Shape()
	return b.bnLayer(x, name, relu, s[1], s[0], true)
}

func (b *builder) bnLayer(x *G.Node, name string, relu bool, c, m int, rows bool) (*G.Node, error) {
	_, gamma := b.param(name+".gamma", Bias, constant(1), c)
	_, beta := b.param(name+".beta", Bias, constant(0), c)
	rm, _ := b.param(name+".running_mean", Buffer, constant(0), c)
	rv, _ := b.param(name+".running_var", Buffer, constant(1), c)
	bn := nn.NewBatchNorm(c, relu)
	bn.RunningMean, bn.RunningVar = rm.Data, rv.Data
	train := b.train
	if train && m < 2 {
		return nil, fmt.Errorf("%s: batch norm trains on the batch's statistics and needs at least 2 values per channel; this batch gives %d (more samples per batch, or larger images)", name, m)
	}
	shape := x.Shape().Clone()
	op := newKernelOp(b.timer, name, []int{len(shape), 1, 1}, shape, func(y []float32, in [][]float32) error {
		switch {
		case train && rows:
			bn.Forward1D(y, in[0], in[1], in[2], m)
		case train:
			bn.Forward(y, in[0], in[1], in[2], m)
		case rows:
			bn.Infer1D(y, in[0], in[1], in[2], m)
		default:
			bn.Infer(y, in[0], in[1], in[2], m)
		}
		return nil
	})
	op.diffWRT = []bool{true, true, true}
	op.backward = func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
		if !train {
			return nil, fmt.Errorf("%s: no gradient through batch norm in evaluation mode", name)
		}
		g, err := multiGrad(b.timer, name+".grad", []*G.Node{inputs[0], grad},
			[]tensor.Shape{shape, {c}, {c}},
			func(outs [][]float32, in [][]float32) error {
				if rows {
					bn.Backward1D(outs[0], outs[1], outs[2], in[0], in[1], m)
				} else {
					bn.Backward(outs[0], outs[1], outs[2], in[0], in[1], m)
				}
				return nil
			})
		return G.Nodes(g), err
	}
	return op.apply(x, gamma, beta)
}

// pool adds global average pooling: CNHW → N×C.
func (b *builder) pool(x *G.Node) (*G.Node, error) {
	s := x.Shape().Clone()
	c, n, hw := s[0], s[1], s[2]*s[3]
	op := newKernelOp(b.timer, "pool", []int{4}, tensor.Shape{n, c}, func(y []float32, in [][]float32) error {
		nn.GlobalAvgPool(y, in[0], c, n, hw)
		return nil
	})
	op.diffWRT = []bool{true}
	op.backward = func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
		d := newKernelOp(b.timer, "pool.grad", []int{2}, s, func(dx []float32, in [][]float32) error {
			nn.GlobalAvgPoolBackward(dx, in[0], c, n, hw)
			return nil
		})
		dn, err := d.apply(grad)
		return G.Nodes{dn}, err
	}
	return op.apply(x)
}

// addReLU adds the residual join relu(a + b).
func (b *builder) addReLU(x, y *G.Node) (*G.Node, error) {
	s := x.Shape().Clone()
	op := newKernelOp(b.timer, "add", []int{4, 4}, s, func(out []float32, in [][]float32) error {
		nn.Add(out, in[0], in[1], true)
		return nil
	})
	op.diffWRT = []bool{true, true}
	op.backward = func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
		d := newKernelOp(b.timer, "add.grad", []int{4, 4}, s, func(dx []float32, in [][]float32) error {
			nn.ReLUBackward(dx, in[0], in[1])
			return nil
		})
		dn, err := d.apply(output, grad)
		return G.Nodes{dn, dn}, err
	}
	return op.apply(x, y)
}

// linearOp adds y = x·W (+ b) on inputs x (n×in), W (in×out) and, when
// present, b (out). Its gradients: dx = dy·Wᵀ (not for the network's input),
// dW = xᵀ·dy, db = the column sums of dy (in row order, in float64).
func (b *builder) linearOp(name string, inputs []*G.Node, n, in, out int) (*G.Node, error) {
	bias := len(inputs) == 3
	inDim := []int{2, 2, 1}[:len(inputs)]
	op := newKernelOp(b.timer, name, inDim, tensor.Shape{n, out}, func(y []float32, in2 [][]float32) error {
		var beta float32
		if bias {
			for i := 0; i < n; i++ {
				copy(y[i*out:(i+1)*out], in2[2])
			}
			beta = 1
		}
		gemm.Sgemm(false, false, n, out, in, 1, in2[0], in, in2[1], out, beta, y, out)
		return nil
	})
	needDX := inputs[0] != b.input
	op.diffWRT = []bool{needDX, true, true}[:len(inputs)]
	op.backward = func(nodes G.Nodes, output, grad *G.Node) (G.Nodes, error) {
		var shapes []tensor.Shape
		if needDX {
			shapes = append(shapes, tensor.Shape{n, in})
		}
		shapes = append(shapes, tensor.Shape{in, out})
		if bias {
			shapes = append(shapes, tensor.Shape{out})
		}
		gs, err := multiGrad(b.timer, name+".grad", []*G.Node{nodes[0], nodes[1], grad}, shapes,
			func(outs [][]float32, v [][]float32) error {
				x, w, dy := v[0], v[1], v[2]
				if needDX {
					gemm.Sgemm(false, true, n, in, out, 1, dy, out, w, out, 0, outs[0], in)
					outs = outs[1:]
				}
				gemm.Sgemm(true, false, in, out, n, 1, x, in, dy, out, 0, outs[0], out)
				if bias {
					sum := make([]float64, out)
					for i := 0; i < n; i++ {
						for j, g := range dy[i*out : (i+1)*out] {
							sum[j] += float64(g)
						}
					}
					for j := range sum {
						outs[1][j] = float32(sum[j])
					}
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
		if !needDX {
			gs = append([]*G.Node{nil}, gs...)
		}
		return G.Nodes(gs), nil
	}
	return op.apply(inputs...)
}
