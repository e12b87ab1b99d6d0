package shards

import (
	"bufio"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path"
	"strings"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaskedCRC returns TensorFlow's masked CRC32C of data: the Castagnoli CRC,
// rotated right by 15 bits plus 0xa282ead8, in uint32 arithmetic.
func MaskedCRC(data []byte) uint32 {
	return maskCRC(crc32.Checksum(data, castagnoli))
}

func maskCRC(crc uint32) uint32 {
	return ((crc >> 15) | (crc << 17)) + 0xa282ead8
}

// Compression is how a whole TFRecord file is compressed (never per record).
type Compression int

// The compressions TensorFlow's TFRecord reader and writer know.
const (
	// None is an uncompressed file.
	None Compression = iota
	// Gzip is what TensorFlow calls "GZIP"; files end in ".gz".
	Gzip
	// Zlib is what TensorFlow calls "ZLIB" (Beam Python's "DEFLATE"); files end in ".zz".
	Zlib
)

var compressionNames = [...]string{None: "none", Gzip: "gzip", Zlib: "zlib"}

// Compressions returns the compressions' names in order: none, gzip, zlib.
func Compressions() []string { return append([]string(nil), compressionNames[:]...) }

// String returns the compression's name as ParseCompression accepts it.
func (c Compression) String() string {
	if c >= 0 && int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// MarshalText returns the compression's name; a value that is no compression is an error.
func (c Compression) MarshalText() ([]byte, error) {
	if c < 0 || int(c) >= len(compressionNames) {
		return nil, fmt.Errorf("shards: unknown compression %d", int(c))
	}
	return []byte(compressionNames[c]), nil
}

// UnmarshalText parses a compression's name as ParseCompression does.
func (c *Compression) UnmarshalText(b []byte) error {
	v, err := ParseCompression(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Ext returns the file-name suffix for the compression: "", ".gz" or ".zz".
func (c Compression) Ext() string {
	switch c {
	case Gzip:
		return ".gz"
	case Zlib:
		return ".zz"
	}
	return ""
}

// ParseCompression parses a compression name: "none" (or ""), "gzip" or
// "zlib" (also "deflate"), in any case.
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(s) {
	case "", "none":
		return None, nil
	case "gzip", "gz":
		return Gzip, nil
	case "zlib", "deflate", "zz":
		return Zlib, nil
	}
	return None, fmt.Errorf("shards: unknown compression %q (want none, gzip or zlib)", s)
}

// CompressionOf returns the compression that a file name's extension implies:
// Gzip for ".gz", Zlib for ".zz" and ".zlib", None otherwise.
func CompressionOf(name string) Compression {
	switch strings.ToLower(path.Ext(name)) {
	case ".gz", ".gzip":
		return Gzip
	case ".zz", ".zlib":
		return Zlib
	}
	return None
}

const headerLen = 12 // uint64 length + uint32 masked CRC of the length
const footerLen = 4  // uint32 masked CRC of the data

// Writer writes TFRecord framing to an underlying writer, byte for byte as
// TensorFlow's TFRecordWriter does. It buffers; Close flushes, finishes the
// compressed stream, and reports the first error of any Write or of the
// flush. Close does not close the underlying writer. A Writer is not safe for
// concurrent use.
type Writer struct {
	buf  *bufio.Writer
	comp io.WriteCloser // compressor between buf and the destination, or nil
	hdr  [headerLen]byte
	err  error
	n    int64 // uncompressed bytes written
	recs int64
}

// NewWriter returns a Writer that frames records onto w with the given compression.
func NewWriter(w io.Writer, c Compression) *Writer {
	tw := &Writer{}
	switch c {
	case Gzip:
		tw.comp = gzip.NewWriter(w)
	case Zlib:
		tw.comp = zlib.NewWriter(w)
	case None:
	default:
		tw.err = fmt.Errorf("shards: tfrecord writer: unknown compression %v", c)
	}
	if tw.comp != nil {
		tw.buf = bufio.NewWriterSize(tw.comp, 64<<10)
	} else {
		tw.buf = bufio.NewWriterSize(w, 64<<10)
	}
	return tw
}

// Write appends one record. After an error every later Write returns it.
func (w *Writer) Write(record []byte) error {
	if w.err != nil {
		return w.err
	}
	binary.LittleEndian.PutUint64(w.hdr[:8], uint64(len(record)))
	binary.LittleEndian.PutUint32(w.hdr[8:], MaskedCRC(w.hdr[:8]))
	var ftr [footerLen]byte
	binary.LittleEndian.PutUint32(ftr[:], MaskedCRC(record))
	for _, b := range [][]byte{w.hdr[:], record, ftr[:]} {
		if _, err := w.buf.Write(b); err != nil {
			w.err = fmt.Errorf("tfrecord writer: record %d: %w", w.recs, err)
			return w.err
		}
	}
	w.n += int64(headerLen + len(record) + footerLen)
	w.recs++
	return nil
}

// Records returns how many records have been written.
func (w *Writer) Records() int64 { return w.recs }

// Bytes returns how many uncompressed bytes of framing and data have been written.
func (w *Writer) Bytes() int64 { return w.n }

// Flush hands the buffered records to the underlying writer (through the
// compressor's own flush when compressed), so that a reader of a file being
// written sees every record written so far. After an error it returns it.
func (w *Writer) Flush() error {
	if w.err != nil || w.buf == nil {
		return w.err
	}
	if err := w.buf.Flush(); err != nil {
		w.err = fmt.Errorf("tfrecord writer: flush: %w", err)
		return w.err
	}
	if f, ok := w.comp.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			w.err = fmt.Errorf("tfrecord writer: flush %s stream: %w", w.compName(), err)
		}
	}
	return w.err
}

// Close flushes buffered data and ends the compressed stream, returning the
// first error met by any Write or by the flush. It does not close the
// underlying writer. Close is idempotent.
func (w *Writer) Close() error {
	if w.buf == nil {
		return w.err
	}
	if err := w.buf.Flush(); err != nil && w.err == nil {
		w.err = fmt.Errorf("tfrecord writer: flush: %w", err)
	}
	if w.comp != nil {
		if err := w.comp.Close(); err != nil && w.err == nil {
			w.err = fmt.Errorf("tfrecord writer: finish %s stream: %w", w.compName(), err)
		}
	}
	w.buf = nil
	return w.err
}

func (w *Writer) compName() string {
	if _, ok := w.comp.(*gzip.Writer); ok {
		return "gzip"
	}
	return "zlib"
}

// ErrCorrupt is matched (with errors.Is) by every CorruptError.
var ErrCorrupt = errors.New("shards: corrupt TFRecord data")

// CorruptError reports bad data: where it is and what is wrong with it.
type CorruptError struct {
	// File names the input (a path, a gs:// URL, or a caller's label).
	File string
	// Offset is the byte offset of the bad record's start in the
	// uncompressed stream (for compressed files, Compressed is true).
	Offset int64
	// Compressed says that Offset counts uncompressed bytes of a compressed file.
	Compressed bool
	// Reason says what is wrong.
	Reason string
	// Err is an underlying error, if any (for example from the decompressor).
	Err error
}

func (e *CorruptError) Error() string {
	where := fmt.Sprintf("offset %d", e.Offset)
	if e.Compressed {
		where = fmt.Sprintf("uncompressed offset %d", e.Offset)
	}
	msg := fmt.Sprintf("%s: %s: %s", e.File, where, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports that a CorruptError matches ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Unwrap returns the underlying error, if any.
func (e *CorruptError) Unwrap() error { return e.Err }

// DefaultMaxRecordBytes is the largest record a Reader accepts unless told
// otherwise: 256 MiB, far above any multiview record of real images, far
// below what a corrupt or hostile length field could make a reader allocate.
const DefaultMaxRecordBytes = 256 << 20

// ReaderOptions configure a Reader. The zero value reads an uncompressed
// stream named "<input>" with DefaultMaxRecordBytes.
type ReaderOptions struct {
	// Name labels the input in errors (a path or URL).
	Name string
	// Compression of the stream. Use CompressionOf(name) to pick it by extension.
	Compression Compression
	// MaxRecordBytes bounds a record's length; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// Reader reads TFRecord framing from a stream, one record at a time, checking
// both CRCs of every record. Memory is bounded by the largest record read:
// a length field is never trusted for an allocation beyond what the stream
// actually delivers. A Reader is not safe for concurrent use.
type Reader struct {
	r       *bufio.Reader
	dec     io.ReadCloser // decompressor, or nil
	name    string
	max     int
	comp    bool
	off     int64 // uncompressed offset of the next record
	lastOff int64
	buf     []byte
	hdr     [headerLen]byte
	err     error
	n       int64
}

// NewReader returns a Reader of the stream r. For compressed streams the
// compressed header is read at once, so a bad one is reported here.
func NewReader(r io.Reader, opt ReaderOptions) (*Reader, error) {
	tr := &Reader{name: opt.Name, max: opt.MaxRecordBytes}
	if tr.name == "" {
		tr.name = "<input>"
	}
	if tr.max <= 0 {
		tr.max = DefaultMaxRecordBytes
	}
	switch opt.Compression {
	case None:
		tr.r = bufio.NewReaderSize(r, readBufferSize)
		return tr, nil
	case Gzip:
		zr, err := gzip.NewReader(bufio.NewReaderSize(r, 64<<10))
		if err != nil {
			return nil, &CorruptError{File: tr.name, Reason: "bad gzip header", Err: err, Compressed: true}
		}
		tr.dec = zr
	case Zlib:
		zr, err := zlib.NewReader(bufio.NewReaderSize(r, 64<<10))
		if err != nil {
			return nil, &CorruptError{File: tr.name, Reason: "bad zlib header", Err: err, Compressed: true}
		}
		tr.dec = zr
	default:
		return nil, fmt.Errorf("shards: %s: unknown compression %v", tr.name, opt.Compression)
	}
	tr.comp = true
	tr.r = bufio.NewReaderSize(tr.dec, readBufferSize)
	return tr, nil
}

// Next returns the next record's data. The slice is valid only until the
// next call to Next. At the clean end of the stream it returns io.EOF; any
// damage is a *CorruptError naming the input and the record's byte offset.
// After an error, every later call returns the same error.
func (r *Reader) Next() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	r.n++
	return rec, nil
}

func (r *Reader) corrupt(reason string, err error) error {
	if err != nil && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)) {
		err = nil // the reason already says the data ended
	}
	return &CorruptError{File: r.name, Offset: r.lastOff, Compressed: r.comp, Reason: reason, Err: err}
}

func (r *Reader) next() ([]byte, error) {
	r.lastOff = r.off
	n, err := io.ReadFull(r.r, r.hdr[:])
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		return nil, io.EOF
	case err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		return nil, r.corrupt(fmt.Sprintf("truncated record header: %d of %d bytes", n, headerLen), nil)
	case err != nil:
		return nil, r.corrupt("reading record header", err)
	}
	length := binary.LittleEndian.Uint64(r.hdr[:8])
	if got, want := MaskedCRC(r.hdr[:8]), binary.LittleEndian.Uint32(r.hdr[8:]); got != want {
		return nil, r.corrupt(fmt.Sprintf("length CRC mismatch (stored %#08x, computed %#08x)", want, got), nil)
	}
	if length > uint64(r.max) {
		return nil, r.corrupt(fmt.Sprintf("record length %d exceeds the limit of %d bytes", length, r.max), nil)
	}
	var data, ftr []byte
	if int(length)+footerLen <= r.r.Size() {
		// Fast path: the record and its footer fit in the read buffer, so
		// return a slice of it instead of copying (valid until the next read).
		b, err := r.r.Peek(int(length) + footerLen)
		if err != nil {
			if len(b) < int(length) {
				return nil, r.dataErr(len(b), int(length), err)
			}
			return nil, r.footerErr(len(b)-int(length), err)
		}
		data, ftr = b[:length], b[length:]
		r.r.Discard(len(b))
	} else {
		if data, err = r.readData(int(length)); err != nil {
			return nil, err
		}
		var f [footerLen]byte
		if n, err := io.ReadFull(r.r, f[:]); err != nil {
			return nil, r.footerErr(n, err)
		}
		ftr = f[:]
	}
	if got, want := MaskedCRC(data), binary.LittleEndian.Uint32(ftr); got != want {
		return nil, r.corrupt(fmt.Sprintf("data CRC mismatch (stored %#08x, computed %#08x, length %d)", want, got, length), nil)
	}
	r.off += headerLen + int64(length) + footerLen
	return data, nil
}

