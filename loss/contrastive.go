package loss

import (
	"cmp"
	"math"
	"slices"
)

// noShift is the pass-2 shift of rows that are not counted anchors: exp(s - noShift)
// is 0, so they contribute no P_jk.
const noShift = 1e30

// contrastive computes SupCon (L_out, L_in), SimCLR and N-pairs in two passes
// over blocks of rows. Pass 1 finds, for every anchor i, the log-sum-exp over
// A(i) and its loss term; pass 2 recomputes the similarities of a block and
// forms H = G + Gᵀ row by row (G_ij = P_ij - q_ij, zero for rows that do not
// count), then dZ_block = w·H_block·Z with w = c/(n·τ). Every output row is
// written by one goroutine in a fixed order.
type contrastive struct {
	kind     Kind
	m, d     int
	b, views int
	z        []float32
	labels   []int // per row; nil: every image is its own class
	keys     []int // per-row image keys (Options.ImageKeys); nil: no copies
	one      bool
	invTau   float32
	ws       *Workspace
	bufs     []workerBufs
}

// positives writes the rows of P(i) to idx and returns them. For N-pairs it is
// the other view of the same image; otherwise the rows with the same label
// (the same image when labels are nil), except i and its copies.
func (c *contrastive) positives(i int, idx []int32) []int32 {
	idx = idx[:0]
	switch {
	case c.kind == NPairs:
		return append(idx, int32(c.partner(i)))
	case c.labels == nil:
		for v, img := 0, i%c.b; v < c.views; v++ {
			if j := img + v*c.b; j != i {
				idx = append(idx, int32(j))
			}
		}
	default:
		ws := c.ws
		if c.keys == nil {
			for _, j := range ws.order[ws.classLo[i]:ws.classHi[i]] {
				if int(j) != i {
					idx = append(idx, j)
				}
			}
			break
		}
		for _, j := range ws.order[ws.classLo[i]:ws.classHi[i]] {
			if int(j) != i && !c.isCopy(i, int(j)) {
				idx = append(idx, j)
			}
		}
	}
	return idx
}

// contrastRange returns the rows [lo, hi) that may be in A(i): all rows, or
// for N-pairs the other view.
func (c *contrastive) contrastRange(i int) (lo, hi int) {
	if c.kind != NPairs {
		return 0, c.m
	}
	if i < c.b {
		return c.b, c.m
	}
	return 0, c.b
}

// inA reports whether j, in contrastRange(i), is in A(i). The relation is
// symmetric, so it also says whether i is in A(j).
func (c *contrastive) inA(i, j int) bool {
	if c.kind != NPairs {
		return j != i && !c.isCopy(i, j)
	}
	return (c.labels == nil || c.labels[i] != c.labels[j] || j == c.partner(i)) && !c.isCopy(i, j)
}

// isCopy reports whether rows i and j are copies: different batch rows
// (i mod B != j mod B) with the same image key. The relation is symmetric.
func (c *contrastive) isCopy(i, j int) bool {
	return c.keys != nil && c.keys[i] == c.keys[j] && i%c.b != j%c.b
}

// copies writes the copies of row i to idx and returns them, in increasing
// row order; nil when there are no image keys.
func (c *contrastive) copies(i int, idx []int32) []int32 {
	if c.keys == nil {
		return nil
	}
	ws := c.ws
	idx = idx[:0]
	for _, j := range ws.keyOrder[ws.keyLo[i]:ws.keyHi[i]] {
		if int(j)%c.b != i%c.b {
			idx = append(idx, j)
		}
	}
	return idx
}

// partner returns the other view of row i's image (N-pairs, V = 2).
func (c *contrastive) partner(i int) int {
	if i < c.b {
		return i + c.b
	}
	return i - c.b
}

// logit returns s_ij = z_i·z_j/τ in float64 from the raw dot product.
func (c *contrastive) logit(dot float32) float64 { return float64(dot) * float64(c.invTau) }

