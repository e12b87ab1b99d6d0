package loss

import "fmt"

// ToViewMajor copies src, laid out image-major as [B, V, d] (image b's view v
// at (b*V + v)*d, as PyTorch's SupConLoss takes features), into dst in the
// view-major row order Compute takes: view v of image b at (v*B + b)*d. With
// d = 1 it rearranges per-view values such as image keys [B, V]. dst and src
// hold B*V*d elements each and must not overlap; ToViewMajor panics if
// their lengths are not B*V*d.
func ToViewMajor[T any](dst, src []T, images, views, d int) {
	checkLayout(len(dst), len(src), images, views, d)
	for b := range images {
		for v := range views {
			copy(dst[(v*images+b)*d:(v*images+b+1)*d], src[(b*views+v)*d:(b*views+v+1)*d])
		}
	}
}

// ToImageMajor is the inverse of ToViewMajor: it copies view-major rows in
// src into dst laid out [B, V, d]. It panics if the lengths are not B*V*d.
func ToImageMajor[T any](dst, src []T, images, views, d int) {
	checkLayout(len(dst), len(src), images, views, d)
	for b := range images {
		for v := range views {
			copy(dst[(b*views+v)*d:(b*views+v+1)*d], src[(v*images+b)*d:(v*images+b+1)*d])
		}
	}
}

func checkLayout(ndst, nsrc, images, views, d int) {
	if n := images * views * d; images < 0 || views < 0 || d < 0 || ndst != n || nsrc != n {
		panic(fmt.Sprintf("loss: layout of %d images × %d views × %d values with %d and %d elements", images, views, d, ndst, nsrc))
	}
}

// Features are features as an array file holds them, [B, V, d] image-major or
// [M, d] view-major, turned into the matrix Compute takes; its methods bring
// the labels and image keys given with them to one per row, and the gradient
// back to the features' shape.
type Features struct {
	// Z holds the features as view-major rows.
	Z Matrix
	// Views is V, the views per image.
	Views int
	// Shape is the shape the features were given in: [B, V, d] or [M, d].
	Shape []int
}

// NewFeatures takes data of the given shape: [B, V, d] (image-major; views
// must then be 0 or V), or [M, d] already view-major (views 0 means 1).
// 3-D data is copied into view-major order; 2-D data is used as it is.
func NewFeatures(data []float32, shape []int, views int) (*Features, error) {
	if views < 0 {
		return nil, fmt.Errorf("loss: Views %d is negative", views)
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	if n != len(data) {
		return nil, fmt.Errorf("loss: features of shape %v need %d values, have %d", shape, n, len(data))
	}
	switch len(shape) {
	case 2:
		return &Features{Z: Matrix{Rows: shape[0], Cols: shape[1], Data: data}, Views: max(views, 1), Shape: shape}, nil
	case 3:
		b, v, d := shape[0], shape[1], shape[2]
		if views != 0 && views != v {
			return nil, fmt.Errorf("loss: Views %d but the features have shape %v ([B, V, d] with V = %d)", views, shape, v)
		}
		rows := make([]float32, len(data))
		ToViewMajor(rows, data, b, v, d)
		return &Features{Z: Matrix{Rows: b * v, Cols: d, Data: rows}, Views: v, Shape: shape}, nil
	}
	return nil, fmt.Errorf("loss: features have shape %v: want [B, V, d] or [M, d]", shape)
}

// imageMajor reports whether the features were given as [B, V, d].
func (f *Features) imageMajor() bool { return len(f.Shape) == 3 }

// images returns B, the number of images.
func (f *Features) images() int { return f.Z.Rows / max(f.Views, 1) }

// RowLabels returns labels given as shape, [B] one per image or (with [M, d]
// features) [M] one per row, as one per view-major row.
func (f *Features) RowLabels(labels []int, shape []int) ([]int, error) {
	m, b := f.Z.Rows, f.images()
	switch {
	case len(shape) != 1 || shape[0] != len(labels):
		return nil, fmt.Errorf("loss: labels have shape %v: want [B] or [M]", shape)
	case len(labels) == b:
		return RepeatLabels(labels, m/max(b, 1)), nil
	case len(labels) == m && !f.imageMajor():
		return labels, nil
	case f.imageMajor():
		return nil, fmt.Errorf("loss: %d labels for features of shape %v: want one per image (%d)", len(labels), f.Shape, b)
	}
	return nil, fmt.Errorf("loss: %d labels for %d rows of %d images: want %d or %d", len(labels), m, b, b, m)
}

// RowImageKeys returns image keys given as shape, [B] one per image, [B, V]
// one per image and view, or (with [M, d] features) [M] one per row, as one
// per view-major row. Whether the views of an image agree is Compute's check.
func (f *Features) RowImageKeys(keys []int, shape []int) ([]int, error) {
	m, v, b := f.Z.Rows, max(f.Views, 1), f.images()
	switch {
	case len(shape) == 2 && shape[0] == b && shape[1] == v && len(keys) == m:
		rows := make([]int, m)
		ToViewMajor(rows, keys, b, v, 1)
		return rows, nil
	case len(shape) != 1 || shape[0] != len(keys):
		return nil, fmt.Errorf("loss: image keys have shape %v: want [%d], [%d, %d] or [%d]", shape, b, b, v, m)
	case len(keys) == b:
		return RepeatLabels(keys, v), nil
	case len(keys) == m && !f.imageMajor():
		return keys, nil
	case f.imageMajor():
		return nil, fmt.Errorf("loss: %d image keys for features of shape %v: want one per image (%d) or [%d, %d]", len(keys), f.Shape, b, b, v)
	}
	return nil, fmt.Errorf("loss: %d image keys for %d rows of %d images: want %d or %d", len(keys), m, b, b, m)
}

// InShape returns g, a gradient with Z's view-major rows, in the features'
// own shape: a copy in [B, V, d] order for image-major features, else g.
func (f *Features) InShape(g []float32) []float32 {
	if !f.imageMajor() {
		return g
	}
	out := make([]float32, len(g))
	ToImageMajor(out, g, f.Shape[0], f.Shape[1], f.Shape[2])
	return out
}
