package model

import (
	"fmt"
	"hash"
	"hash/fnv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opSeq numbers op instances: gorgonia merges nodes whose ops hash equal and
// whose children are the same, and every op here carries state (saved
// statistics, its output buffer), so no two instances may hash alike.
var opSeq atomic.Int64

// kernelOp is a gorgonia op whose forward and backward run our own kernels on
// float32 slices. Every instance owns its output buffer, allocated on first
// use and reused on every later run of the graph; the graph is rebuilt rather
// than reshaped, so the output shape never changes.
type kernelOp struct {
	name  string
	kind  string // name without its layer, for Timings
	id    int64
	inDim []int // dimensions of each input
	out   tensor.Shape

	// forward fills out from the inputs.
	forward func(out []float32, in [][]float32) error
	// backward, when set, makes the op differentiable: it returns a node
	// per input (nil where no gradient flows) from the inputs, the output
	// and the output's gradient.
	backward func(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error)
	diffWRT  []bool

	buf *tensor.Dense
	// timer accumulates the time spent in forward under the op's kind,
	// when it is on.
	timer *Timings
}

// Timings accumulates the time a graph's own ops take, by op kind (the op's
// name without its layer prefix: "conv", "conv.grad", "bn", ...). Gorgonia's
// own ops (the projection head's ReLU) and the machine's overhead are the
// rest of a run's time.
type Timings struct {
	On     bool
	ByKind map[string]time.Duration
}

// Reset forgets the times accumulated so far.
func (t *Timings) Reset() { t.ByKind = nil }

func (t *Timings) add(kind string, d time.Duration) {
	if t.ByKind == nil {
		t.ByKind = map[string]time.Duration{}
	}
	t.ByKind[kind] += d
}

// kindOf strips the layer name: "encoder.conv2.grad" → "conv.grad".
func kindOf(name string) string {
	parts := strings.Split(name, ".")
	out := parts[:0]
	for _, p := range parts {
		if p == "encoder" || p == "head" || strings.HasPrefix(p, "block") || p == "stem" || p == "short" {
			continue
		}
		out = append(out, strings.TrimRight(p, "0123456789"))
	}
	return strings.Join(out, ".")
}

// newKernelOp returns an op named name with the given input ranks and output
// shape.
func newKernelOp(t *Timings, name string, inDim []int, out tensor.Shape, forward func(out []float32, in [][]float32) error) *kernelOp {
	return &kernelOp{name: name, kind: kindOf(name), id: opSeq.Add(1), inDim: inDim, out: out.Clone(), forward: forward, timer: t}
}

// apply adds the op to the graph on the given inputs.
func (op *kernelOp) apply(inputs ...*G.Node) (*G.Node, error) {
	n, err := G.ApplyOp(op, inputs...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.name, err)
	}
	return n, nil
}

// The methods from here to SymDiff implement gorgonia.Op and gorgonia.SDOp.

func (op *kernelOp) Arity() int { return len(op.inDim) }

func tensorType(dims int, of hm.Type) hm.Type {
	if dims == 0 {
		return of
	}
	return &G.TensorType{Dims: dims, Of: of}
}

func (op *kernelOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(op.inDim)+1)
	for _, d := range op.inDim {
		ts = append(ts, tensorType(d, a))
	}
	ts = append(ts, tensorType(len(op.out), a))
	return hm.NewFnType(ts...)
}

func (op *kernelOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(op.out) == 0 {
		return tensor.ScalarShape(), nil
	}
	return op.out.Clone(), nil
}

func (op *kernelOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != len(op.inDim) {
		return nil, fmt.Errorf("%s: %d inputs, want %d", op.name, len(vals), len(op.inDim))
	}
	in := make([][]float32, len(vals))
	for i, v := range vals {
		d, ok := v.Data().([]float32)
		if !ok {
			if f, ok := v.Data().(float32); ok {
				d = []float32{f}
			} else {
				return nil, fmt.Errorf("%s: input %d is %T, want float32 data", op.name, i, v.Data())
			}
		}
		in[i] = d
	}
	if op.timer != nil && op.timer.On {
		defer func(t0 time.Time) { op.timer.add(op.kind, time.Since(t0)) }(time.Now())
	}
	if len(op.out) == 0 {
		var s [1]float32
		if err := op.forward(s[:], in); err != nil {
			return nil, &OpError{Op: op.name, Err: err}
		}
		return G.NewF32(s[0]), nil
	}
	if op.buf == nil {
		op.buf = tensor.New(tensor.WithShape(op.out...), tensor.Of(tensor.Float32))
	}
	if err := op.forward(op.buf.Data().([]float32), in); err != nil {
		return nil, &OpError{Op: op.name, Err: err}
	}
	return op.buf, nil
}

// OpError is an error of one of a graph's ops: Graph.Run returns it as it
// is, without the machine's instruction dump around it.
type OpError struct {
	Op  string
	Err error
}

func (e *OpError) Error() string { return e.Err.Error() }

// Unwrap returns the op's error.
func (e *OpError) Unwrap() error { return e.Err }

func (op *kernelOp) ReturnsPtr() bool     { return false }
func (op *kernelOp) CallsExtern() bool    { return false }
func (op *kernelOp) OverwritesInput() int { return -1 }
func (op *kernelOp) String() string       { return fmt.Sprintf("%s#%d", op.name, op.id) }
func (op *kernelOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "%s#%d", op.name, op.id)
}
func (op *kernelOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// DiffWRT says which inputs get a gradient.
func (op *kernelOp) DiffWRT(n int) []bool {
	if op.backward == nil {
		return make([]bool, n)
	}
	return op.diffWRT
}

// SymDiff builds the gradient nodes.
func (op *kernelOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.backward == nil {
		return nil, fmt.Errorf("%s is not differentiable", op.name)
	}
	return op.backward(inputs, output, grad)
}
