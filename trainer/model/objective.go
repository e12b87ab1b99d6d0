package model

import (
	"fmt"

	"github.com/supcon/supcon/loss"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Objective is the loss at the end of a training graph. Its forward pass
// computes the loss value and its gradient with package loss, on the rows of
// its input (projections, or logits for cross-entropy); its backward pass
// hands that gradient to gorgonia as the input's gradient. The graph thus
// never holds the M×M similarity matrix: package loss works on blocks.
type Objective struct {
	// Options configure the loss; Views must match the batch layout.
	Options loss.Options
	// Result is the last forward pass's.
	Result loss.Result

	labels, keys []int
	ws           loss.Workspace
	grad         *tensor.Dense
}

// SetBatch gives the next run's labels (one per row) and image keys (nil, or
// one per row; see loss.Options.ImageKeys). The slices are used, not copied.
func (o *Objective) SetBatch(labels, keys []int) {
	o.labels, o.keys = labels, keys
}

// apply adds the loss on z (rows × cols) to the graph and returns the scalar
// cost node.
func (o *Objective) apply(z *G.Node, t *Timings) (*G.Node, error) {
	shape := z.Shape()
	if len(shape) != 2 {
		return nil, fmt.Errorf("loss input has shape %v, want a matrix", shape)
	}
	rows, cols := shape[0], shape[1]
	o.grad = tensor.New(tensor.WithShape(rows, cols), tensor.Of(tensor.Float32))
	fwd := newKernelOp(t, "loss", []int{2}, tensor.ScalarShape(), func(out []float32, in [][]float32) error {
		if len(o.labels) != rows {
			return fmt.Errorf("loss: %d labels for %d rows", len(o.labels), rows)
		}
		opt := o.Options
		opt.ImageKeys = o.keys
		dst := loss.Matrix{Rows: rows, Cols: cols, Data: o.grad.Data().([]float32)}
		r, err := o.ws.Compute(&dst, loss.Matrix{Rows: rows, Cols: cols, Data: in[0]}, o.labels, opt)
		if err != nil {
			return fmt.Errorf("loss: %w", err)
		}
		o.Result = r
		out[0] = float32(r.Value)
		return nil
	})
	fwd.diffWRT = []bool{true}
	fwd.backward = func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
		bwd := newKernelOp(t, "loss.grad", []int{0}, tensor.Shape{rows, cols}, func(out []float32, in [][]float32) error {
			s := in[0][0]
			for i, g := range o.grad.Data().([]float32) {
				out[i] = s * g
			}
			return nil
		})
		n, err := bwd.apply(grad)
		if err != nil {
			return nil, err
		}
		return G.Nodes{n}, nil
	}
	return fwd.apply(z)
}
