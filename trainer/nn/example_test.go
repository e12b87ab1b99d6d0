package nn_test

import (
	"fmt"

	"github.com/supcon/supcon/trainer/nn"
)

// A 3×3 convolution with padding 1 on one 3×3 image: summing the 3×3
// neighbourhood of every pixel.
func ExampleConv2D() {
	conv := &nn.Conv2D{Ci: 1, Co: 1, KH: 3, KW: 3, Stride: 1, Pad: 1}
	const n, h, w = 1, 3, 3
	x := []float32{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}
	weights := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	ho, wo := conv.OutSize(h, w)
	y := make([]float32, conv.Co*n*ho*wo)
	conv.Forward(y, x, weights, n, h, w)
	fmt.Println(y)

	// Gradients of L = Σy: dx counts the outputs each input feeds, and
	// dw[kh][kw] sums the inputs each kernel tap sees.
	dy := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	dx := make([]float32, len(x))
	dw := make([]float32, len(weights))
	conv.Backward(dx, dw, x, weights, dy, n, h, w)
	fmt.Println(dx)
	fmt.Println(dw)
	// Output:
	// [12 21 16 27 45 33 24 39 28]
	// [4 6 4 6 9 6 4 6 4]
	// [12 21 16 27 45 33 24 39 28]
}

// Batch norm with a fused ReLU over two channels of a batch of two 1×2
// images (CNHW: each channel is one contiguous run of N·H·W = 4 values).
func ExampleBatchNorm() {
	bn := nn.NewBatchNorm(2, true)
	const m = 4 // N·H·W
	x := []float32{
		1, 2, 3, 4, // channel 0
		10, 10, 20, 20, // channel 1
	}
	gamma, beta := []float32{1, 2}, []float32{0, 1}
	y := make([]float32, len(x))
	bn.Forward(y, x, gamma, beta, m)
	fmt.Printf("y %.3f\n", y)
	fmt.Printf("running mean %.3f var %.3f\n", bn.RunningMean, bn.RunningVar)

	dy := []float32{1, 1, 1, 1, 1, 0, 0, 0}
	dx := make([]float32, len(x))
	dgamma, dbeta := make([]float32, 2), make([]float32, 2)
	bn.Backward(dx, dgamma, dbeta, x, dy, m)
	fmt.Printf("dx %.3f\n", dx)
	fmt.Printf("dgamma %.3f dbeta %.3f\n", dgamma, dbeta)

	bn.Infer(y, x, gamma, beta, m)
	fmt.Printf("eval y %.3f\n", y)
	// Output:
	// y [0.000 0.000 0.447 1.342 0.000 0.000 3.000 3.000]
	// running mean [0.250 1.500] var [1.067 4.233]
	// dx [0.089 -0.268 0.268 -0.089 0.000 0.000 0.000 0.000]
	// dgamma [1.789 0.000] dbeta [2.000 0.000]
	// eval y [0.726 1.694 2.663 3.631 9.262 9.262 18.983 18.983]
}
