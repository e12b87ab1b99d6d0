package input

import (
	"context"
	"errors"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"io"
	"path"

	"github.com/supcon/supcon/shards"
)

// item is one framed record on its way to the Reader's consumer, with the
// events met since the last one, so that the consumer counts them in stream
// order however far ahead the framing runs.
type item struct {
	data          []byte // the record's bytes (owned)
	shard         string
	index, offset int64

	ended       int64  // shards finished since the last item
	corrupt     int64  // shards abandoned for damaged framing (Skip)
	lastSkipped string // the last of those
	err         error  // a fatal error: the stream stops here
	eof         bool   // the end of the epoch

	rec  *Record // set by parsing
	perr error   // a record that is not a valid multiview record
}

// framer reads one epoch's shards, interleaved and rotated, record by record.
// It is not safe for concurrent use.
type framer struct {
	ctx      context.Context
	d        *Dataset
	epoch    int
	rotate   bool
	policy   CorruptPolicy
	file     func(j int) (string, bool, error)
	nextFile int
	filesEnd bool
	width    int
	slots    []*shardStream
	cur      int
	pending  item // events not yet attached to an item
}

// shardStream is one open shard, read from record start to its end and
// then, wrapped, from its beginning up to start.
type shardStream struct {
	name    string
	rc      io.ReadCloser
	r       *shards.Reader
	n       int64 // index of the next record in the file
	start   int64
	wrapped bool
}

// next returns the next record of the interleaved shards — one from each
// open shard in turn, a finished shard's slot taken by the next shard in the
// order — or an item with eof or err set.
func (f *framer) next() item {
	it := f.read()
	it.ended, it.corrupt, it.lastSkipped = f.pending.ended, f.pending.corrupt, f.pending.lastSkipped
	f.pending = item{}
	return it
}

func (f *framer) read() item {
	for {
		if err := f.ctx.Err(); err != nil {
			return item{err: err}
		}
		if len(f.slots) < f.width && !f.filesEnd {
			s, err := f.open()
			if err != nil {
				return item{err: err}
			}
			if s != nil {
				f.slots = append(f.slots, s)
			}
			continue
		}
		if len(f.slots) == 0 {
			return item{eof: true}
		}
		if f.cur >= len(f.slots) {
			f.cur = 0
		}
		s := f.slots[f.cur]
		if s.wrapped && s.n >= s.start {
			f.endSlot()
			continue
		}
		data, err := s.r.Next()
		switch {
		case err == io.EOF && s.start > 0 && !s.wrapped:
			if err := s.wrap(f.ctx); err != nil {
				return item{err: err}
			}
			continue
		case err == io.EOF:
			f.endSlot()
			continue
		case err != nil:
			if f.policy == Skip && errors.Is(err, shards.ErrCorrupt) {
				f.skipped(err)
				f.endSlot()
				continue
			}
			return item{err: err}
		}
		it := item{data: append([]byte(nil), data...), shard: s.name, index: s.n, offset: s.r.Offset()}
		s.n++
		f.cur++
		return it
	}
}

// skipped counts a shard abandoned for damaged framing.
func (f *framer) skipped(err error) {
	f.pending.corrupt++
	f.pending.lastSkipped = err.Error()
}

// endSlot closes the current slot's shard and removes the slot, keeping
// the others' order.
func (f *framer) endSlot() {
	f.slots[f.cur].close()
	f.pending.ended++
	f.slots = append(f.slots[:f.cur], f.slots[f.cur+1:]...)
}

// open opens the next shard of the epoch's order; nil when there is none.
func (f *framer) open() (*shardStream, error) {
	for {
		name, ok, err := f.file(f.nextFile)
		if err != nil {
			return nil, err
		}
		if !ok {
			f.filesEnd = true
			return nil, nil
		}
		f.nextFile++
		s := &shardStream{name: name}
		if n := f.d.recordCount(name); f.rotate && n > 1 {
			// Seeded by the shard's base name, so that the dataset's
			// location (a local folder, a bucket) does not change the batches.
			s.start = newRand(f.d.opt.Seed, purposeRotate, uint64(f.epoch), hashString(path.Base(name))).Int64N(n)
		}
		err = s.open(f.ctx)
		for err == nil && s.n < s.start {
			_, err = s.r.Next()
			s.n++
			if err == io.EOF {
				err = fmt.Errorf("%s: ended after %d records, its manifest says %d", name, s.n-1, f.d.recordCount(name))
			}
		}
		if err == nil {
			return s, nil
		}
		s.close()
		if f.policy != Skip || !errors.Is(err, shards.ErrCorrupt) {
			return nil, err
		}
		f.skipped(err)
		f.pending.ended++
	}
}

// close closes every open shard.
func (f *framer) close() error {
	var first error
	for _, s := range f.slots {
		if err := s.close(); err != nil && first == nil {
			first = err
		}
	}
	f.slots = nil
	return first
}

// wrap reopens a rotated shard to read it from its beginning up to start.
func (s *shardStream) wrap(ctx context.Context) error {
	s.close()
	s.wrapped, s.n = true, 0
	return s.open(ctx)
}

func (s *shardStream) open(ctx context.Context) error {
	rc, err := storage.Open(ctx, s.name)
	if err != nil {
		return err
	}
	fr, err := shards.NewReader(rc, shards.ReaderOptions{Name: s.name, Compression: shards.CompressionOf(s.name)})
	if err != nil {
		rc.Close()
		return err
	}
	s.rc, s.r = rc, fr
	return nil
}

func (s *shardStream) close() error {
	if s.rc == nil {
		return nil
	}
	s.r.Close()
	err := s.rc.Close()
	s.rc, s.r = nil, nil
	return err
}

// parse decodes an item's record.
func (it *item) parse() {
	if it.data == nil {
		return
	}
	m, err := shards.UnmarshalMultiview(it.data)
	if err != nil {
		it.perr = fmt.Errorf("%s record %d (offset %d): %w", it.shard, it.index, it.offset, err)
	} else {
		it.rec = &Record{Multiview: *m, Shard: it.shard, Index: it.index}
	}
	it.data = nil
}
