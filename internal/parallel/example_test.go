package parallel_test

import (
	"fmt"

	"github.com/supcon/supcon/internal/parallel"
)

// Each chunk squares its own items: the result is the same on one goroutine
// or four.
func ExampleChunks() {
	x := []float64{1, 2, 3, 4, 5, 6, 7}
	parallel.Chunks(4, len(x), 3, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			x[i] *= x[i]
		}
	})
	fmt.Println(x)
	// Output: [1 4 9 16 25 36 49]
}
