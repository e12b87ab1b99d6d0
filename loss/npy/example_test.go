package npy_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/supcon/supcon/loss/npy"
)

// An array written as .npy and read back, as NumPy's np.save and np.load
// would exchange it.
func ExampleRead() {
	var buf bytes.Buffer
	if err := npy.WriteFloat32(&buf, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}); err != nil {
		log.Fatal(err)
	}
	a, err := npy.Read(&buf)
	if err != nil {
		log.Fatal(err)
	}
	v, err := a.Float32s()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.DType, a.Shape, v)
	// Output:
	// <f4 [2 3] [1 2 3 4 5 6]
}
