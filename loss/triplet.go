package loss

import (
	"math"
	"slices"

	"github.com/supcon/supcon/internal/parallel"
)

// tripletRun holds one triplet computation: squared distances
// d_ij = ||z_i||² + ||z_j||² - 2 z_i·z_j (clamped at 0) from the dot products.
type tripletRun struct {
	m, d    int
	x       []float32
	labels  []int
	margin  float64
	anchors int
	ws      *Workspace
	bufs    []workerBufs
}

// dist returns d_ij from the raw dot product of rows i and j.
func (t *tripletRun) dist(i, j int, dot float32) float64 {
	return math.Max(0, t.ws.sq[i]+t.ws.sq[j]-2*float64(dot))
}

// triplet runs the triplet loss with batch-all or batch-hard mining.
func (ws *Workspace) triplet(g, x []float32, m, d int, labels []int, r resolved) Result {
	ws.sq = grow(ws.sq, m)
	for i := range m {
		s := 0.0
		for _, v := range x[i*d : (i+1)*d] {
			s += float64(v) * float64(v)
		}
		ws.sq[i] = s
	}
	ws.rowLoss = grow(ws.rowLoss, m)
	ws.npos = grow(ws.npos, m)
	ws.nneg = grow(ws.nneg, m)
	ws.count = grow(ws.count, m)
	t := &tripletRun{m: m, d: d, x: x, labels: labels, margin: r.margin, anchors: m, ws: ws,
		bufs: ws.workers(r.workers, m, true)}
	if r.Mode == ModeOne {
		t.anchors = m / r.views
	}
	if r.Mining == BatchHard {
		return t.hard(g, r.workers)
	}
	return t.all(g, r.workers)
}

// summary fills the anchor counts of res from npos and nneg.
func (t *tripletRun) summary(res *Result) {
	res.Anchors = t.anchors
	for i := range t.anchors {
		switch {
		case t.ws.npos[i] == 0:
			res.WithoutPositives++
		case t.ws.nneg[i] > 0:
			res.Counted++
		}
	}
	res.NoPositivePair = res.Counted == 0
}

// allRow computes anchor i's batch-all terms from its dot products s: its
// loss sum, active-triplet count and, in a, the coefficients a_ij = ∂(sum of
// its hinges)/∂d_ij: +#active negatives for a positive j, -#active positives
// for a negative j. It returns Σ_j a_ij.
//
// The hinge d_ip - d_in + α > 0 ⇔ d_in < x_p with x_p = d_ip + α. Only the
// positives are sorted: a negative is active with the positives above the
// u_n = #{x_p ≤ d_in} smallest, and a positive whose value is preceded by L
// smaller ones is active with the negatives of u_n ≤ L, counted with a
// histogram of u_n. Cost O(M log |P(i)|).
func (t *tripletRun) allRow(i int, s, a []float32, buf *workerBufs) float64 {
	ws := t.ws
	li := t.labels[i]
	pos, pj := buf.f1[:0], buf.idx[:0]
	nneg := 0
	for j, l := range t.labels {
		switch {
		case j == i:
		case l == li:
			pos = append(pos, t.dist(i, j, s[j])+t.margin)
			pj = append(pj, int32(j))
		default:
			nneg++
		}
	}
	ws.npos[i], ws.nneg[i] = int32(len(pos)), int32(nneg)
	ws.rowLoss[i], ws.count[i] = 0, 0
	clear(a)
	if len(pos) == 0 || nneg == 0 {
		return 0
	}
	sorted := append(buf.f2[:0], pos...)
	slices.Sort(sorted)
	hist := buf.hist[:len(pos)+1]
	clear(hist)
	lossNeg, count, sum := 0.0, int64(0), 0.0
	for j, l := range t.labels {
		if j == i || l == li {
			continue
		}
		dn := t.dist(i, j, s[j])
		u := upperBound(sorted, dn)
		c := len(pos) - u
		hist[u]++
		a[j] = -float32(c)
		sum -= float64(c)
		lossNeg += float64(float64(c) * dn)
		count += int64(c)
	}
	for r := 1; r < len(hist); r++ {
		hist[r] += hist[r-1]
	}
	lossPos := 0.0
	for n, xp := range pos {
		k := hist[lowerBound(sorted, xp)]
		a[pj[n]] = float32(k)
		sum += float64(k)
		lossPos += float64(float64(k) * xp)
	}
	ws.rowLoss[i], ws.count[i] = lossPos-lossNeg, count
	return sum
}

