package shards

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"hash"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// TempShard is a finished attempt at one shard: a complete file under the
// dataset's temporary folder, waiting for Finalize. It is plain data, so a
// distributed writer can pass it from the workers to the finalize step.
type TempShard struct {
	Index   int    `json:"index"`
	Path    string `json:"path"`
	Records int64  `json:"records"`
	Bytes   int64  `json:"bytes"`
	SHA256  string `json:"sha256"`
}

// ShardWriter writes one shard of a dataset to a temporary file with a
// name unique to this attempt, so that a retried attempt never collides with
// an earlier one. Nothing appears under the final name until Finalize.
// A ShardWriter is not safe for concurrent use.
type ShardWriter struct {
	index int
	path  string
	fsys  storage.FileSystem
	file  io.WriteCloser
	hash  hash.Hash
	count *countingWriter
	tw    *Writer
	done  *TempShard
	err   error
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// CreateShard starts a new attempt at shard index of n of the dataset at prefix.
func CreateShard(ctx context.Context, prefix string, index, n int, c Compression) (*ShardWriter, error) {
	if n <= 0 || index < 0 || index >= n {
		return nil, fmt.Errorf("shards: dataset %s: shard %d of %d is out of range", prefix, index, n)
	}
	final := ShardPath(prefix, index, n, c)
	tmp := storage.Join(TempDir(prefix), storage.Base(final)+".attempt-"+storage.RandomHex(8))
	fsys := storage.For(tmp)
	f, err := fsys.Create(ctx, tmp)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: shard %d: %w", prefix, index, err)
	}
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(f, h)}
	return &ShardWriter{index: index, path: tmp, fsys: fsys, file: f, hash: h, count: cw, tw: NewWriter(cw, c)}, nil
}

// Write appends one record to the shard.
func (w *ShardWriter) Write(record []byte) error {
	if w.err != nil {
		return w.err
	}
	if err := w.tw.Write(record); err != nil {
		w.err = fmt.Errorf("shard %s: %w", w.path, err)
	}
	return w.err
}

// Close finishes the attempt: it flushes the framing, closes the file
// (checking the error: on GCS the object exists only after a good Close),
// and makes the attempt available from Result. It reports the first error of
// any Write or of closing. Close is idempotent.
func (w *ShardWriter) Close() error {
	if w.done != nil || w.file == nil {
		return w.err
	}
	err := w.tw.Close()
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	w.file = nil
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("shard %s: %w", w.path, err)
		}
		return w.err
	}
	if w.err != nil {
		return w.err
	}
	w.done = &TempShard{Index: w.index, Path: w.path, Records: w.tw.Records(), Bytes: w.count.n, SHA256: hex.EncodeToString(w.hash.Sum(nil))}
	return nil
}

