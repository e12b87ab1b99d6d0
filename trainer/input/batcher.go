package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// BatchOptions configure a Batcher.
type BatchOptions struct {
	// P classes × K images × V views per batch. V is at most the views
	// stored per record.
	P, K, V int
	// Buffer is the number of records the pool (the shuffle buffer) holds;
	// 0 means 16·P·K. It must hold at least P·K. The pool grows past it,
	// up to 4·Buffer, only while it holds fewer than P classes (skewed or
	// class-clustered data); Stats.PeakPool says how far it went.
	Buffer int
	// Epochs is how many epochs Next delivers before io.EOF; 0 means no end.
	Epochs int
	// Decode fills Batch.Pixels; without it batches carry ids, labels and
	// view indices only.
	Decode bool
	// Workers decode views; 0 means GOMAXPROCS.
	Workers int
	// Prefetch is how many batches are composed and decoded ahead of Next;
	// 0 means 2.
	Prefetch int
	// Start, when set, resumes at a saved Position.
	Start *Position
}

// Batcher delivers class-balanced batches (see the package documentation).
// Its methods are not safe for concurrent use; it runs its own goroutines,
// which Close stops.
type Batcher struct {
	d      *Dataset
	opt    BatchOptions
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ready  chan *Batch
	free   chan *Batch
	jobs   chan rowJob
	last   *Batch
	pos    Position
	stats  Stats
	err    error
}

// rowJob is the decoding of one row's views.
type rowJob struct {
	b   *Batch
	row int
}

