package model

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// multiGrad adds to the graph one kernel call that computes several gradients
// at once (a convolution's input and weight gradients share nothing but are
// cheaper in one pass; batch norm's three share their reductions) and returns a
// node per gradient. The first gradient is the call's own output; the others
// are written into buffers that "pick" nodes, which depend on the call,
// hand on without copying.
func multiGrad(t *Timings, name string, inputs []*G.Node, shapes []tensor.Shape, run func(outs [][]float32, in [][]float32) error) ([]*G.Node, error) {
	extra := make([]*tensor.Dense, len(shapes)-1)
	for i := range extra {
		extra[i] = tensor.New(tensor.WithShape(shapes[i+1]...), tensor.Of(tensor.Float32))
	}
	inDim := make([]int, len(inputs))
	for i, n := range inputs {
		inDim[i] = n.Dims()
	}
	outs := make([][]float32, len(shapes))
	for i, t := range extra {
		outs[i+1] = t.Data().([]float32)
	}
	call := newKernelOp(t, name, inDim, shapes[0], func(out []float32, in [][]float32) error {
		outs[0] = out
		return run(outs, in)
	})
	first, err := call.apply(inputs...)
	if err != nil {
		return nil, err
	}
	nodes := []*G.Node{first}
	for i, t := range extra {
		pick := newKernelOp(nil, fmt.Sprintf("%s.%d", name, i+1), []int{first.Dims()}, shapes[i+1], func([]float32, [][]float32) error { return nil })
		pick.buf = t
		n, err := pick.apply(first)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}