// rowStats is pass 1 for anchor i with raw dot products s (length M): it
// records the log-sum-exp over A(i), |P(i)| and the loss term.
func (c *contrastive) rowStats(i int, s []float32, buf *workerBufs) {
	ws := c.ws
	lo, hi := c.contrastRange(i)
	mx, nA := float32(math.Inf(-1)), 0
	var cp []int32 // copies of i (not for N-pairs, whose inA excludes them)
	if c.kind == NPairs {
		for j := lo; j < hi; j++ {
			if c.inA(i, j) {
				nA++
				mx = max(mx, s[j])
			}
		}
	} else {
		cp = c.copies(i, buf.cp)
		// Copies are not in A(i): hide them from the maximum; their
		// exponentials are zeroed below. s is not read at copies again.
		for _, j := range cp {
			s[j] = -math.MaxFloat32
		}
		mx, nA = max(maxOf(s[:i]), maxOf(s[i+1:])), c.m-1-len(cp)
		for _, j := range cp {
			s[j] = mx
		}
	}
	if nA == 0 {
		return
	}
	// The shift is the exact float64 product, carried as two float32s, so
	// that the largest term is exp(0) whatever the rounding of the logits.
	sh := float64(mx) * float64(c.invTau)
	shHi, shLo := splitShift(sh)
	e := buf.e1
	expAffine(e[lo:hi], s[lo:hi], c.invTau, shHi, shLo)
	sum := 0.0
	if c.kind == NPairs {
		for j := lo; j < hi; j++ {
			if c.inA(i, j) {
				sum += float64(e[j])
			}
		}
	} else {
		for _, j := range cp {
			e[j] = 0
		}
		sum = sum64(e[:i]) + sum64(e[i+1:])
	}
	lse := sh + math.Log(sum)
	pos := c.positives(i, buf.idx)
	if len(pos) == 0 {
		return
	}
	var loss float64
	if c.kind == SupConIn {
		mp := math.Inf(-1)
		for _, j := range pos {
			mp = math.Max(mp, c.logit(s[j]))
		}
		sp := 0.0
		for _, j := range pos {
			sp += expNonPos(c.logit(s[j]) - mp)
		}
		ws.lseP[i] = mp + math.Log(sp)
		loss = lse - ws.lseP[i] + math.Log(float64(len(pos)))
	} else {
		sv := 0.0
		for _, j := range pos {
			sv += c.logit(s[j])
		}
		loss = lse - sv/float64(len(pos))
	}
	ws.lse[i] = lse
	ws.shift[i], ws.shiftLo[i] = splitShift(lse)
	ws.npos[i] = int32(len(pos))
	ws.rowLoss[i] = loss
}

// rowGrad is pass 2 for row k: it overwrites the raw dot products s with
// w·H_kj, where H_kj = G_kj + G_jk.
func (c *contrastive) rowGrad(k int, s []float32, buf *workerBufs, w float32) {
	ws := c.ws
	lo, hi := c.contrastRange(k)
	e1, e2 := buf.e1, buf.e2
	ck := ws.npos[k] > 0
	// q_kj + q_jk for the positives j, from the raw dot products.
	pos := c.positives(k, buf.idx)
	qs := buf.f1[:len(pos)]
	for n, j := range pos {
		q := 0.0
		if ck {
			q += c.q(k, s[j])
		}
		if ws.npos[j] > 0 {
			q += c.q(int(j), s[j])
		}
		qs[n] = q
	}
	// P_jk = exp(s_kj - lse_j) for counted anchors j, 0 for the others.
	expAffineVec(e2[lo:hi], s[lo:hi], ws.shift[lo:hi], ws.shiftLo[lo:hi], c.invTau)
	if ck {
		expAffine(e1[lo:hi], s[lo:hi], c.invTau, ws.shift[k], ws.shiftLo[k])
		addScaled(s[lo:hi], e1[lo:hi], e2[lo:hi], w)
	} else {
		scaled(s[lo:hi], e2[lo:hi], w)
	}
	clear(s[:lo])
	clear(s[hi:])
	s[k] = 0
	if c.kind == NPairs && (c.labels != nil || c.keys != nil) {
		for j := lo; j < hi; j++ {
			if !c.inA(k, j) {
				s[j] = 0
			}
		}
	}
	// A copy j of k is in neither A(k) nor A(j): G_kj = G_jk = 0.
	for _, j := range c.copies(k, buf.cp) {
		s[j] = 0
	}
	for n, j := range pos {
		s[j] = float32(float64(s[j]) - float64(qs[n]*float64(w)))
	}
}