// Abort abandons the attempt and removes its temporary file.
func (w *ShardWriter) Abort(ctx context.Context) error {
	if w.file != nil {
		// The attempt is being thrown away: what matters is that its file
		// goes, which Remove below reports; a failed close changes nothing.
		_ = w.file.Close()
		w.file = nil
	}
	w.done = nil
	if w.err == nil {
		w.err = errors.New("shards: shard writer aborted")
	}
	if err := w.fsys.Remove(ctx, w.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Result returns the finished attempt; ok is false before a successful Close.
func (w *ShardWriter) Result() (TempShard, bool) {
	if w.done == nil {
		return TempShard{}, false
	}
	return *w.done, true
}

// FinalizeOptions say what Finalize writes besides the shards.
type FinalizeOptions struct {
	// NumShards is the number of shards the dataset has: every index below
	// it exists afterwards, as an empty shard if no attempt wrote it.
	NumShards int
	// Compression of the shards.
	Compression Compression
	// Labels, when not nil, is written to PREFIX.labels.txt.
	Labels []string
	// Tool names the program that wrote the dataset, for the manifest's
	// tool field (for example "supcon v1.2.3").
	Tool string
	// Manifest holds the dataset's description; Finalize fills in Format,
	// Tool, Compression, Records and Shards, and writes it last.
	Manifest Manifest
}

// Finalize makes a dataset of the finished attempts in done: the single
// step that runs after every shard writer has finished. For each shard it
// renames the chosen attempt into place (when several attempts finished,
// the one with the smallest temporary name wins), keeps a shard that an
// earlier Finalize already renamed, and creates an empty shard where no
// attempt wrote one; it then deletes every leftover temporary file, writes
// the labels file and, last, the manifest. It is safe to run again after a
// failure part-way: it picks up where the last run stopped.
func Finalize(ctx context.Context, prefix string, done []TempShard, opt FinalizeOptions) (*Manifest, error) {
	n := opt.NumShards
	if n <= 0 {
		return nil, fmt.Errorf("shards: finalizing %s: %d shards, want at least 1", prefix, n)
	}
	chosen := make(map[int]TempShard, n)
	sorted := append([]TempShard(nil), done...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for _, t := range sorted {
		if t.Index < 0 || t.Index >= n {
			return nil, fmt.Errorf("shards: finalizing %s: attempt %s is for shard %d of %d", prefix, t.Path, t.Index, n)
		}
		if _, ok := chosen[t.Index]; !ok {
			chosen[t.Index] = t
		}
	}
	fsys := storage.For(prefix)
	m := opt.Manifest
	m.Format = ManifestFormat
	m.Tool = opt.Tool
	m.Compression = opt.Compression
	m.Records = 0
	m.Shards = make([]ShardInfo, n)
	for i := 0; i < n; i++ {
		final := ShardPath(prefix, i, n, opt.Compression)
		info, err := finalizeShard(ctx, fsys, final, chosen, i, opt.Compression)
		if err != nil {
			return nil, fmt.Errorf("finalizing %s: %w", prefix, err)
		}
		m.Shards[i] = info
		m.Records += info.Records
	}
	if err := removeTemp(ctx, fsys, prefix); err != nil {
		return nil, fmt.Errorf("finalizing %s: %w", prefix, err)
	}
	if opt.Labels != nil {
		var b strings.Builder
		for _, l := range opt.Labels {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		if err := storage.WriteFile(ctx, LabelsPath(prefix), []byte(b.String())); err != nil {
			return nil, fmt.Errorf("finalizing %s: %w", prefix, err)
		}
	}
	js, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("finalizing %s: encoding manifest: %w", prefix, err)
	}
	if err := storage.WriteFile(ctx, ManifestPath(prefix), append(js, '\n')); err != nil {
		return nil, fmt.Errorf("finalizing %s: %w", prefix, err)
	}
	return &m, nil
}

func finalizeShard(ctx context.Context, fsys storage.FileSystem, final string, chosen map[int]TempShard, i int, c Compression) (ShardInfo, error) {
	info := ShardInfo{Name: storage.Base(final)}
	t, ok := chosen[i]
	if ok {
		_, err := fsys.Stat(ctx, t.Path)
		switch {
		case err == nil:
			if err := fsys.Rename(ctx, t.Path, final); err != nil {
				return info, fmt.Errorf("shard %d: %w", i, err)
			}
			info.Records, info.Bytes, info.SHA256 = t.Records, t.Bytes, t.SHA256
			return info, nil
		case !errors.Is(err, fs.ErrNotExist):
			return info, fmt.Errorf("shard %d: %w", i, err)
		}
		// The attempt is gone: an earlier Finalize renamed it. Fall through
		// and describe the final shard from its own bytes.
	}
	if _, err := fsys.Stat(ctx, final); err == nil {
		return describeShard(ctx, final)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return info, fmt.Errorf("shard %d: %w", i, err)
	}
	if ok {
		return info, fmt.Errorf("shards: shard %d: attempt %s is missing and %s does not exist", i, t.Path, final)
	}
	// No attempt wrote this shard: it exists, empty, so that all N do.
	f, err := fsys.Create(ctx, final)
	if err != nil {
		return info, fmt.Errorf("shard %d: %w", i, err)
	}
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(f, h)}
	err = NewWriter(cw, c).Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return info, fmt.Errorf("creating empty shard %s: %w", final, err)
	}
	info.Bytes, info.SHA256 = cw.n, hex.EncodeToString(h.Sum(nil))
	return info, nil
}

// describeShard reads a finished shard to count its records and hash it.
func describeShard(ctx context.Context, name string) (ShardInfo, error) {
	return ScanShard(ctx, name, ReaderOptions{Compression: CompressionOf(name)}, nil)
}

// ScanShard reads every record of one TFRecord file, checking every CRC,
// calls fn (when not nil) with each record and its byte offset, and returns
// the file's description as a manifest would hold it: record count, size
// and SHA-256 of the bytes on disk. opt.Name is set to name. An error from
// fn stops the scan and is returned as it is.
func ScanShard(ctx context.Context, name string, opt ReaderOptions, fn func(rec []byte, offset int64) error) (ShardInfo, error) {
	info := ShardInfo{Name: storage.Base(name)}
	f, err := storage.Open(ctx, name)
	if err != nil {
		return info, err
	}
	defer f.Close()
	h := sha256.New()
	cw := &countingWriter{w: h}
	opt.Name = name
	r, err := NewReader(io.TeeReader(f, cw), opt)
	if err != nil {
		return info, err
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, err
		}
		if fn != nil {
			if err := fn(rec, r.Offset()); err != nil {
				return info, err
			}
		}
	}
	// Drain what the decompressor did not need (a trailer), so the hash covers the file.
	if _, err := io.Copy(io.Discard, io.TeeReader(f, cw)); err != nil {
		return info, fmt.Errorf("reading %s: %w", name, err)
	}
	info.Records, info.Bytes, info.SHA256 = r.Records(), cw.n, hex.EncodeToString(h.Sum(nil))
	return info, nil
}

