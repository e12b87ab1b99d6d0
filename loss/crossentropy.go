package loss

import (
	"fmt"
	"math"
)

// crossEntropy is softmax cross-entropy on the logits z (M×C) with labels in
// [0, C) and label smoothing ε: the mean over rows of -Σ_c t_c log softmax(z_i)_c
// with t = (1-ε)·onehot(y_i) + ε/C. Its gradient is (softmax(z_i) - t)/M.
// Cost O(M·C) exponentials; the log-sum-exp is shifted and summed in float64.
func (ws *Workspace) crossEntropy(g []float32, z Matrix, labels []int, r resolved) (Result, error) {
	m, nc := z.Rows, z.Cols
	for i, l := range labels {
		if l < 0 || l >= nc {
			return Result{}, fmt.Errorf("label %d of row %d is not a class index in [0, %d)", l, i, nc)
		}
	}
	eps := r.LabelSmoothing
	ws.rowLoss = grow(ws.rowLoss, m)
	parallelBlocks(r.workers, m, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			x := z.Row(i)
			mx := math.Inf(-1)
			mean := 0.0
			for _, v := range x {
				mx = math.Max(mx, float64(v))
				mean += float64(v)
			}
			mean /= float64(nc)
			sum := 0.0
			for _, v := range x {
				sum += expNonPos(float64(v) - mx)
			}
			lse := mx + math.Log(sum)
			y := labels[i]
			ws.rowLoss[i] = lse - float64((1-eps)*float64(x[y])) - float64(eps*mean)
			if g == nil {
				continue
			}
			gi := g[i*nc : (i+1)*nc]
			for c, v := range x {
				t := eps / float64(nc)
				if c == y {
					t += 1 - eps
				}
				gi[c] = float32((expNonPos(float64(v)-lse) - t) / float64(m))
			}
		}
	})
	sum := 0.0
	for _, l := range ws.rowLoss[:m] {
		sum += l
	}
	return Result{Value: sum / float64(m), Anchors: m, Counted: m}, nil
}
