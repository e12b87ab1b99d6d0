package evaluate

import (
	"slices"
	"testing"
)

// fillBatch takes rows in the order given, wrapping round or padding with
// zeros past the last sample.
func TestFillBatch(t *testing.T) {
	x := []float32{1, 1, 2, 2, 3, 3} // three samples of two values
	labels := []int{10, 20, 30}
	for _, tc := range []struct {
		name       string
		order      []int
		start      int
		wrap       bool
		wantX      []float32
		wantLabels []int
		wantRows   int
	}{
		{"in turn", nil, 0, false, []float32{1, 1, 2, 2}, []int{10, 20}, 2},
		{"padded", nil, 2, false, []float32{3, 3, 0, 0}, []int{30, 0}, 1},
		{"wrapped", []int{2, 0, 1}, 2, true, []float32{2, 2, 3, 3}, []int{20, 30}, 1},
		{"permuted", []int{2, 0, 1}, 0, true, []float32{3, 3, 1, 1}, []int{30, 10}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst, lab := []float32{9, 9, 9, 9}, []int{9, 9}
			rows := fillBatch(dst, lab, x, labels, 2, tc.order, tc.start, tc.wrap)
			if rows != tc.wantRows || !slices.Equal(dst, tc.wantX) || !slices.Equal(lab, tc.wantLabels) {
				t.Fatalf("got %d rows %v %v, want %d rows %v %v", rows, dst, lab, tc.wantRows, tc.wantX, tc.wantLabels)
			}
		})
	}
}