// removeTemp deletes every file left under the dataset's temporary folder
// (attempts that failed, or lost to another), and the folder itself where
// folders exist.
func removeTemp(ctx context.Context, fsys storage.FileSystem, prefix string) error {
	left, err := fsys.Glob(ctx, storage.Join(TempDir(prefix), "*"))
	if err != nil {
		return err
	}
	for _, f := range left {
		if err := fsys.Remove(ctx, f.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if fsys == storage.Local {
		if err := storage.Local.Remove(ctx, TempDir(prefix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// DatasetWriter writes a whole dataset from one process: records go to the
// shard the caller names, each shard through a ShardWriter, and Finalize
// puts them in place. Callers that want shards sorted by id write them in
// id order. A DatasetWriter is not safe for concurrent use.
type DatasetWriter struct {
	prefix string
	n      int
	c      Compression
	shards []*ShardWriter
}

// NewDatasetWriter returns a writer of n shards at prefix.
func NewDatasetWriter(prefix string, n int, c Compression) (*DatasetWriter, error) {
	if n <= 0 {
		return nil, fmt.Errorf("shards: dataset %s: %d shards, want at least 1", prefix, n)
	}
	return &DatasetWriter{prefix: prefix, n: n, c: c, shards: make([]*ShardWriter, n)}, nil
}

// Write appends a record to shard i, creating the shard's attempt on first use.
func (d *DatasetWriter) Write(ctx context.Context, i int, record []byte) error {
	if i < 0 || i >= d.n {
		return fmt.Errorf("shards: dataset %s: shard %d of %d is out of range", d.prefix, i, d.n)
	}
	if d.shards[i] == nil {
		w, err := CreateShard(ctx, d.prefix, i, d.n, d.c)
		if err != nil {
			return err
		}
		d.shards[i] = w
	}
	return d.shards[i].Write(record)
}

// Finalize closes every shard and finalizes the dataset (see Finalize), with
// m.Tool as the tool that wrote it. On error the temporary files are left for
// a later attempt or Abort.
func (d *DatasetWriter) Finalize(ctx context.Context, labels []string, m Manifest) (*Manifest, error) {
	var done []TempShard
	for _, w := range d.shards {
		if w == nil {
			continue
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		t, _ := w.Result() // always there after a good Close
		done = append(done, t)
	}
	return Finalize(ctx, d.prefix, done, FinalizeOptions{NumShards: d.n, Compression: d.c, Labels: labels, Tool: m.Tool, Manifest: m})
}

// Abort removes every temporary file the writer made.
func (d *DatasetWriter) Abort(ctx context.Context) error {
	var errs []error
	for _, w := range d.shards {
		if w != nil {
			errs = append(errs, w.Abort(ctx))
		}
	}
	errs = append(errs, removeTemp(ctx, storage.For(d.prefix), d.prefix))
	return errors.Join(errs...)
}
