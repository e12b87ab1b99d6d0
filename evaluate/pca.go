package evaluate

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// MapPoint is a test sample placed on the 2-D embedding map.
type MapPoint struct {
	X, Y  float64
	Label int
}

// embeddingMap projects up to max samples of fs (evenly spaced in the
// data's order), L2-normalised as kNN sees them, onto their first two
// principal components. Each component's sign is fixed so that its
// largest coefficient is positive, so the map is deterministic. It returns
// nil when there are fewer than 3 samples or 2 dimensions.
func embeddingMap(fs *FeatureSet, max int) []MapPoint {
	if fs == nil || fs.Dim < 2 || len(fs.Labels) < 3 || max < 3 {
		return nil
	}
	n, d := len(fs.Labels), fs.Dim
	take := min(n, max)
	rows := make([]int, take)
	for i := range rows {
		rows[i] = i * n / take
	}
	x := normalizedRows(fs.X, d)
	mean := make([]float64, d)
	for _, r := range rows {
		for j := 0; j < d; j++ {
			mean[j] += float64(x[r*d+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(take)
	}
	centred := mat.NewDense(take, d, nil)
	for i, r := range rows {
		for j := 0; j < d; j++ {
			centred.Set(i, j, float64(x[r*d+j])-mean[j])
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1/float64(take), centred.T())
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		return nil
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	// Eigenvalues come in ascending order: the last two columns.
	comps := [2][]float64{mat.Col(nil, d-1, &vecs), mat.Col(nil, d-2, &vecs)}
	for _, c := range comps {
		big := 0
		for j := range c {
			if math.Abs(c[j]) > math.Abs(c[big]) {
				big = j
			}
		}
		if c[big] < 0 {
			for j := range c {
				c[j] = -c[j]
			}
		}
	}
	out := make([]MapPoint, take)
	for i, r := range rows {
		p := MapPoint{Label: fs.Labels[r]}
		for j := 0; j < d; j++ {
			v := centred.At(i, j)
			p.X += v * comps[0][j]
			p.Y += v * comps[1][j]
		}
		out[i] = p
	}
	return out
}