// readData reads n bytes into r.buf, growing it no faster than the stream
// delivers data, so that a long length on a short stream costs little memory.
func (r *Reader) readData(n int) ([]byte, error) {
	if cap(r.buf) >= n {
		r.buf = r.buf[:n]
		if got, err := io.ReadFull(r.r, r.buf); err != nil {
			return nil, r.dataErr(got, n, err)
		}
		return r.buf, nil
	}
	const step = 1 << 20
	r.buf = r.buf[:0]
	for len(r.buf) < n {
		chunk := min(n-len(r.buf), max(step, len(r.buf)))
		start := len(r.buf)
		r.buf = append(r.buf, make([]byte, chunk)...)
		if got, err := io.ReadFull(r.r, r.buf[start:]); err != nil {
			return nil, r.dataErr(start+got, n, err)
		}
	}
	return r.buf, nil
}

func (r *Reader) footerErr(got int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.corrupt(fmt.Sprintf("truncated record footer: %d of %d bytes", got, footerLen), nil)
	}
	return r.corrupt("reading record footer", err)
}

func (r *Reader) dataErr(got, want int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.corrupt(fmt.Sprintf("truncated record data: %d of %d bytes", got, want), nil)
	}
	return r.corrupt("reading record data", err)
}

// Offset returns the byte offset (uncompressed) of the record that the last
// call to Next returned or failed on.
func (r *Reader) Offset() int64 { return r.lastOff }

// Records returns how many records Next has returned.
func (r *Reader) Records() int64 { return r.n }

// Close releases the decompressor, if any. It does not close the underlying reader.
func (r *Reader) Close() error {
	if r.dec != nil {
		return r.dec.Close()
	}
	return nil
}

// readBufferSize is the Reader's buffer: records up to this size (with
// their footer) are returned without a copy.
const readBufferSize = 256 << 10
