package model

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/supcon/supcon/loss"
)

// tinyBatch makes n samples of c×h×w values, two views of n/2 images in
// classes 0..classes-1, and their labels in sample order.
func tinyBatch(seed uint64, n, c, h, w, classes int) ([]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*c*h*w)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i % (n / 2)) % classes
	}
	for i := range x {
		s := i / (c * h * w)
		x[i] = float32(rng.NormFloat64()*0.5) + float32(labels[s])*0.3
	}
	return x, labels
}

func newTestGraph(t *testing.T, spec Spec, batch int, head Head, kind loss.Kind) (*Model, *Graph, *Objective) {
	t.Helper()
	m, err := New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	obj := &Objective{Options: loss.Options{Loss: kind, Views: 2, Normalize: true, Workers: 1}}
	g, err := m.NewGraph(GraphOptions{Batch: batch, Train: true, Head: head, Loss: obj})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return m, g, obj
}

func runLoss(t *testing.T, g *Graph, obj *Objective, x []float32, labels []int) float64 {
	t.Helper()
	if err := g.SetImages(x); err != nil {
		t.Fatal(err)
	}
	obj.SetBatch(labels, nil)
	if err := g.Run(); err != nil {
		t.Fatal(err)
	}
	return obj.Result.Value
}

// TestGradientMatchesFiniteDifferences checks the whole graph's gradient
// (gorgonia's ops, ours and the injected loss gradient) along a random
// direction in parameter space against a central difference.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
		head Head
		kind loss.Kind
	}{
		{"mlp-supcon", Spec{Encoder: "mlp", Channels: 1, Height: 4, Width: 4, ProjectionDim: 8}, ProjectionHead, loss.SupConOut},
		{"cnn-supcon", Spec{Encoder: "cnn-small", Channels: 2, Height: 6, Width: 6, ProjectionDim: 8}, ProjectionHead, loss.SupConOut},
		{"cnn-ce", Spec{Encoder: "cnn-small", Channels: 1, Height: 5, Width: 5, Classes: 3}, ClassifierHead, loss.CrossEntropy},
		{"resnet-simclr", Spec{Encoder: "resnet-small", Channels: 3, Height: 8, Width: 8, ProjectionDim: 8}, ProjectionHead, loss.SimCLR},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const batch = 8
			m, g, obj := newTestGraph(t, tc.spec, batch, tc.head, tc.kind)
			x, labels := tinyBatch(1, batch, tc.spec.Channels, tc.spec.Height, tc.spec.Width, 3)
			runLoss(t, g, obj, x, labels)
			rng := rand.New(rand.NewPCG(3, 4))
			var analytic, norm float64
			dirs := map[*Param][]float32{}
			for _, p := range g.Learned() {
				d := make([]float32, p.Size())
				for j := range d {
					d[j] = float32(rng.NormFloat64())
					norm += float64(d[j]) * float64(d[j])
				}
				dirs[p] = d
			}
			for i, p := range g.Learned() {
				d, grad := dirs[p], g.Gradient(i)
				for j := range d {
					d[j] /= float32(math.Sqrt(norm))
					analytic += float64(d[j]) * float64(grad[j])
				}
			}
			if len(dirs) != len(m.Params.Learned()) {
				t.Fatalf("gradients for %d tensors, model learns %d", len(dirs), len(m.Params.Learned()))
			}
			const eps = 3e-3
			shift := func(s float32) {
				for p, d := range dirs {
					for j := range d {
						p.Data[j] += s * d[j]
					}
				}
			}
			shift(eps)
			up := runLoss(t, g, obj, x, labels)
			shift(-2 * eps)
			down := runLoss(t, g, obj, x, labels)
			shift(eps)
			numeric := (up - down) / (2 * eps)
			if math.Abs(numeric-analytic) > 0.015*math.Abs(analytic)+1e-4 {
				t.Fatalf("directional derivative: analytic %.6g, finite differences %.6g", analytic, numeric)
			}
			t.Logf("analytic %.6g numeric %.6g", analytic, numeric)
		})
	}
}

// Batch norm cannot train on one value per channel: building such a graph is
// an error naming the layer, not a panic during a run.
func TestBatchNormNeedsTwoValues(t *testing.T) {
	for _, spec := range []Spec{
		{Encoder: "mlp", Channels: 1, Height: 4, Width: 4, Classes: 2},
		{Encoder: "cnn-small", Channels: 1, Height: 4, Width: 4, Classes: 2},
	} {
		m, err := New(spec, 1)
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.NewGraph(GraphOptions{Batch: 1, Train: true, Head: ClassifierHead, Loss: &Objective{Options: loss.Options{Loss: loss.CrossEntropy}}})
		if err == nil || !strings.Contains(err.Error(), "at least 2 values per channel") {
			t.Errorf("%s, batch 1: %v", spec.Encoder, err)
		}
		if g, err := m.NewGraph(GraphOptions{Batch: 1, Head: ClassifierHead}); err != nil {
			t.Errorf("%s: evaluation graph of batch 1: %v", spec.Encoder, err)
		} else {
			g.Close()
		}
	}
	if _, err := New(Spec{Encoder: "mlp", Channels: 1, Height: 1 << 20, Width: 1 << 20}, 1); err == nil {
		t.Error("a 2^40-pixel input was accepted")
	}
}

// TestGradientPerTensor moves each learned tensor alone along its own
// gradient g: the loss must change at rate ‖g‖ (a central difference). A
// gradient of the wrong scale, sign or direction for any one tensor — a batch
// norm shift, a shortcut convolution — fails here even when the whole
// gradient's other parts are right.
func TestGradientPerTensor(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		head Head
		kind loss.Kind
	}{
		{Spec{Encoder: "mlp", Channels: 1, Height: 4, Width: 4, ProjectionDim: 8}, ProjectionHead, loss.SupConIn},
		{Spec{Encoder: "cnn-small", Channels: 2, Height: 6, Width: 6, ProjectionDim: 8}, ProjectionHead, loss.SupConOut},
		{Spec{Encoder: "resnet-small", Channels: 1, Height: 6, Width: 6, Classes: 3}, ClassifierHead, loss.CrossEntropy},
	} {
		t.Run(tc.spec.Encoder, func(t *testing.T) {
			const batch = 8
			_, g, obj := newTestGraph(t, tc.spec, batch, tc.head, tc.kind)
			x, labels := tinyBatch(2, batch, tc.spec.Channels, tc.spec.Height, tc.spec.Width, 3)
			runLoss(t, g, obj, x, labels)
			grads := make([][]float32, len(g.Learned()))
			for i := range grads {
				grads[i] = append([]float32(nil), g.Gradient(i)...)
			}
			for i, p := range g.Learned() {
				var norm float64
				for _, v := range grads[i] {
					norm += float64(v) * float64(v)
				}
				norm = math.Sqrt(norm)
				if norm < 1e-6 {
					t.Fatalf("%s: zero gradient", p.Name)
				}
				eps := 2e-3
				shift := func(s float64) {
					for j, v := range grads[i] {
						p.Data[j] += float32(s * float64(v) / norm)
					}
				}
				shift(eps)
				up := runLoss(t, g, obj, x, labels)
				shift(-2 * eps)
				down := runLoss(t, g, obj, x, labels)
				shift(eps)
				numeric := (up - down) / (2 * eps)
				if math.Abs(numeric-norm) > 0.05*norm+2e-4 {
					t.Errorf("%s: loss changes at %.6g along the gradient, its norm is %.6g", p.Name, numeric, norm)
				}
			}
		})
	}
}
