package loss

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// maxLogit bounds |z_i·z_j|/τ for inputs used as given, so that float32
// similarities cannot overflow.
const maxLogit = 1e30

// Compute is (&Workspace{}).Compute: it allocates its buffers for this call
// and is safe for concurrent use.
func Compute(dst *Matrix, z Matrix, labels []int, o Options) (Result, error) {
	var ws Workspace
	return ws.Compute(dst, z, labels, o)
}

// Compute evaluates the loss o.Loss on the M rows of z (d columns, view-major:
// row v*B + b is view v of image b) with one label per row, and, when dst is
// not nil, writes the gradient of the value with respect to z to dst, which
// must have z's dimensions and must not share its memory. Labels are ignored
// by SimCLR and may be nil for N-pairs (every image its own class); for
// CrossEntropy z holds logits and labels are class indices in [0, z.Cols).
//
// Dimensions, labels and options are checked before any work; inputs that
// are not finite are an error. The cost is described in the package
// documentation; with dst nil only the first of the two passes runs. With
// buffers already grown by an earlier call of the same size, Compute
// allocates nothing but its goroutines.
func (ws *Workspace) Compute(dst *Matrix, z Matrix, labels []int, o Options) (Result, error) {
	res, err := ws.compute(dst, z, labels, o)
	if err != nil {
		return Result{}, fmt.Errorf("loss %v: %w", o.Loss, err)
	}
	return res, nil
}

func (ws *Workspace) compute(dst *Matrix, z Matrix, labels []int, o Options) (Result, error) {
	if err := z.check("features"); err != nil {
		return Result{}, err
	}
	m, d := z.Rows, z.Cols
	if m == 0 || d == 0 {
		return Result{}, fmt.Errorf("features are %d×%d: need at least one row and one column", m, d)
	}
	r, err := o.resolve(m)
	if err != nil {
		return Result{}, err
	}
	var g []float32
	if dst != nil {
		if err := dst.check("gradient"); err != nil {
			return Result{}, err
		}
		if dst.Rows != m || dst.Cols != d {
			return Result{}, fmt.Errorf("gradient is %d×%d, features %d×%d", dst.Rows, dst.Cols, m, d)
		}
		if &dst.Data[0] == &z.Data[0] {
			return Result{}, errors.New("gradient shares memory with the features")
		}
		g = dst.Data
	}
	switch {
	case o.Loss == SimCLR:
		labels = nil
	case o.Loss == NPairs && labels == nil:
	case len(labels) != m:
		return Result{}, fmt.Errorf("%d labels for %d rows: want one per row", len(labels), m)
	}
	if o.ImageKeys != nil {
		if err := ws.indexKeys(o.ImageKeys, labels, m, r); err != nil {
			return Result{}, err
		}
	}
	if err := z.checkFinite("features"); err != nil {
		return Result{}, err
	}
	if o.Loss == CrossEntropy {
		return ws.crossEntropy(g, z, labels, r)
	}
	x := z.Data
	ws.norms = grow(ws.norms, m)
	if o.Normalize {
		ws.z = grow(ws.z, m*d)
		normalizeRows(ws.z, x, ws.norms, m, d, r.workers)
		x = ws.z
	} else {
		bound := maxSquaredNorm(x, m, d)
		if o.Loss == Triplet {
			bound *= 4
		} else if o.Loss != NPairs {
			bound /= r.tau
		}
		if bound > maxLogit {
			return Result{}, fmt.Errorf("rows as large as %.3g in norm would overflow float32 similarities: normalise them (Options.Normalize)", math.Sqrt(bound))
		}
	}
	var res Result
	if o.Loss == Triplet {
		res = ws.triplet(g, x, m, d, labels, r)
	} else {
		res = ws.contrastive(g, x, m, d, labels, r)
	}
	if g != nil && o.Normalize {
		normalizeBackward(g, x, ws.norms, m, d, r.workers)
	}
	return res, nil
}

// contrastive runs SupCon, SimCLR or N-pairs on the rows x.
func (ws *Workspace) contrastive(g, x []float32, m, d int, labels []int, r resolved) Result {
	tau, scale := r.tau, r.scale
	if r.Loss == NPairs {
		tau, scale = 1, 1
	}
	ws.lse = grow(ws.lse, m)
	ws.lseP = grow(ws.lseP, m)
	ws.shift = grow(ws.shift, m)
	ws.shiftLo = grow(ws.shiftLo, m)
	ws.npos = grow(ws.npos, m)
	ws.rowLoss = grow(ws.rowLoss, m)
	c := &contrastive{
		kind:   r.Loss,
		m:      m,
		d:      d,
		b:      m / r.views,
		views:  r.views,
		z:      x,
		labels: labels,
		keys:   r.ImageKeys,
		one:    r.Mode == ModeOne,
		invTau: float32(1 / tau),
		ws:     ws,
		bufs:   ws.workers(r.workers, m, false),
	}
	if c.keys != nil {
		for i := range c.bufs {
			c.bufs[i].cp = grow(c.bufs[i].cp, m)
		}
	}
	return c.run(g, r.workers, scale, tau)
}

// indexKeys validates Options.ImageKeys for m rows and sorts the rows by
// (image key, row) into ws.keyOrder, recording for every row the range of
// its key there, so that a row's copies need no scan.
func (ws *Workspace) indexKeys(keys, labels []int, m int, r resolved) error {
	if r.Loss != SupConOut && r.Loss != SupConIn && r.Loss != SimCLR && r.Loss != NPairs {
		return fmt.Errorf("image keys (copies) apply to supcon-out, supcon-in, simclr and npairs, not %v", r.Loss)
	}
	if len(keys) != m {
		return fmt.Errorf("%d image keys for %d rows: want one per row (view-major, like the labels)", len(keys), m)
	}
	b := m / r.views
	for i := b; i < m; i++ {
		if keys[i] != keys[i%b] {
			return fmt.Errorf("image keys: row %d (view %d of image %d) has key %d but row %d (view 0) has %d: the views of an image must share its key", i, i/b, i%b, keys[i], i%b, keys[i%b])
		}
	}
	ws.keyOrder = grow(ws.keyOrder, m)
	ws.keyLo = grow(ws.keyLo, m)
	ws.keyHi = grow(ws.keyHi, m)
	for i := range ws.keyOrder {
		ws.keyOrder[i] = int32(i)
	}
	slices.SortFunc(ws.keyOrder, func(a, b int32) int {
		if ka, kb := keys[a], keys[b]; ka != kb {
			return cmp.Compare(ka, kb)
		}
		return cmp.Compare(a, b)
	})
	for lo := 0; lo < m; {
		first := ws.keyOrder[lo]
		hi := lo + 1
		for hi < m && keys[ws.keyOrder[hi]] == keys[first] {
			hi++
		}
		for _, j := range ws.keyOrder[lo:hi] {
			ws.keyLo[j], ws.keyHi[j] = int32(lo), int32(hi)
			if labels != nil && labels[j] != labels[first] {
				return fmt.Errorf("image keys: rows %d and %d show image %d but have labels %d and %d: copies must share a label", first, j, keys[first], labels[first], labels[j])
			}
		}
		lo = hi
	}
	return nil
}