// NewBatcher starts a Batcher on the dataset. Options out of range, a
// manifest that says the data has fewer than P classes or fewer than V views,
// and a Start position made with other settings are errors here.
func NewBatcher(ctx context.Context, d *Dataset, opt BatchOptions) (*Batcher, error) {
	if opt.P <= 0 || opt.K <= 0 || opt.V <= 0 {
		return nil, fmt.Errorf("batch of P=%d classes × K=%d images × V=%d views: each must be at least 1", opt.P, opt.K, opt.V)
	}
	if opt.Buffer == 0 {
		opt.Buffer = 16 * opt.P * opt.K
	}
	if opt.Buffer < opt.P*opt.K {
		return nil, fmt.Errorf("buffer of %d records cannot hold a batch of P·K = %d images", opt.Buffer, opt.P*opt.K)
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Prefetch <= 0 {
		opt.Prefetch = 2
	}
	if opt.Epochs < 0 {
		return nil, fmt.Errorf("%d epochs is negative", opt.Epochs)
	}
	if m := d.Manifest(); m != nil {
		if m.Views > 0 && m.Views < opt.V {
			return nil, fmt.Errorf("the dataset stores %d views per record, V = %d asks for more", m.Views, opt.V)
		}
		if len(m.ClassCounts) > 0 {
			n := 0
			for _, c := range m.ClassCounts {
				if c > 0 {
					n++
				}
			}
			if n < opt.P {
				return nil, fmt.Errorf("the dataset has %d classes, a batch needs P = %d", n, opt.P)
			}
		}
	}
	do := d.Options()
	pos := Position{Seed: do.Seed, Rank: do.Rank, World: do.World, Interleave: do.Interleave,
		P: opt.P, K: opt.K, V: opt.V, Buffer: opt.Buffer, Follow: do.Follow}
	if opt.Start != nil {
		if err := opt.Start.check(pos); err != nil {
			return nil, err
		}
		pos.Epoch, pos.Batch = opt.Start.Epoch, opt.Start.Batch
	}
	ctx, cancel := context.WithCancel(ctx)
	b := &Batcher{d: d, opt: opt, ctx: ctx, cancel: cancel, pos: pos,
		ready: make(chan *Batch, opt.Prefetch),
		free:  make(chan *Batch, opt.Prefetch+2),
		jobs:  make(chan rowJob, opt.P*opt.K*opt.Prefetch),
	}
	for i := 0; i < opt.Prefetch+2; i++ {
		b.free <- &Batch{}
	}
	b.wg.Add(1 + opt.Workers)
	go b.produce(pos.Epoch, pos.Batch)
	for i := 0; i < opt.Workers; i++ {
		go b.work()
	}
	return b, nil
}

// Next returns the next batch, valid until the next call; io.EOF after the
// last epoch. After an error every later call returns it.
func (b *Batcher) Next() (*Batch, error) {
	if b.err != nil {
		return nil, b.err
	}
	if b.last != nil {
		b.free <- b.last
		b.last = nil
	}
	bt, ok := <-b.ready
	if !ok {
		b.err = io.EOF
		if err := b.ctx.Err(); err != nil {
			b.err = err
		}
		return nil, b.err
	}
	<-bt.done
	if bt.err != nil {
		b.err = bt.err
		return nil, b.err
	}
	b.last = bt
	b.pos.Epoch, b.pos.Batch = bt.Epoch, bt.Index+1
	b.stats = bt.stats
	return bt, nil
}

// Position returns where the Batcher stands: after the last batch Next
// returned.
func (b *Batcher) Position() Position { return b.pos }

// Stats returns the metrics as of the last batch Next returned.
func (b *Batcher) Stats() Stats { return b.stats }

// Close stops the Batcher's goroutines. Next returns an error afterwards.
func (b *Batcher) Close() error {
	b.cancel()
	for range b.ready {
	}
	b.wg.Wait()
	if b.err == nil {
		b.err = errors.New("batcher closed")
	}
	return nil
}

// produce composes batches in order and hands them to the workers and Next.
func (b *Batcher) produce(epoch, skip int) {
	defer b.wg.Done()
	defer close(b.jobs)
	defer close(b.ready)
	var t tally
	for ; b.opt.Epochs == 0 || epoch < b.opt.Epochs; epoch++ {
		read, err := b.epoch(epoch, skip, &t)
		t.readBase.add(read)
		if err != nil {
			if b.ctx.Err() == nil {
				done := make(chan struct{})
				close(done)
				select {
				case b.ready <- &Batch{err: err, done: done}:
				case <-b.ctx.Done():
				}
			}
			return
		}
		skip = 0
	}
}

// epoch composes one epoch's batches, skipping (composing without
// delivering) the first skip of them, and returns what its Reader read.
func (b *Batcher) epoch(epoch, skip int, t *tally) (ReadStats, error) {
	r, err := b.d.Epoch(b.ctx, epoch, 0)
	if err != nil {
		return ReadStats{}, err
	}
	defer r.Close()
	rng := newRand(b.d.opt.Seed, purposeBatch, uint64(epoch), uint64(b.d.opt.Rank))
	p := newPool()
	var prev []slot
	srcEnd := false
	for index := 0; ; index++ {
		// Fill the pool to Buffer records, or past it (up to 4·Buffer)
		// while it holds fewer than P classes.
		for !srcEnd && (p.n < b.opt.Buffer || (len(p.classes) < b.opt.P && p.n < 4*b.opt.Buffer)) {
			rec, err := r.Next()
			if err == io.EOF {
				srcEnd = true
				break
			}
			if err != nil {
				return r.Stats(), err
			}
			if len(rec.Views) < b.opt.V {
				return r.Stats(), fmt.Errorf("image %s (%s record %d) stores %d views, V = %d asks for more", rec.ID, rec.Shard, rec.Index, len(rec.Views), b.opt.V)
			}
			p.add(rec)
			t.PeakPool = max(t.PeakPool, p.n)
		}
		if p.n == 0 {
			return r.Stats(), nil
		}
		pooled := p.n
		slots, err := p.choose(rng, b.opt.P, b.opt.K, prev)
		if err != nil {
			var fe *FewClassesError
			if errors.As(err, &fe) {
				fe.Epoch, fe.Batch, fe.Pool = epoch, index, pooled
			}
			return r.Stats(), err
		}
		prev = slots
		var bt *Batch
		if index < skip {
			bt = &Batch{}
		} else {
			select {
			case bt = <-b.free:
			case <-b.ctx.Done():
				return r.Stats(), b.ctx.Err()
			}
		}
		b.fill(bt, slots, epoch, index, rng)
		t.count(bt, slots, b.opt.K, r.Stats())
		if index < skip {
			continue
		}
		bt.stats = t.Stats
		b.dispatch(bt)
		select {
		case b.ready <- bt:
		case <-b.ctx.Done():
			return r.Stats(), b.ctx.Err()
		}
	}
}

// fill lays out a batch's rows from its class slots: each slot's distinct
// records, then copies drawn with replacement up to K, and every row's views.
func (b *Batcher) fill(bt *Batch, slots []slot, epoch, index int, rng interface{ IntN(int) int }) {
	P, K, V := b.opt.P, b.opt.K, b.opt.V
	bt.Epoch, bt.Index, bt.P, bt.K, bt.V = epoch, index, P, K, V
	bt.Rows, bt.recs = bt.Rows[:0], bt.recs[:0]
	bt.err = nil
	bt.pending.Store(0)
	image := 0
	for _, s := range slots {
		base := image
		copies := make([]int, len(s.recs))
		for k := 0; k < K; k++ {
			i := k
			if k >= len(s.recs) {
				i = rng.IntN(len(s.recs))
				copies[i]++
			}
			rec := s.recs[i]
			row := Row{ID: rec.ID, Label: rec.Label, Image: base + i, Reused: s.reused}
			if k >= len(s.recs) {
				row.Copy = copies[i]
			}
			offset := row.Copy
			if s.reused {
				offset++ // the image's first use this epoch had offset 0
			}
			row.Views = viewsFor(reuse(bt, len(bt.Rows)), b.d.opt.Seed, epoch, rec, V, offset)
			bt.Rows = append(bt.Rows, row)
			bt.recs = append(bt.recs, rec)
		}
		image += len(s.recs)
	}
}

// reuse returns the views slice of the batch's row i from an earlier use of
// the batch buffer, to append into without allocating.
func reuse(bt *Batch, i int) []int {
	if i < cap(bt.Rows) {
		return bt.Rows[:cap(bt.Rows)][i].Views[:0]
	}
	return nil
}

// viewsFor picks V of the record's stored views: a permutation drawn from
// (seed, epoch, id), read from position offset·V on (wrapping), so that an
// image's copies get other views where the record has enough.
func viewsFor(dst []int, seed int64, epoch int, rec *Record, V, offset int) []int {
	return permPrefix(dst, seed, epoch, rec.ID, len(rec.Views), V, offset)
}
