package pipelines

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

// A run is a file of records of one shard, sorted as the shard is (by id,
// then by bytes), written by the augment step under the dataset's temporary
// folder. Only a runRef, a few dozen bytes, goes through the shuffle; the
// shard writer merges its shard's runs. See docs/pipeline-memory.md.
//
// A run file is a sequence of records, each:
//
//	uvarint len(id) id  uvarint len(class) class  varint label
//	uvarint views  uvarint lost  uvarint len(data) data
//
// Its record count, size and CRC-32C are in the runRef, and the reader
// checks them, so a truncated or foreign file is an error, never a shorter shard.

// DefaultRunBuffer is the bytes of records the augment bundles of one
// worker process buffer, together, before writing them as sorted runs, and
// about what one shard merge holds, when Config.RunBuffer is 0.
const DefaultRunBuffer = 32 << 20

// mergeFanIn is the most runs a shard writer reads at once; a shard with
// more is merged in passes through intermediate runs. Each open run costs a
// read buffer of runReadBuffer bytes and one record, and a merge reads only
// as many runs at once as fit in the run buffer (mergeWidth).
var mergeFanIn = 64

// mergeSlots bounds the shard merges a process runs at once (runners may run
// many bundles of a step concurrently): one per CPU.
var mergeSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

const (
	runReadBuffer  = 32 << 10
	runWriteBuffer = 256 << 10
	// recordOverhead is what a buffered record costs beyond its bytes.
	recordOverhead = 96
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// runRef names a finished run: what goes through the GroupByKey.
type runRef struct {
	Shard   int    `json:"shard"`
	Path    string `json:"path"`
	Records int64  `json:"records"`
	Bytes   int64  `json:"bytes"`
	CRC32C  uint32 `json:"crc32c"`
	// MaxRecord is the largest record's size in memory (recordSize).
	MaxRecord int64 `json:"max_record"`
}

// encode returns the ref as it travels: JSON.
func (r runRef) encode() string {
	b, err := json.Marshal(r)
	if err != nil { // a struct of numbers and a string: cannot happen
		panic(fmt.Sprintf("pipelines: encoding run reference %+v: %v", r, err))
	}
	return string(b)
}

func decodeRunRef(s string) (runRef, error) {
	var r runRef
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return r, fmt.Errorf("run reference %q: %w", s, err)
	}
	return r, nil
}

// shuffleSize is the bytes an element of key shard and value ref adds to
// the shuffle: the value's bytes and the key's varint.
func shuffleSize(shard int, ref string) int64 {
	return int64(len(ref) + binary.PutUvarint(make([]byte, binary.MaxVarintLen64), uint64(shard)))
}

// recordLess is the order of records in a shard: by id, then by bytes.
func recordLess(a, b *keyedRecord) bool {
	if a.ID != b.ID {
		return a.ID < b.ID
	}
	return bytes.Compare(a.Data, b.Data) < 0
}

// runPath names a run of shard under the dataset's temporary folder: flat
// in that folder, so that shards.Finalize removes it with the other leftovers.
func runPath(prefix string, shard int, attempt string, seq int) string {
	return storage.Join(shards.TempDir(prefix), fmt.Sprintf("%s.run-%05d-%s-%04d", storage.Base(prefix), shard, attempt, seq))
}

// recordSize is what a buffered record costs.
func recordSize(r *keyedRecord) int64 {
	return int64(len(r.Data)+len(r.ID)+len(r.Class)) + recordOverhead
}

// spillBudget counts the bytes of records that all the runSpillers of this
// process hold, buffered or being written, so that however many bundles a
// runner runs at once they hold about one run buffer together.
var spillBudget = struct {
	mu      sync.Mutex
	cond    *sync.Cond
	used    int64
	waiters int
}{}

func init() { spillBudget.cond = sync.NewCond(&spillBudget.mu) }

// reserve takes n bytes of the budget, waiting while other spillers hold
// it; it returns false, without waiting, when this spiller holds records:
// it must write them first. When nothing is held a record larger than the
// limit still goes through.
func (s *runSpiller) reserve(n int64) bool {
	b := &spillBudget
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > s.limit {
		if s.size.Load() > 0 {
			return false
		}
		b.waiters++
		b.cond.Wait() // woken by a release, or by a record added anywhere
		b.waiters--
	}
	b.used += n
	return true
}

