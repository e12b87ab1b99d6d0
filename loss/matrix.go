package loss

import (
	"fmt"
	"math"
)

// Matrix is a dense row-major float32 matrix: row i is
// Data[i*Cols : (i+1)*Cols]. It is a view; the losses never retain it.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix returns a Rows×Cols matrix over data, which must hold exactly
// rows·cols elements.
func NewMatrix(rows, cols int, data []float32) (Matrix, error) {
	m := Matrix{Rows: rows, Cols: cols, Data: data}
	return m, m.check("matrix")
}

// Row returns row i as a slice of the matrix's data.
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// check reports an error naming what when the dimensions do not describe Data.
func (m Matrix) check(what string) error {
	if m.Rows < 0 || m.Cols < 0 {
		return fmt.Errorf("%s: negative dimensions %d×%d", what, m.Rows, m.Cols)
	}
	if m.Cols > 0 && m.Rows > math.MaxInt/m.Cols {
		return fmt.Errorf("%s: dimensions %d×%d overflow", what, m.Rows, m.Cols)
	}
	if len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("%s: %d×%d needs %d elements, have %d", what, m.Rows, m.Cols, m.Rows*m.Cols, len(m.Data))
	}
	return nil
}

// checkFinite reports the first element of m that is NaN or infinite.
func (m Matrix) checkFinite(what string) error {
	for k, v := range m.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: row %d column %d is %g; inputs must be finite", what, k/m.Cols, k%m.Cols, v)
		}
	}
	return nil
}

// RepeatLabels expands one label per image to one per row of the view-major
// layout: row v*B + b gets perImage[b], for v < views.
func RepeatLabels(perImage []int, views int) []int {
	b := len(perImage)
	out := make([]int, b*views)
	for v := range views {
		copy(out[v*b:], perImage)
	}
	return out
}

// ImageLabels returns the labels that make every image its own class in the
// view-major layout: row v*B + b gets b. SupCon with these labels is SimCLR.
func ImageLabels(images, views int) []int {
	out := make([]int, images*views)
	for i := range out {
		out[i] = i % images
	}
	return out
}
