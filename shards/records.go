package shards

import (
	"context"
	"errors"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"io"
	"strings"
)

// ExpandInputs turns command-line inputs into a list of files: each input is
// a file name, a glob (path.Match syntax), or a dataset manifest
// (*.manifest.json), which stands for the shards it lists. Files are kept in
// the order given (each glob's matches sorted) without duplicates. An input
// that matches nothing is an error naming it.
func ExpandInputs(ctx context.Context, inputs []string) ([]storage.FileInfo, error) {
	var out []storage.FileInfo
	seen := make(map[string]bool)
	add := func(f storage.FileInfo) {
		if !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f)
		}
	}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".manifest.json") {
			m, err := ReadManifest(ctx, in)
			if err != nil {
				return nil, err
			}
			for i, p := range m.ShardPaths(in) {
				add(storage.FileInfo{Name: p, Size: m.Shards[i].Bytes})
			}
			continue
		}
		fsys := storage.For(in)
		if !strings.ContainsAny(in, "*?[") {
			fi, err := fsys.Stat(ctx, in)
			if err != nil {
				return nil, err
			}
			add(fi)
			continue
		}
		matches, err := fsys.Glob(ctx, in)
		if err != nil {
			return nil, err
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("shards: %s: no files match", in)
		}
		for _, f := range matches {
			add(f)
		}
	}
	return out, nil
}

// MultiReader streams the records of several TFRecord files, one file after
// another, one record at a time: memory is bounded by the largest record,
// whatever the number or size of the files. Each file's compression follows
// its extension unless ReaderOptions.Compression forces one. It is not safe
// for concurrent use.
type MultiReader struct {
	ctx    context.Context
	files  []storage.FileInfo
	opt    ReaderOptions
	force  bool
	next   int
	cur    *Reader
	curF   io.ReadCloser
	name   string
	err    error
	total  int64
	record int64 // index of the last record within its file
}

// MultiReaderOptions configure a MultiReader.
type MultiReaderOptions struct {
	// Compression, when ForceCompression is set, applies to every file;
	// otherwise each file's extension decides.
	Compression      Compression
	ForceCompression bool
	// MaxRecordBytes bounds a record's length; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// NewMultiReader returns a reader of the files, in order. Files are opened
// lazily, one at a time.
func NewMultiReader(ctx context.Context, files []storage.FileInfo, opt MultiReaderOptions) *MultiReader {
	return &MultiReader{
		ctx:   ctx,
		files: files,
		opt:   ReaderOptions{Compression: opt.Compression, MaxRecordBytes: opt.MaxRecordBytes},
		force: opt.ForceCompression,
	}
}

// OpenRecords expands the inputs (see ExpandInputs) and returns a reader of
// all their records.
func OpenRecords(ctx context.Context, inputs []string, opt MultiReaderOptions) (*MultiReader, error) {
	files, err := ExpandInputs(ctx, inputs)
	if err != nil {
		return nil, err
	}
	return NewMultiReader(ctx, files, opt), nil
}

// Next returns the next record. The slice is valid until the next call. At
// the end of the last file it returns io.EOF; a damaged file gives a
// *CorruptError naming the file and offset, and every later call returns it.
func (m *MultiReader) Next() ([]byte, error) {
	if m.err != nil {
		return nil, m.err
	}
	for {
		if m.cur == nil {
			if m.next >= len(m.files) {
				m.err = io.EOF
				return nil, io.EOF
			}
			if err := m.open(m.files[m.next].Name); err != nil {
				m.err = err
				return nil, err
			}
			m.next++
		}
		rec, err := m.cur.Next()
		if err == nil {
			m.total++
			m.record = m.cur.Records() - 1
			return rec, nil
		}
		cerr := m.closeCurrent()
		if !errors.Is(err, io.EOF) {
			m.err = err
			return nil, err
		}
		if cerr != nil {
			m.err = fmt.Errorf("closing %s: %w", m.name, cerr)
			return nil, m.err
		}
	}
}

func (m *MultiReader) open(name string) error {
	f, err := storage.For(name).Open(m.ctx, name)
	if err != nil {
		return err
	}
	opt := m.opt
	opt.Name = name
	if !m.force {
		opt.Compression = CompressionOf(name)
	}
	r, err := NewReader(f, opt)
	if err != nil {
		f.Close()
		return err
	}
	m.cur, m.curF, m.name = r, f, name
	return nil
}

func (m *MultiReader) closeCurrent() error {
	err := m.cur.Close()
	if cerr := m.curF.Close(); err == nil {
		err = cerr
	}
	m.cur, m.curF = nil, nil
	return err
}

// File returns the name of the file the last record came from (or failed in).
func (m *MultiReader) File() string { return m.name }

// Offset returns the byte offset of the last record within its file.
func (m *MultiReader) Offset() int64 {
	if m.cur == nil && m.err == nil {
		return 0
	}
	if m.cur != nil {
		return m.cur.Offset()
	}
	var ce *CorruptError
	if errors.As(m.err, &ce) {
		return ce.Offset
	}
	return 0
}

// Index returns the 0-based index of the last record within its file.
func (m *MultiReader) Index() int64 { return m.record }

// Records returns how many records have been returned in all.
func (m *MultiReader) Records() int64 { return m.total }

// Files returns the files the reader reads, in order.
func (m *MultiReader) Files() []storage.FileInfo { return m.files }

// Close closes the file being read, if any.
func (m *MultiReader) Close() error {
	if m.cur != nil {
		return m.closeCurrent()
	}
	return nil
}
