package model

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// builder adds a model's layers to a gorgonia graph, declaring each tensor
// on first use (New builds a throwaway graph to declare them all).
type builder struct {
	m     *Model
	seed  int64
	g     *G.ExprGraph
	batch int
	train bool // batch norm uses batch statistics and updates its running ones
	input *G.Node

	timer *Timings

	learn     G.Nodes
	learnedBy []*Param
	nodeOf    map[*Param]*G.Node
}

func newBuilder(m *Model, seed int64, batch int, train bool) (*builder, error) {
	if batch < 1 {
		return nil, fmt.Errorf("batch of %d samples", batch)
	}
	b := &builder{m: m, seed: seed, g: G.NewGraph(), batch: batch, train: train, nodeOf: map[*Param]*G.Node{}, timer: &Timings{}}
	s := m.Spec
	var shape tensor.Shape
	if s.Encoder == "mlp" {
		shape = tensor.Shape{batch, s.Channels * s.Height * s.Width}
	} else {
		shape = tensor.Shape{s.Channels, batch, s.Height, s.Width}
	}
	b.input = G.NewTensor(b.g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName("input"),
		G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))))
	return b, nil
}

// param returns the node of a model tensor, declaring the tensor if the model
// has none of that name. Learned tensors (not buffers) are recorded for the
// gradient.

func (b *builder) param(name string, kind Kind, init initFn, shape ...int) (*Param, *G.Node) {
	p := b.m.Params.Get(name)
	if p == nil {
		p = b.m.Params.add(b.seed, name, kind, init, shape...)
	}
	if n, ok := b.nodeOf[p]; ok {
		return p, n
	}
	t := tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(p.Data))
	n := G.NewTensor(b.g, tensor.Float32, len(p.Shape), G.WithShape(p.Shape...), G.WithName(p.Name), G.WithValue(t))
	b.nodeOf[p] = n
	if kind != Buffer {
		b.learn = append(b.learn, n)
		b.learnedBy = append(b.learnedBy, p)
	}
	return p, n
}

// encoder adds the encoder: x is the input node, the result is N×D features.
func (b *builder) encoder(x *G.Node) (*G.Node, error) {
	switch b.m.Spec.Encoder {
	case "mlp":
		return b.mlp(x)
	case "cnn-small":
		return b.cnnSmall(x)
	case "resnet-small":
		return b.resnetSmall(x)
	}
	return nil, fmt.Errorf("unknown encoder %q", b.m.Spec.Encoder)
}

// mlp: flatten → 512 → BN → ReLU → 256 → BN → ReLU.
func (b *builder) mlp(x *G.Node) (*G.Node, error) {
	h, err := b.linear(x, "encoder.fc1", 512, false)
	if err != nil {
		return nil, err
	}
	if h, err = b.batchNorm1D(h, "encoder.bn1", true); err != nil {
		return nil, err
	}
	if h, err = b.linear(h, "encoder.fc2", 256, false); err != nil {
		return nil, err
	}
	return b.batchNorm1D(h, "encoder.bn2", true)
}

// cnnSmall: conv3×3 C→32 + BN + ReLU, conv3×3 32→64 stride 2 + BN + ReLU,
// conv3×3 64→128 stride 2 + BN + ReLU, global average pool → 128.
func (b *builder) cnnSmall(x *G.Node) (*G.Node, error) {
	h := x
	var err error
	for i, l := range []struct{ out, stride int }{{32, 1}, {64, 2}, {128, 2}} {
		if h, err = b.conv(h, fmt.Sprintf("encoder.conv%d", i+1), l.out, 3, l.stride, 1); err != nil {
			return nil, err
		}
		if h, err = b.batchNorm(h, fmt.Sprintf("encoder.bn%d", i+1), true); err != nil {
			return nil, err
		}
	}
	return b.pool(h)
}

// resnetSmall is a ResNet for 32 px images: a 3×3 stem of 32 channels, then
// three stages of one basic block each (32, 64 and 128 channels, the last two
// with stride 2), global average pool → 128.
func (b *builder) resnetSmall(x *G.Node) (*G.Node, error) {
	h, err := b.conv(x, "encoder.stem.conv", 32, 3, 1, 1)
	if err != nil {
		return nil, err
	}
	if h, err = b.batchNorm(h, "encoder.stem.bn", true); err != nil {
		return nil, err
	}
	for i, st := range []struct{ out, stride int }{{32, 1}, {64, 2}, {128, 2}} {
		if h, err = b.basicBlock(h, fmt.Sprintf("encoder.block%d", i+1), st.out, st.stride); err != nil {
			return nil, err
		}
	}
	return b.pool(h)
}

// basicBlock is ResNet's: conv-BN-ReLU-conv-BN plus the shortcut (identity,
// or a 1×1 convolution and BN when the shape changes), then ReLU.
func (b *builder) basicBlock(x *G.Node, name string, out, stride int) (*G.Node, error) {
	h, err := b.conv(x, name+".conv1", out, 3, stride, 1)
	if err != nil {
		return nil, err
	}
	if h, err = b.batchNorm(h, name+".bn1", true); err != nil {
		return nil, err
	}
	if h, err = b.conv(h, name+".conv2", out, 3, 1, 1); err != nil {
		return nil, err
	}
	if h, err = b.batchNorm(h, name+".bn2", false); err != nil {
		return nil, err
	}
	short := x
	if stride != 1 || x.Shape()[0] != out {
		if short, err = b.conv(x, name+".short.conv", out, 1, stride, 0); err != nil {
			return nil, err
		}
		if short, err = b.batchNorm(short, name+".short.bn", false); err != nil {
			return nil, err
		}
	}
	return b.addReLU(h, short)
}

// projection is the head of contrastive pre-training: D → D → ReLU → P,
// as in the SupCon reference code; the loss L2-normalises its output.
func (b *builder) projection(f *G.Node) (*G.Node, error) {
	d := f.Shape()[1]
	h, err := b.linear(f, "head.fc1", d, true)
	if err != nil {
		return nil, err
	}
	if h, err = G.Rectify(h); err != nil {
		return nil, fmt.Errorf("head relu: %w", err)
	}
	return b.linear(h, "head.fc2", b.m.Spec.ProjectionDim, true)
}

// classifier is the linear layer on the features.
func (b *builder) classifier(f *G.Node) (*G.Node, error) {
	return b.linear(f, "classifier", b.m.Spec.Classes, true)
}

// linear is x·W (+ b): x is N×in, W is in×out, so rows stay samples. It
// is one op of ours on the trainer's GEMM, bias fused.
func (b *builder) linear(x *G.Node, name string, out int, bias bool) (*G.Node, error) {
	n, in := x.Shape()[0], x.Shape()[1]
	_, w := b.param(name+".w", Weight, uniformFanIn(in), in, out)
	inputs := []*G.Node{x, w}
	if bias {
		_, bv := b.param(name+".b", Bias, uniformFanIn(in), out)
		inputs = append(inputs, bv)
	}
	return b.linearOp(name, inputs, n, in, out)
}
