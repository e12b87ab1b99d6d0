package loss_test

import (
	"fmt"

	"github.com/supcon/supcon/loss"
)

// Two images with two views each, stacked view by view: rows 0-1 are view 0
// of images 0 and 1, rows 2-3 their view 1. Images 0 and 1 are of different
// classes, so each anchor's one positive is its other view.
func ExampleCompute() {
	z := loss.Matrix{Rows: 4, Cols: 2, Data: []float32{
		1, 0, // image 0, view 0
		0, 1, // image 1, view 0
		0.6, 0.8, // image 0, view 1
		0, 1, // image 1, view 1
	}}
	labels := loss.RepeatLabels([]int{7, 3}, 2)
	grad := loss.Matrix{Rows: 4, Cols: 2, Data: make([]float32, 8)}
	res, err := loss.Compute(&grad, z, labels, loss.Options{
		Loss:        loss.SupConOut,
		Temperature: 0.5,
		Views:       2,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("labels per row %v\n", labels)
	fmt.Printf("loss %.4f over %d of %d anchors\n", res.Value, res.Counted, res.Anchors)
	fmt.Printf("gradient of row 0: [%.4f %.4f]\n", grad.Data[0], grad.Data[1])
	// Output:
	// labels per row [7 3 7 3]
	// loss 0.7589 over 4 of 4 anchors
	// gradient of row 0: [-0.3375 -0.1870]
}
