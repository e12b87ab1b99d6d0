// Package model holds the trainer's networks as gorgonia graphs: encoders
// (mlp, cnn-small, resnet-small), the projection head used during contrastive
// pre-training and dropped after it, and the linear classifier.
//
// The graph, its symbolic differentiation and its execution (a TapeMachine)
// are gorgonia's. The hot layers — convolution, batch norm, global average
// pooling, the residual join, linear layers — are gorgonia ops of this
// package whose forward and backward passes run package nn's kernels and
// package gemm's matrix product, in the channel-major CNHW layout where a
// convolution is one GEMM without transposes. The projection head's ReLU is
// gorgonia's own op. The loss is an Objective node: package loss computes its
// value and gradient, and the gradient enters the graph as the projections'
// gradient, so the graph never holds the M×M similarity matrix.
//
// Every kernel reduces in a fixed order, so a graph's outputs and gradients
// are bit-identical on any number of cores.
package model

import (
	"fmt"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Limits of a Spec: they keep a model (and a damaged checkpoint's claims)
// within what a machine can hold: New allocates at most a few hundred MB.
const (
	MaxSide     = 2048
	MaxChannels = 4
	MaxHead     = 1 << 16
	// MaxMLPInput bounds the mlp's input values (its first layer has 512
	// weights per input value): 256×256 grey.
	MaxMLPInput = 1 << 16
)

// encoders are the encoder names New accepts.
var encoders = [...]string{"mlp", "cnn-small", "resnet-small"}

// Encoders returns the encoder names New accepts.
func Encoders() []string { return encoders[:len(encoders):len(encoders)] }

// Spec describes a model: its encoder and input, and its heads.
type Spec struct {
	// Encoder is one of Encoders().
	Encoder string `json:"encoder"`
	// Channels, Height and Width are the input views' size.
	Channels int `json:"channels"`
	Height   int `json:"height"`
	Width    int `json:"width"`
	// ProjectionDim is the projection head's output (128 in the paper);
	// 0 means no projection head.
	ProjectionDim int `json:"projection_dim,omitempty"`
	// Classes is the classifier's output; 0 means no classifier.
	Classes int `json:"classes,omitempty"`
}

// Validate checks the spec.
func (s Spec) Validate() error {
	known := false
	for _, e := range encoders {
		known = known || e == s.Encoder
	}
	switch {
	case !known:
		return fmt.Errorf("unknown encoder %q (want one of %s)", s.Encoder, strings.Join(Encoders(), ", "))
	case s.Channels < 1 || s.Height < 1 || s.Width < 1:
		return fmt.Errorf("encoder %s: input %d×%d×%d is empty", s.Encoder, s.Height, s.Width, s.Channels)
	case s.Encoder != "mlp" && (s.Height < 4 || s.Width < 4):
		return fmt.Errorf("encoder %s: input %d×%d is too small (at least 4×4)", s.Encoder, s.Height, s.Width)
	case s.Channels > MaxChannels || s.Height > MaxSide || s.Width > MaxSide:
		return fmt.Errorf("encoder %s: input %d×%d×%d is larger than %d×%d×%d", s.Encoder, s.Height, s.Width, s.Channels, MaxSide, MaxSide, MaxChannels)
	case s.ProjectionDim < 0 || s.Classes < 0 || s.ProjectionDim > MaxHead || s.Classes > MaxHead:
		return fmt.Errorf("head sizes %d (projection) and %d (classes): want 0..%d", s.ProjectionDim, s.Classes, MaxHead)
	case s.Encoder == "mlp" && s.Channels*s.Height*s.Width > MaxMLPInput:
		return fmt.Errorf("encoder mlp: input of %d values is larger than %d; use a convolutional encoder", s.Channels*s.Height*s.Width, MaxMLPInput)
	}
	return nil
}

// Model is a spec and its tensors.
type Model struct {
	Spec   Spec
	Params Params
	// FeatureDim is the encoder's output dimension.
	FeatureDim int
}

// New makes a model with initial values drawn from seed: He-normal
// convolution kernels, PyTorch's default uniform linear layers, batch norm
// scale 1 and shift 0.
func New(spec Spec, seed int64) (*Model, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Spec: spec}
	// Building a graph declares every tensor; a one-sample graph is cheap.
	b, err := newBuilder(m, seed, 1, false)
	if err != nil {
		return nil, err
	}
	f, err := b.encoder(b.input)
	if err != nil {
		return nil, err
	}
	m.FeatureDim = f.Shape()[1]
	if spec.ProjectionDim > 0 {
		if _, err := b.projection(f); err != nil {
			return nil, err
		}
	}
	if spec.Classes > 0 {
		if _, err := b.classifier(f); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// AddClassifier adds a linear classifier for classes classes, initialised
// from seed (for linear evaluation on a pre-trained encoder). It replaces an
// existing one of another size.
func (m *Model) AddClassifier(classes int, seed int64) error {
	if classes < 1 {
		return fmt.Errorf("classifier needs at least one class, have %d", classes)
	}
	var keep []*Param
	for _, p := range m.Params.List {
		if strings.HasPrefix(p.Name, "classifier.") {
			delete(m.Params.byName, p.Name)
			continue
		}
		keep = append(keep, p)
	}
	m.Params.List = keep
	m.Spec.Classes = classes
	b, err := newBuilder(m, seed, 1, false)
	if err != nil {
		return err
	}
	f := G.NewMatrix(b.g, tensor.Float32, G.WithShape(1, m.FeatureDim), G.WithName("features"))
	_, err = b.classifier(f)
	return err
}