// lowerBound returns the number of elements of the sorted s below x.
func lowerBound(s []float64, x float64) int {
	lo, hi := 0, len(s)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s[mid] < x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// upperBound returns the number of elements of the sorted s at most x.
func upperBound(s []float64, x float64) int {
	lo, hi := 0, len(s)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s[mid] <= x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// all is batch-all: the mean of the hinge over active triplets. Anchors are
// taken blockRows at a time: their coefficient rows a_i are computed in
// parallel, then every output row j, in parallel, adds its share
// 2Σ_i a_ij(z_j - z_i) (and, for the block's own rows, 2Σ_j a_ij(z_i - z_j)),
// in a fixed order. The gradient is scaled by 1/#active at the end.
func (t *tripletRun) all(g []float32, workers int) Result {
	ws, m, d := t.ws, t.m, t.d
	ws.blockBuf = grow(ws.blockBuf, blockRows*m)
	ws.rowSum = grow(ws.rowSum, blockRows)
	clear(g)
	for lo := 0; lo < t.anchors; lo += blockRows {
		hi := min(lo+blockRows, t.anchors)
		parallel.Chunks(workers, hi-lo, 1, func(w, r0, r1 int) {
			buf := &t.bufs[w]
			for r := r0; r < r1; r++ {
				i := lo + r
				dots(buf.e1, t.x[i*d:(i+1)*d], t.x, d)
				ws.rowSum[r] = t.allRow(i, buf.e1, ws.blockBuf[r*m:(r+1)*m], buf)
			}
		})
		if g == nil {
			continue
		}
		parallelBlocks(workers, m, func(w, j0, j1 int) {
			h := t.bufs[w].e2[:hi-lo]
			for j := j0; j < j1; j++ {
				gj, xj := g[j*d:(j+1)*d], t.x[j*d:(j+1)*d]
				coef := 0.0
				if j >= lo && j < hi {
					row := ws.blockBuf[(j-lo)*m : (j-lo+1)*m]
					for k, v := range row {
						t.bufs[w].e1[k] = -2 * v
					}
					axpys(gj, t.bufs[w].e1[:m], t.x, d)
					coef += 2 * ws.rowSum[j-lo]
				}
				colSum := 0.0
				for r := range h {
					v := ws.blockBuf[r*m+j]
					h[r] = -2 * v
					colSum += float64(v)
				}
				axpys(gj, h, t.x[lo*d:hi*d], d)
				coef += 2 * colSum
				if coef != 0 {
					c := float32(coef)
					for k, v := range xj {
						gj[k] += float32(c * v)
					}
				}
			}
		})
	}
	var res Result
	t.summary(&res)
	sum := 0.0
	for i := range t.anchors {
		sum += ws.rowLoss[i]
		res.ActiveTriplets += ws.count[i]
		res.Triplets += int64(ws.npos[i]) * int64(ws.nneg[i])
	}
	if res.ActiveTriplets == 0 {
		clear(g)
		return res
	}
	res.Value = sum / float64(res.ActiveTriplets)
	if g != nil {
		inv := float32(1 / float64(res.ActiveTriplets))
		parallelBlocks(workers, m, func(_, lo, hi int) {
			for k := lo * d; k < hi*d; k++ {
				g[k] *= inv
			}
		})
	}
	return res
}

// hard is batch-hard: for each anchor its farthest positive and nearest
// negative (lowest row on ties), max(0, d_ip - d_in + α), averaged over the
// anchors that have both. The gradient touches three rows per active anchor
// and is accumulated in anchor order.
func (t *tripletRun) hard(g []float32, workers int) Result {
	ws, m, d := t.ws, t.m, t.d
	ws.hardP = grow(ws.hardP, m)
	ws.hardN = grow(ws.hardN, m)
	parallelBlocks(workers, t.anchors, func(w, lo, hi int) {
		buf := &t.bufs[w]
		gram(buf.tile, t.x, lo, hi, m, d)
		for i := lo; i < hi; i++ {
			s := buf.tile[(i-lo)*m : (i-lo+1)*m]
			bp, bn := -1, -1
			dp, dn := math.Inf(-1), math.Inf(1)
			np, nn := 0, 0
			for j, l := range t.labels {
				if j == i {
					continue
				}
				dij := t.dist(i, j, s[j])
				if l == t.labels[i] {
					np++
					if dij > dp {
						bp, dp = j, dij
					}
				} else {
					nn++
					if dij < dn {
						bn, dn = j, dij
					}
				}
			}
			ws.npos[i], ws.nneg[i] = int32(np), int32(nn)
			ws.hardP[i], ws.hardN[i] = int32(bp), int32(bn)
			ws.rowLoss[i] = 0
			if bp >= 0 && bn >= 0 {
				ws.rowLoss[i] = math.Max(0, dp-dn+t.margin)
			}
		}
	})
	var res Result
	t.summary(&res)
	res.Triplets = int64(res.Counted)
	sum := 0.0
	for i := range t.anchors {
		if ws.rowLoss[i] > 0 {
			sum += ws.rowLoss[i]
			res.ActiveTriplets++
		}
	}
	clear(g)
	if res.Counted == 0 {
		return res
	}
	res.Value = sum / float64(res.Counted)
	if g == nil {
		return res
	}
	c := float32(2 / float64(res.Counted))
	for i := range t.anchors {
		if ws.rowLoss[i] <= 0 {
			continue
		}
		p, n := int(ws.hardP[i]), int(ws.hardN[i])
		xi, xp, xn := t.x[i*d:(i+1)*d], t.x[p*d:(p+1)*d], t.x[n*d:(n+1)*d]
		gi, gp, gn := g[i*d:(i+1)*d], g[p*d:(p+1)*d], g[n*d:(n+1)*d]
		for k := range d {
			gi[k] += float32(c * (xn[k] - xp[k]))
			gp[k] += float32(c * (xp[k] - xi[k]))
			gn[k] += float32(c * (xi[k] - xn[k]))
		}
	}
	return res
}
