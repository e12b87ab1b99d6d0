package loss

// Workspace holds the buffers of a loss computation so that repeated calls
// with the same sizes allocate nothing: O(M·d) for normalised rows plus
// O(M) per-row statistics plus, per worker, a blockRows×M tile and a few rows
// of M. The zero value is ready to use. A Workspace is not safe for
// concurrent use; give each goroutine its own.
type Workspace struct {
	z        []float32 // normalised rows (Normalize) or nil
	norms    []float64 // row norms before normalisation
	sq       []float64 // squared row norms (triplet)
	rowLoss  []float64 // per-anchor loss terms
	lse      []float64 // log-sum-exp over A(i)
	lseP     []float64 // log-sum-exp over P(i) (L_in)
	shift    []float32 // lse as the float32 shift of pass 2, huge for rows that do not count
	shiftLo  []float32 // lse - shift
	npos     []int32   // |P(i)| of anchors that count, else 0
	nneg     []int32   // |N(i)| (triplet)
	rowSum   []float64 // triplet: Σ_j a_ij of the current block
	count    []int64   // triplet: active triplets per anchor
	hardP    []int32   // batch-hard positive per anchor
	hardN    []int32   // batch-hard negative per anchor
	order    []int32   // rows sorted by (label, row)
	classLo  []int32   // start of row i's class in order
	classHi  []int32   // end of row i's class in order
	keyOrder []int32   // rows sorted by (image key, row) when ImageKeys is set
	keyLo    []int32   // start of row i's image key in keyOrder
	keyHi    []int32   // end of row i's image key in keyOrder
	perWork  []workerBufs
	blockBuf []float32 // triplet: coefficients of one row block
}

// workerBufs are one worker's scratch rows.
type workerBufs struct {
	tile   []float32 // blockRows × M raw dot products
	e1, e2 []float32 // M each
	f1, f2 []float64 // M each (f2, triplet only)
	idx    []int32   // M
	cp     []int32   // M: copies of a row (ImageKeys only)
	hist   []int32   // M+1 (triplet only)
}

// grow returns s resized to n, reallocating only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// workers returns per-worker buffers for w workers and m rows.
func (ws *Workspace) workers(w, m int, triplet bool) []workerBufs {
	if len(ws.perWork) < w {
		ws.perWork = append(ws.perWork, make([]workerBufs, w-len(ws.perWork))...)
	}
	for i := range w {
		b := &ws.perWork[i]
		b.tile = grow(b.tile, blockRows*m)
		b.e1 = grow(b.e1, m)
		b.e2 = grow(b.e2, m)
		b.f1 = grow(b.f1, m)
		b.idx = grow(b.idx, m)
		if triplet {
			b.f2 = grow(b.f2, m)
			b.hist = grow(b.hist, m+1)
		}
	}
	return ws.perWork[:w]
}