// q returns q_ij for a counted anchor i and a positive j with raw dot product
// dot: 1/|P(i)| for L_out, exp(s_ij)/Σ_p exp(s_ip) for L_in.
func (c *contrastive) q(i int, dot float32) float64 {
	if c.kind != SupConIn {
		return 1 / float64(c.ws.npos[i])
	}
	return expNonPos(c.logit(dot) - c.ws.lseP[i])
}

// indexClasses sorts the rows by (label, row) into ws.order and records for
// every row the range of its class there, so that positives need no scan.
func (c *contrastive) indexClasses() {
	ws, m := c.ws, c.m
	ws.order = grow(ws.order, m)
	ws.classLo = grow(ws.classLo, m)
	ws.classHi = grow(ws.classHi, m)
	for i := range ws.order {
		ws.order[i] = int32(i)
	}
	slices.SortFunc(ws.order, func(a, b int32) int {
		if la, lb := c.labels[a], c.labels[b]; la != lb {
			return cmp.Compare(la, lb)
		}
		return cmp.Compare(a, b)
	})
	for lo := 0; lo < m; {
		hi := lo + 1
		for hi < m && c.labels[ws.order[hi]] == c.labels[ws.order[lo]] {
			hi++
		}
		for _, j := range ws.order[lo:hi] {
			ws.classLo[j], ws.classHi[j] = int32(lo), int32(hi)
		}
		lo = hi
	}
}

// run computes the loss and, when dst is not nil, its gradient with respect
// to c.z into dst (M×d, overwritten).
func (c *contrastive) run(dst []float32, workers int, scale float64, tau float64) Result {
	ws, m := c.ws, c.m
	for i := range m {
		ws.shift[i], ws.shiftLo[i] = noShift, 0
		ws.npos[i] = 0
		ws.rowLoss[i] = 0
	}
	if c.labels != nil && c.kind != NPairs {
		c.indexClasses()
	}
	anchors := m
	if c.one {
		anchors = c.b
	}
	parallelBlocks(workers, anchors, func(w, lo, hi int) {
		buf := &c.bufs[w]
		gram(buf.tile, c.z, lo, hi, m, c.d)
		for i := lo; i < hi; i++ {
			c.rowStats(i, buf.tile[(i-lo)*m:(i-lo+1)*m], buf)
		}
	})
	res := Result{Anchors: anchors, Temperature: tau, Scale: scale}
	sum := 0.0
	for i := range anchors {
		if ws.npos[i] > 0 {
			res.Counted++
			sum += ws.rowLoss[i]
		}
	}
	res.WithoutPositives = anchors - res.Counted
	if res.Counted == 0 {
		res.NoPositivePair = true
		clear(dst)
		return res
	}
	res.Value = scale * sum / float64(res.Counted)
	if dst == nil {
		return res
	}
	w := float32(scale * float64(c.invTau) / float64(res.Counted))
	parallelBlocks(workers, m, func(wk, lo, hi int) {
		buf := &c.bufs[wk]
		gram(buf.tile, c.z, lo, hi, m, c.d)
		for k := lo; k < hi; k++ {
			c.rowGrad(k, buf.tile[(k-lo)*m:(k-lo+1)*m], buf, w)
		}
		clear(dst[lo*c.d : hi*c.d])
		gemmRows(dst, buf.tile, c.z, lo, hi, m, c.d)
	})
	return res
}
