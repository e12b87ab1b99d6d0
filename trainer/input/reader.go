package input

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"

	"github.com/supcon/supcon/shards"
)

// Record is one image of the stream: a multiview record and where it came from.
// It does not alias the Reader's buffers.
type Record struct {
	shards.Multiview
	// Shard is the file the record came from; Index its 0-based index there.
	Shard string
	Index int64
}

// ReadStats count what a Reader has read and skipped.
type ReadStats struct {
	// Records is the number of good records delivered.
	Records int64 `json:"records"`
	// Shards is the number of shards read to their end (or skipped).
	Shards int64 `json:"shards"`
	// CorruptShards counts damaged framing under the Skip policy: each
	// abandons the rest of its shard.
	CorruptShards int64 `json:"corrupt_shards"`
	// BadRecords counts records framed correctly that are not valid multiview
	// records, skipped under the Skip policy.
	BadRecords int64 `json:"bad_records"`
	// LastSkipped describes the last damage skipped.
	LastSkipped string `json:"last_skipped,omitempty"`
}

func (s *ReadStats) add(o ReadStats) {
	s.Records += o.Records
	s.Shards += o.Shards
	s.CorruptShards += o.CorruptShards
	s.BadRecords += o.BadRecords
	if o.LastSkipped != "" {
		s.LastSkipped = o.LastSkipped
	}
}

// Reader streams one epoch of a Dataset's records. Records are framed in
// order by one goroutine and parsed by Options.Workers goroutines, then
// delivered in the same order whatever the number of workers. A Reader is
// not safe for concurrent use; Close stops its goroutines.
type Reader struct {
	policy CorruptPolicy
	f      *framer
	par    *parser // nil: parse inline
	cancel context.CancelFunc
	buf    []*Record
	size   int
	rng    *rand.Rand
	srcEnd bool
	stats  ReadStats
	err    error
}

// Epoch returns a Reader of one epoch's records with a shuffle buffer of
// shuffle records (0: no shuffle beyond the shard order and interleave).
func (d *Dataset) Epoch(ctx context.Context, epoch, shuffle int) (*Reader, error) {
	if shuffle < 0 {
		return nil, fmt.Errorf("shuffle buffer %d is negative", shuffle)
	}
	ctx, cancel := context.WithCancel(ctx)
	file, err := d.epochFiles(ctx, epoch)
	if err != nil {
		cancel()
		return nil, err
	}
	f := &framer{ctx: ctx, d: d, epoch: epoch, rotate: !d.opt.NoRotate && !(d.follow != nil && epoch == 0),
		policy: d.opt.Corrupt, file: file, width: d.opt.Interleave}
	r := &Reader{policy: d.opt.Corrupt, f: f, cancel: cancel, size: shuffle,
		rng: newRand(d.opt.Seed, purposeShuffle, uint64(epoch), uint64(d.opt.Rank))}
	workers := d.opt.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > 1 {
		r.par = startParser(ctx, f, workers)
	}
	return r, nil
}

// Stats returns what the Reader has read and skipped so far.
func (r *Reader) Stats() ReadStats { return r.stats }

// Close stops the Reader's goroutines and closes the shards still open.
func (r *Reader) Close() error {
	r.cancel()
	if r.par != nil {
		r.par.stop()
		return nil // the framing goroutine closed the shards
	}
	return r.f.close()
}

// Next returns the epoch's next record, or io.EOF at its end. After an error
// every later call returns it.
func (r *Reader) Next() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.next()
	if err != nil {
		r.err = err
		r.Close()
	}
	return rec, err
}

func (r *Reader) next() (*Record, error) {
	if r.size == 0 {
		return r.read()
	}
	for !r.srcEnd && len(r.buf) < r.size {
		rec, err := r.read()
		if err == io.EOF {
			r.srcEnd = true
			break
		}
		if err != nil {
			return nil, err
		}
		r.buf = append(r.buf, rec)
	}
	if len(r.buf) == 0 {
		return nil, io.EOF
	}
	i, last := r.rng.IntN(len(r.buf)), len(r.buf)-1
	rec := r.buf[i]
	r.buf[i], r.buf[last] = r.buf[last], nil
	r.buf = r.buf[:last]
	return rec, nil
}

// read returns the next parsed record in stream order, counting the events
// met on the way and applying the corrupt-record policy.
func (r *Reader) read() (*Record, error) {
	for {
		var it item
		if r.par != nil {
			it = r.par.next()
		} else {
			it = r.f.next()
			it.parse()
		}
		r.stats.Shards += it.ended
		r.stats.CorruptShards += it.corrupt
		if it.lastSkipped != "" {
			r.stats.LastSkipped = it.lastSkipped
		}
		switch {
		case it.err != nil:
			return nil, it.err
		case it.eof:
			return nil, io.EOF
		case it.perr != nil:
			if r.policy == Skip {
				r.stats.BadRecords++
				r.stats.LastSkipped = it.perr.Error()
				continue
			}
			return nil, it.perr
		}
		r.stats.Records++
		return it.rec, nil
	}
}
