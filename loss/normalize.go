package loss

import "math"

// normEps is the smallest norm divided by, as in torch.nn.functional.normalize.
const normEps = 1e-12

// normalizeRows writes w_i / max(||w_i||, normEps) to z and the norms to norms.
func normalizeRows(z, w []float32, norms []float64, m, d, workers int) {
	parallelBlocks(workers, m, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			row := w[i*d : (i+1)*d]
			s := 0.0
			for _, v := range row {
				s += float64(v) * float64(v)
			}
			n := math.Sqrt(s)
			norms[i] = n
			inv := 1 / math.Max(n, normEps)
			out := z[i*d : (i+1)*d]
			for k, v := range row {
				out[k] = float32(float64(v) * inv)
			}
		}
	})
}

// normalizeBackward turns g, the gradient with respect to the normalised rows
// z, into the gradient with respect to the raw rows, in place:
// (1/||w||)(I - z zᵀ) g, or g/normEps where the norm was clamped.
func normalizeBackward(g, z []float32, norms []float64, m, d, workers int) {
	parallelBlocks(workers, m, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			gr, zr := g[i*d:(i+1)*d], z[i*d:(i+1)*d]
			if norms[i] < normEps {
				for k := range gr {
					gr[k] = float32(float64(gr[k]) / normEps)
				}
				continue
			}
			zg := 0.0
			for k, v := range gr {
				zg += float64(zr[k]) * float64(v)
			}
			inv := 1 / norms[i]
			for k, v := range gr {
				gr[k] = float32((float64(v) - float64(float64(zr[k])*zg)) * inv)
			}
		}
	})
}

// maxSquaredNorm returns the largest squared row norm of w.
func maxSquaredNorm(w []float32, m, d int) float64 {
	best := 0.0
	for i := range m {
		s := 0.0
		for _, v := range w[i*d : (i+1)*d] {
			s += float64(v) * float64(v)
		}
		best = math.Max(best, s)
	}
	return best
}
