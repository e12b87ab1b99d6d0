package gemm

import (
	"sync"
	"sync/atomic"
)

// Blocking parameters. The micro-kernel tile is the kernel set's mr×nr.
// The k blocking is a function of k only (see kBlock), which keeps results
// independent of how the blocks of C are split and of the kernel set.
const (
	kcSingle = 384 // k up to this is one block
	kcTarget = 256 // otherwise blocks of about this length

	aBlockBytes = 384 << 10 // packed A block budget (L2 resident)
	ncTarget    = 1024      // columns of a block of C before splitting for parallelism
	prepackMax  = 1 << 20   // pack all of A once, shared, when m·k is at most this
	flopsPerGo  = 1 << 21   // minimum flops per goroutine
)

// gridHook, when set (by tests), replaces the block sizes chosen by plan;
// they must be multiples of mr and nr.
var gridHook func(m, n, kc, mr, nr int) (mc, nc int)

// kBlock returns the length of the k blocks: it depends on k alone.
func kBlock(k int) int {
	if k <= kcSingle {
		return k
	}
	nb := ceilDiv(k, kcTarget)
	return ceilDiv(k, nb)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// task is one Sgemm call in flight, shared by the goroutines working on it.
type task struct {
	ks             *kernelSet
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	kc, mc, nc int // k block, C block rows and columns (multiples of ks.mr, ks.nr)
	nbm, nbn   int // blocks of C along m and n
	mpad       int // m rounded up to mr
	apack      []float32
	apackBuf   *[]float32

	next atomic.Int64
	wg   sync.WaitGroup
}

var taskPool = sync.Pool{New: func() any { return new(task) }}

// sgemm is Sgemm for m, n, k > 0 and alpha != 0, on the kernel set ks,
// using at most procs goroutines.
func sgemm(ks *kernelSet, procs int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	t := taskPool.Get().(*task)
	t.ks, t.transA, t.transB = ks, transA, transB
	t.m, t.n, t.k = m, n, k
	t.alpha, t.beta = alpha, beta
	t.a, t.b, t.c = a, b, c
	t.lda, t.ldb, t.ldc = lda, ldb, ldc
	workers := t.plan(procs)
	if t.nbn > 1 && m*k <= prepackMax {
		t.prepackA()
	}
	t.next.Store(0)
	if workers > 1 {
		startHelpers(t, workers-1)
	}
	t.run()
	t.wg.Wait()
	if t.apackBuf != nil {
		apackPool.Put(t.apackBuf)
	}
	*t = task{}
	taskPool.Put(t)
}

// plan chooses the k block and the blocks of C, and returns how many
// goroutines to use. Only the split of C depends on procs; that does not
// change any result.
func (t *task) plan(procs int) int {
	m, n, k := t.m, t.n, t.k
	mr, nr := t.ks.mr, t.ks.nr
	t.kc = kBlock(k)
	t.mpad = roundUp(m, t.ks.mr)
	flops := 2 * float64(m) * float64(n) * float64(k)
	workers := min(procs, int(flops/flopsPerGo))
	workers = max(workers, 1)
	maxMC := max(mr, aBlockBytes/(4*t.kc)/mr*mr)
	nbm := ceilDiv(m, maxMC)
	nbn := ceilDiv(n, ncTarget)
	for nbm*nbn < workers {
		// Split the longer side: splitting n repacks A, splitting m repacks B.
		rowsLeft, colsLeft := m/nbm, n/nbn
		switch {
		case colsLeft >= rowsLeft && n/(nbn+1) >= nr:
			nbn++
		case m/(nbm+1) >= mr:
			nbm++
		case n/(nbn+1) >= nr:
			nbn++
		default:
			workers = nbm * nbn
		}
	}
	t.mc = roundUp(ceilDiv(m, nbm), mr)
	t.nc = roundUp(ceilDiv(n, nbn), nr)
	if gridHook != nil {
		t.mc, t.nc = gridHook(m, n, t.kc, mr, nr)
	}
	t.nbm, t.nbn = ceilDiv(m, t.mc), ceilDiv(n, t.nc)
	return min(workers, t.nbm*t.nbn)
}

var apackPool sync.Pool

// prepackA packs all of op(A), k block after k block, so that blocks of C
// in the same rows share it.
func (t *task) prepackA() {
	size := ceilDiv(t.k, t.kc) * t.kc * t.mpad
	p, _ := apackPool.Get().(*[]float32)
	if p == nil || cap(*p) < size {
		s := make([]float32, size)
		p = &s
	}
	t.apackBuf = p
	t.apack = (*p)[:size]
	for l0 := 0; l0 < t.k; l0 += t.kc {
		kcur := min(t.kc, t.k-l0)
		packA(t.ks, t.apack[l0*t.mpad:], t.a, t.lda, t.transA, 0, t.m, l0, kcur)
	}
}

// work holds one goroutine's packing buffers.
type work struct {
	a    []float32
	b    [maxNR * kcSingle]float32
	tile [goMR * goNR]float32
}

var workPool = sync.Pool{New: func() any { return new(work) }}

// run computes blocks of C until none is left.
func (t *task) run() {
	w := workPool.Get().(*work)
	total := int64(t.nbm * t.nbn)
	for {
		i := t.next.Add(1) - 1
		if i >= total {
			break
		}
		t.block(w, int(i)/t.nbn, int(i)%t.nbn)
	}
	workPool.Put(w)
}

// block computes the block (bm, bn) of C. Every element of C gets its k
// blocks added in increasing order, the first one with t.beta, whichever
// loop order is used.
func (t *task) block(w *work, bm, bn int) {
	nr := t.ks.nr
	i0, j0 := bm*t.mc, bn*t.nc
	mcur, ncur := min(t.mc, t.m-i0), min(t.nc, t.n-j0)
	if t.apack != nil {
		// A is packed already: keep each column strip of C hot in cache
		// across the k blocks.
		for jr := 0; jr < ncur; jr += nr {
			for l0 := 0; l0 < t.k; l0 += t.kc {
				kcur := min(t.kc, t.k-l0)
				t.panel(w, t.apack[l0*t.mpad+i0*kcur:], i0, mcur, j0+jr, min(nr, ncur-jr), l0, kcur)
			}
		}
		return
	}
	mp := roundUp(mcur, t.ks.mr)
	for l0 := 0; l0 < t.k; l0 += t.kc {
		kcur := min(t.kc, t.k-l0)
		if cap(w.a) < mp*kcur {
			w.a = make([]float32, t.mc*t.kc)
		}
		ap := w.a[:mp*kcur]
		packA(t.ks, ap, t.a, t.lda, t.transA, i0, mcur, l0, kcur)
		for jr := 0; jr < ncur; jr += nr {
			t.panel(w, ap, i0, mcur, j0+jr, min(nr, ncur-jr), l0, kcur)
		}
	}
}

// panel packs the k block l0..l0+kcur-1 of columns j..j+ncr-1 of op(B) and
// adds its product with the packed rows i0..i0+mcur-1 of op(A) (ap) to C.
func (t *task) panel(w *work, ap []float32, i0, mcur, j, ncr, l0, kcur int) {
	mr, nr := t.ks.mr, t.ks.nr
	bp := w.b[:kcur*nr]
	packB(t.ks, bp, t.b, t.ldb, t.transB, l0, kcur, j, ncr)
	beta := t.beta
	if l0 > 0 {
		beta = 1
	}
	c, ldc := t.c, t.ldc
	for ir := 0; ir < mcur; ir += mr {
		mcr := min(mr, mcur-ir)
		pa := ap[ir*kcur : (ir+mr)*kcur]
		ci := (i0+ir)*ldc + j
		switch {
		case t.ks.kernel != nil:
			t.ks.kernel(kcur, pa, bp, c[ci:], ldc, t.alpha, beta, mcr, ncr)
		case mcr == mr && ncr == nr:
			kernelGo(kcur, pa, bp, c[ci:], ldc, t.alpha, beta)
		default:
			kernelGo(kcur, pa, bp, w.tile[:], goNR, t.alpha, 0)
			mergeTile(c[ci:], ldc, w.tile[:], mcr, ncr, beta)
		}
	}
}

// mergeTile writes the mcr×ncr corner of tile (alpha·AB, row stride goNR)
// into C as tile + beta·C, rounding exactly as kernelGo's epilogue does.
func mergeTile(c []float32, ldc int, tile []float32, mcr, ncr int, beta float32) {
	for i := 0; i < mcr; i++ {
		crow := c[i*ldc : i*ldc+ncr]
		trow := tile[i*goNR : i*goNR+ncr]
		if beta == 0 {
			copy(crow, trow)
			continue
		}
		for j, v := range trow {
			crow[j] = v + float32(beta*crow[j])
		}
	}
}

// The helper goroutines: parked on helperCh between calls, so that a call
// spawns none in the steady state.
var (
	helperCh = make(chan *task)
	helperMu sync.Mutex
	helperN  int
)

const maxHelpers = 255

// startHelpers asks up to n idle helpers (spawning new ones if needed) to
// work on t; t.wg counts them.
func startHelpers(t *task, n int) {
	for ; n > 0; n-- {
		t.wg.Add(1)
		select {
		case helperCh <- t:
			continue
		default:
		}
		helperMu.Lock()
		ok := helperN < maxHelpers
		if ok {
			helperN++
		}
		helperMu.Unlock()
		if !ok {
			t.wg.Done()
			return
		}
		go helper(t)
	}
}

func helper(t *task) {
	for {
		t.run()
		t.wg.Done()
		t = <-helperCh
	}
}
