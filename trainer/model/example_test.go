package model_test

import (
	"fmt"
	"log"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer/model"
)

// Build cnn-small with a projection head, run one training step's forward and
// backward pass on a batch, and read the loss and a gradient.
func Example() {
	m, err := model.New(model.Spec{Encoder: "cnn-small", Channels: 1, Height: 8, Width: 8, ProjectionDim: 16}, 1)
	if err != nil {
		log.Fatal(err)
	}
	const batch = 8 // 4 images × 2 views, view-major as package loss wants
	obj := &model.Objective{Options: loss.Options{Loss: loss.SupConOut, Views: 2, Normalize: true}}
	g, err := m.NewGraph(model.GraphOptions{Batch: batch, Train: true, Head: model.ProjectionHead, Loss: obj})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	x := make([]float32, batch*8*8) // NCHW
	for i := range x {
		x[i] = float32((i*7)%13) / 13
	}
	if err := g.SetImages(x); err != nil {
		log.Fatal(err)
	}
	obj.SetBatch([]int{0, 0, 1, 1, 0, 0, 1, 1}, nil)
	if err := g.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("features %d-d, projections %d-d, %d tensors learned\n", m.FeatureDim, g.OutputDim(), len(g.Learned()))
	fmt.Printf("first tensor %s, gradient of %d values; loss over %d anchors\n",
		g.Learned()[0].Name, len(g.Gradient(0)), obj.Result.Counted)
	// Output:
	// features 128-d, projections 16-d, 13 tensors learned
	// first tensor encoder.conv1.w, gradient of 288 values; loss over 8 anchors
}