// wake wakes the goroutines waiting in reserve, so that one whose spiller
// now holds records writes them rather than wait for the others.
func wake() {
	b := &spillBudget
	b.mu.Lock()
	if b.waiters > 0 {
		b.cond.Broadcast()
	}
	b.mu.Unlock()
}

// release gives n bytes back.
func release(n int64) {
	b := &spillBudget
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// runSpiller gathers the records of one bundle attempt by shard and writes
// them as sorted runs whenever they fill the buffer, and at Flush. The
// buffers of all spillers of a process share one budget (spillBudget): a
// record that does not fit first makes its own spiller write what it holds,
// or else waits for others to write theirs. The goroutine that writes a
// buffer does so while the others go on, so memory is about the budget plus
// a record per goroutine. It is safe for concurrent use.
type runSpiller struct {
	prefix  string
	attempt string // unique to this bundle attempt: random
	limit   int64

	mu   sync.Mutex
	buf  map[int][]keyedRecord
	size atomic.Int64 // bytes in buf; changed with mu held
	seq  int
	refs []runRef
	err  error
}

func newRunSpiller(prefix string, limit int) *runSpiller {
	if limit <= 0 {
		limit = DefaultRunBuffer
	}
	return &runSpiller{prefix: prefix, attempt: storage.RandomHex(8), limit: int64(limit), buf: map[int][]keyedRecord{}}
}

// Add buffers a record of shard, writing the buffer as runs when it is full.
func (s *runSpiller) Add(ctx context.Context, shard int, r keyedRecord) {
	n := recordSize(&r)
	for !s.reserve(n) {
		s.writeHeld(ctx)
	}
	s.mu.Lock()
	s.buf[shard] = append(s.buf[shard], r)
	if s.size.Add(n) < s.limit {
		s.mu.Unlock()
		wake()
		return
	}
	full, seq := s.take()
	s.mu.Unlock()
	s.write(ctx, full, seq)
}

// writeHeld writes what the spiller holds, if anything.
func (s *runSpiller) writeHeld(ctx context.Context) {
	s.mu.Lock()
	if s.size.Load() == 0 {
		s.mu.Unlock()
		return
	}
	full, seq := s.take()
	s.mu.Unlock()
	s.write(ctx, full, seq)
}

// take hands over the buffer; s.mu is held.
func (s *runSpiller) take() (map[int][]keyedRecord, int) {
	full := s.buf
	s.buf = map[int][]keyedRecord{}
	s.size.Store(0)
	s.seq++
	return full, s.seq
}

// write writes each shard's records of a buffer as one sorted run.
func (s *runSpiller) write(ctx context.Context, full map[int][]keyedRecord, seq int) {
	for _, shard := range sortedShards(full) {
		recs := full[shard]
		sort.Slice(recs, func(i, j int) bool { return recordLess(&recs[i], &recs[j]) })
		var held int64
		for i := range recs {
			held += recordSize(&recs[i])
		}
		ref, err := writeRun(ctx, runPath(s.prefix, shard, s.attempt, seq), shard, func(yield func(*keyedRecord) error) error {
			for i := range recs {
				if err := yield(&recs[i]); err != nil {
					return err
				}
			}
			return nil
		})
		s.mu.Lock()
		if err != nil {
			s.err = errors.Join(s.err, err)
		} else {
			s.refs = append(s.refs, ref)
		}
		s.mu.Unlock()
		full[shard] = nil // let the records go as soon as they are on disk
		release(held)
	}
}

// Flush writes what is buffered as runs.
func (s *runSpiller) Flush(ctx context.Context) error {
	s.mu.Lock()
	full, seq := s.take()
	s.mu.Unlock()
	s.write(ctx, full, seq)
	return s.Err()
}

// Discard drops what is buffered, unwritten, giving its budget back: the
// bundle failed, and a retry makes the records again.
func (s *runSpiller) Discard() {
	s.mu.Lock()
	full, _ := s.take()
	s.mu.Unlock()
	var held int64
	for _, recs := range full {
		for i := range recs {
			held += recordSize(&recs[i])
		}
	}
	release(held)
}

// Err returns the first run that could not be written.
func (s *runSpiller) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Take returns the runs written since the last Take.
func (s *runSpiller) Take() []runRef {
	s.mu.Lock()
	defer s.mu.Unlock()
	refs := s.refs
	s.refs = nil
	return refs
}

func sortedShards(m map[int][]keyedRecord) []int {
	out := make([]int, 0, len(m))
	for k, v := range m {
		if len(v) > 0 {
			out = append(out, k)
		}
	}
	sort.Ints(out)
	return out
}

// crcWriter counts and checksums what goes through it.
type crcWriter struct {
	w   io.Writer
	crc hash.Hash32
	n   int64
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.crc.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// writeRun writes the records each yields, which must come in shard
// order, to a new run file at name. On error the file is removed.
func writeRun(ctx context.Context, name string, shard int, each func(yield func(*keyedRecord) error) error) (runRef, error) {
	fsys := storage.For(name)
	f, err := storage.CreateScratch(ctx, name) // not synced: a crash loses the job, not a shard
	if err != nil {
		return runRef{}, fmt.Errorf("writing run of shard %d: %w", shard, err)
	}
	cw := &crcWriter{w: f, crc: crc32.New(castagnoli)}
	bw := bufio.NewWriterSize(cw, runWriteBuffer)
	ref := runRef{Shard: shard, Path: name}
	var tmp [binary.MaxVarintLen64]byte
	uv := func(v uint64) { bw.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }
	err = each(func(r *keyedRecord) error {
		uv(uint64(len(r.ID)))
		bw.WriteString(r.ID)
		uv(uint64(len(r.Class)))
		bw.WriteString(r.Class)
		bw.Write(tmp[:binary.PutVarint(tmp[:], r.Label)])
		uv(uint64(r.Views))
		uv(uint64(r.Lost))
		uv(uint64(len(r.Data)))
		_, err := bw.Write(r.Data) // bufio keeps the first write error
		ref.Records++
		ref.MaxRecord = max(ref.MaxRecord, recordSize(r))
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if rerr := fsys.Remove(ctx, name); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return runRef{}, fmt.Errorf("writing run %s: %w", name, err)
	}
	ref.Bytes, ref.CRC32C = cw.n, cw.crc.Sum32()
	return ref, nil
}

// runReader reads a run's records in order, checking at the end that the
// file is the one its reference names.
type runReader struct {
	ref  runRef
	f    io.ReadCloser
	r    *bufio.Reader
	crc  hash.Hash32
	read int64 // records
	n    int64 // bytes
}

// countReader counts and checksums what is read through it.
type countReader struct {
	r   io.Reader
	crc hash.Hash32
	n   *int64
}

func (c countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc.Write(p[:n])
	*c.n += int64(n)
	return n, err
}

func openRun(ctx context.Context, ref runRef) (*runReader, error) {
	f, err := storage.Open(ctx, ref.Path)
	if err != nil {
		return nil, fmt.Errorf("opening run of shard %d: %w", ref.Shard, err)
	}
	rr := &runReader{ref: ref, f: f, crc: crc32.New(castagnoli)}
	rr.r = bufio.NewReaderSize(countReader{r: f, crc: rr.crc, n: &rr.n}, runReadBuffer)
	return rr, nil
}

// Next returns the next record, or io.EOF after the last one.
func (rr *runReader) Next() (keyedRecord, error) {
	var r keyedRecord
	if rr.read == rr.ref.Records {
		if _, err := rr.r.ReadByte(); err != io.EOF {
			return r, rr.errorf("more than the %d records its reference names", rr.ref.Records)
		}
		if rr.n != rr.ref.Bytes || rr.crc.Sum32() != rr.ref.CRC32C {
			return r, rr.errorf("%d bytes, CRC-32C %08x; its reference names %d bytes, %08x", rr.n, rr.crc.Sum32(), rr.ref.Bytes, rr.ref.CRC32C)
		}
		return r, io.EOF
	}
	str := func() (string, error) {
		b, err := rr.bytes()
		return string(b), err
	}
	var err error
	if r.ID, err = str(); err != nil {
		return r, err
	}
	if r.Class, err = str(); err != nil {
		return r, err
	}
	if r.Label, err = binary.ReadVarint(rr.r); err != nil {
		return r, rr.errorf("record %d: %v", rr.read, err)
	}
	var v uint64
	if v, err = binary.ReadUvarint(rr.r); err != nil {
		return r, rr.errorf("record %d: %v", rr.read, err)
	}
	r.Views = int(v)
	if v, err = binary.ReadUvarint(rr.r); err != nil {
		return r, rr.errorf("record %d: %v", rr.read, err)
	}
	r.Lost = int(v)
	if r.Data, err = rr.bytes(); err != nil {
		return r, err
	}
	r.Bytes = len(r.Data)
	rr.read++
	return r, nil
}

// bytes reads a length-prefixed byte string.
func (rr *runReader) bytes() ([]byte, error) {
	n, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return nil, rr.errorf("record %d: %v", rr.read, err)
	}
	if n > uint64(rr.ref.Bytes) {
		return nil, rr.errorf("record %d: a %d-byte field in a %d-byte run", rr.read, n, rr.ref.Bytes)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rr.r, b); err != nil {
		return nil, rr.errorf("record %d: %v", rr.read, err)
	}
	return b, nil
}

func (rr *runReader) errorf(format string, args ...any) error {
	return fmt.Errorf("run %s of shard %d: %s", rr.ref.Path, rr.ref.Shard, fmt.Sprintf(format, args...))
}

func (rr *runReader) Close() error { return rr.f.Close() }

// mergeHeap orders the heads of open runs.
type mergeHeap []*mergeHead

type mergeHead struct {
	rec keyedRecord
	rr  *runReader
}

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return recordLess(&h[i].rec, &h[j].rec) }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(*mergeHead)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRuns calls yield with the records of the runs (at most mergeFanIn
// of them) in shard order, reading each run once, streaming.
func mergeRuns(ctx context.Context, refs []runRef, yield func(*keyedRecord) error) (err error) {
	h := make(mergeHeap, 0, len(refs))
	defer func() {
		for _, m := range h {
			m.rr.Close() // read-only: a close error loses nothing
		}
	}()
	for _, ref := range refs {
		rr, err := openRun(ctx, ref)
		if err != nil {
			return err
		}
		rec, err := rr.Next()
		if err == io.EOF {
			rr.Close()
			continue
		}
		if err != nil {
			rr.Close()
			return err
		}
		h = append(h, &mergeHead{rec: rec, rr: rr})
	}
	heap.Init(&h)
	for len(h) > 0 {
		top := h[0]
		if err := yield(&top.rec); err != nil {
			return err
		}
		rec, err := top.rr.Next()
		switch {
		case err == io.EOF:
			heap.Pop(&h)
			top.rr.Close()
		case err != nil:
			return err
		default:
			top.rec = rec
			heap.Fix(&h, 0)
		}
	}
	return nil
}

// mergeWidth is how many of the runs a merge reads at once: as many as
// fit in buffer bytes (a read buffer and the largest record each), at
// least 2 and at most mergeFanIn.
func mergeWidth(refs []runRef, buffer int) int {
	if buffer <= 0 {
		buffer = DefaultRunBuffer
	}
	var largest int64
	for _, r := range refs {
		largest = max(largest, r.MaxRecord)
	}
	return int(max(2, min(int64(mergeFanIn), int64(buffer)/(runReadBuffer+largest))))
}

// reduceRuns merges runs in groups of mergeWidth into intermediate runs
// (named uniquely for this attempt) until at most mergeWidth are left, and
// returns those. The runs it was given stay where they are: a retry of the
// shard writer reads them again, and finalize removes them all.
func reduceRuns(ctx context.Context, prefix string, shard int, refs []runRef, buffer int) ([]runRef, error) {
	attempt := "merge" + storage.RandomHex(8)
	seq := 0
	for width := mergeWidth(refs, buffer); len(refs) > width; {
		var next []runRef
		for i := 0; i < len(refs); i += width {
			group := refs[i:min(i+width, len(refs))]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			seq++
			ref, err := writeRun(ctx, runPath(prefix, shard, attempt, seq), shard, func(yield func(*keyedRecord) error) error {
				return mergeRuns(ctx, group, yield)
			})
			if err != nil {
				return nil, err
			}
			next = append(next, ref)
		}
		refs = next
	}
	return refs, nil
}
