package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer/optim"
)

// TestOverfitTinySet: each encoder memorises 16 noise images with arbitrary
// labels. Cross-entropy falls to almost 0; SupCon L_out falls to almost its
// floor, log(positives per anchor), reached when every class collapses to
// one point far from the others.
func TestOverfitTinySet(t *testing.T) {
	for _, tc := range []struct {
		encoder string
		kind    loss.Kind
		steps   int
		want    func(float64) bool
		floor   string
	}{
		{"cnn-small", loss.CrossEntropy, 150, func(l float64) bool { return l < 0.02 }, "0.02"},
		{"mlp", loss.CrossEntropy, 150, func(l float64) bool { return l < 0.02 }, "0.02"},
		{"resnet-small", loss.SupConOut, 150, func(l float64) bool { return l < math.Log(7)+0.05 }, "log 7 + 0.05"},
		{"cnn-small", loss.SupConOut, 150, func(l float64) bool { return l < math.Log(7)+0.05 }, "log 7 + 0.05"},
	} {
		t.Run(tc.encoder+"-"+tc.kind.String(), func(t *testing.T) {
			const n, classes = 16, 4 // 8 images × 2 views; 4 samples per class
			spec := Spec{Encoder: tc.encoder, Channels: 1, Height: 8, Width: 8}
			head := ProjectionHead
			if tc.kind == loss.CrossEntropy {
				spec.Classes, head = classes, ClassifierHead
			} else {
				spec.ProjectionDim = 32
			}
			m, err := New(spec, 11)
			if err != nil {
				t.Fatal(err)
			}
			obj := &Objective{Options: loss.Options{Loss: tc.kind, Views: 2, Normalize: true}}
			g, err := m.NewGraph(GraphOptions{Batch: 2 * n, Train: true, Head: head, Loss: obj})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			rng := rand.New(rand.NewPCG(5, 6))
			x := make([]float32, 2*n*64)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			// Images 4c..4c+3 are class c: with their 2 views, 8 samples per
			// class, so each anchor has 7 positives.
			labels := make([]int, 2*n)
			for c := 0; c < classes; c++ {
				for i := 0; i < n/classes; i++ {
					labels[c*n/classes+i], labels[n+c*n/classes+i] = c, c
				}
			}
			var params []*optim.Param
			for _, p := range g.Learned() {
				params = append(params, &optim.Param{Name: p.Name, Value: p.Data})
			}
			cfg, _ := optim.Defaults("adam")
			opt, err := optim.New("adam", cfg, params)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.SetImages(x); err != nil {
				t.Fatal(err)
			}
			obj.SetBatch(labels, nil)
			var first, last float64
			for s := 0; s < tc.steps; s++ {
				if err := g.Run(); err != nil {
					t.Fatal(err)
				}
				if s == 0 {
					first = obj.Result.Value
				}
				last = obj.Result.Value
				for i := range params {
					params[i].Grad = g.Gradient(i)
				}
				if err := opt.Step(3e-3); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("loss %.4f -> %.4f", first, last)
			if !tc.want(last) {
				t.Fatalf("loss %.4f -> %.4f after %d steps: want below %s", first, last, tc.steps, tc.floor)
			}
		})
	}
}
