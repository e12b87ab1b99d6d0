package model

import (
	"errors"
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Head selects what a graph puts on top of the encoder.
type Head int

const (
	// NoHead outputs the encoder's features.
	NoHead Head = iota
	// ProjectionHead outputs the projection (contrastive pre-training).
	ProjectionHead
	// ClassifierHead outputs the classifier's logits.
	ClassifierHead
)

// GraphOptions say what a Graph computes.
type GraphOptions struct {
	// Batch is the number of samples per run; every run has exactly Batch.
	Batch int
	// Features makes the input Batch×FeatureDim encoder features instead of
	// images: the graph is the head alone (linear evaluation on features of
	// a frozen encoder).
	Features bool
	// Train makes batch norm use the batch's statistics and update its
	// running ones; otherwise it uses the running ones (evaluation).
	Train bool
	// Head is the output.
	Head Head
	// Loss, when set, is put on the output, and the graph computes the
	// gradient of every learned tensor on the way.
	Loss *Objective
}

// Graph is a compiled gorgonia graph on a model. It shares the model's
// tensors, so it sees every update to them. Not safe for concurrent use.
type Graph struct {
	model   *Model
	opt     GraphOptions
	g       *G.ExprGraph
	vm      G.VM
	input   *tensor.Dense
	out     *G.Node
	cost    *G.Node
	learned []*Param
	grads   G.Nodes
	timer   *Timings
}

// NewGraph builds and compiles a graph on the model.
func (m *Model) NewGraph(o GraphOptions) (*Graph, error) {
	declared := len(m.Params.List)
	b, err := newBuilder(m, 0, o.Batch, o.Train)
	if err != nil {
		return nil, err
	}
	var h *G.Node
	if o.Features {
		shape := tensor.Shape{o.Batch, m.FeatureDim}
		b.input = G.NewMatrix(b.g, tensor.Float32, G.WithShape(shape...), G.WithName("features"),
			G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))))
		h = b.input
	} else if h, err = b.encoder(b.input); err != nil {
		return nil, err
	}
	switch o.Head {
	case ProjectionHead:
		if m.Spec.ProjectionDim == 0 {
			return nil, fmt.Errorf("model has no projection head")
		}
		h, err = b.projection(h)
	case ClassifierHead:
		if m.Spec.Classes == 0 {
			return nil, fmt.Errorf("model has no classifier")
		}
		h, err = b.classifier(h)
	}
	if err != nil {
		return nil, err
	}
	if len(m.Params.List) != declared {
		return nil, fmt.Errorf("model: graph declared tensors the model did not have (a model not made by New)")
	}
	gr := &Graph{model: m, opt: o, g: b.g, input: b.input.Value().(*tensor.Dense), out: h, timer: b.timer}
	if o.Loss != nil {
		if gr.cost, err = o.Loss.apply(h, b.timer); err != nil {
			return nil, err
		}
		if len(b.learn) == 0 {
			return nil, fmt.Errorf("graph has a loss but nothing to learn")
		}
		if gr.grads, err = G.Grad(gr.cost, b.learn...); err != nil {
			return nil, fmt.Errorf("building the gradient: %w", err)
		}
		gr.learned = b.learnedBy
	}
	gr.vm = G.NewTapeMachine(b.g)
	return gr, nil
}

// Close releases the graph's machine.
func (gr *Graph) Close() error { return gr.vm.Close() }

// Batch returns the number of samples per run.
func (gr *Graph) Batch() int { return gr.opt.Batch }

// SetImages copies a batch of images, float32 NCHW (sample, channel, row,
// column), into the graph's input, in the layout the encoder wants.
func (gr *Graph) SetImages(nchw []float32) error {
	if gr.opt.Features {
		return fmt.Errorf("graph takes features, not images")
	}
	s := gr.model.Spec
	n, c, hw := gr.opt.Batch, s.Channels, s.Height*s.Width
	if len(nchw) != n*c*hw {
		return fmt.Errorf("%d input values, want %d samples of %d×%d×%d", len(nchw), n, c, s.Height, s.Width)
	}
	dst := gr.input.Data().([]float32)
	if s.Encoder == "mlp" || c == 1 {
		copy(dst, nchw)
		return nil
	}
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			copy(dst[(ch*n+i)*hw:(ch*n+i+1)*hw], nchw[(i*c+ch)*hw:(i*c+ch+1)*hw])
		}
	}
	return nil
}

// SetFeatures copies Batch×FeatureDim features into a Features graph's input.
func (gr *Graph) SetFeatures(f []float32) error {
	if !gr.opt.Features {
		return fmt.Errorf("graph takes images, not features")
	}
	dst := gr.input.Data().([]float32)
	if len(f) != len(dst) {
		return fmt.Errorf("%d feature values, want %d", len(f), len(dst))
	}
	copy(dst, f)
	return nil
}

// Run runs the graph once: forward, and backward when it has a loss.
func (gr *Graph) Run() error {
	gr.vm.Reset()
	if err := gr.vm.RunAll(); err != nil {
		var oe *OpError
		if errors.As(err, &oe) {
			return oe
		}
		return err
	}
	return nil
}

// Output returns the last run's output, Batch rows, row-major. It is the
// graph's buffer: valid until the next run.
func (gr *Graph) Output() []float32 {
	return gr.out.Value().Data().([]float32)
}

// OutputDim returns the width of an output row.
func (gr *Graph) OutputDim() int { return gr.out.Shape()[1] }

// Learned returns the tensors the graph computes gradients for, in order.
func (gr *Graph) Learned() []*Param { return gr.learned }

// Gradient returns the last run's gradient of Learned()[i], as long as the
// tensor. It is the graph's buffer: valid until the next run.
func (gr *Graph) Gradient(i int) []float32 {
	return gr.grads[i].Value().Data().([]float32)
}

// Timings turns on the timing of the graph's own ops and returns where they
// accumulate.
func (gr *Graph) Timings() *Timings {
	gr.timer.On = true
	return gr.timer
}
