package shards

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
)

func readAll(t testing.TB, data []byte, c Compression) ([][]byte, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), ReaderOptions{Name: "test.tfrecord", Compression: c})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out [][]byte
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, append([]byte(nil), rec...))
	}
}

func frame(t testing.TB, c Compression, records ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, c)
	for _, r := range records {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The framing vectors of docs/format.md, written by TensorFlow.
func TestFramingVectors(t *testing.T) {
	for _, tc := range []struct {
		records []string
		want    string
	}{
		{[]string{"foo"}, "AwAAAAAAAACwmUkOZm9vYYq+/g=="},
		{[]string{"foo", "bar"}, "AwAAAAAAAACwmUkOZm9vYYq+/gMAAAAAAAAAsJlJDmJhckYA5cg="},
	} {
		var recs [][]byte
		for _, r := range tc.records {
			recs = append(recs, []byte(r))
		}
		got := frame(t, None, recs...)
		if b64 := base64.StdEncoding.EncodeToString(got); b64 != tc.want {
			t.Errorf("frame(%q) = %s, want %s", tc.records, b64, tc.want)
		}
		back, err := readAll(t, got, None)
		if err != nil || len(back) != len(recs) {
			t.Fatalf("read back %q: %d records, %v", tc.records, len(back), err)
		}
		for i := range recs {
			if !bytes.Equal(back[i], recs[i]) {
				t.Errorf("record %d = %q, want %q", i, back[i], recs[i])
			}
		}
	}
}

func TestMaskedCRCVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want uint32
	}{
		{"32 zero bytes", make([]byte, 32), 0x0fd7fffa},
		{"32 0xff bytes", bytes.Repeat([]byte{0xff}, 32), 0xf909b029},
		{"foo", []byte("foo"), 0xfebe8a61},
	} {
		if got := MaskedCRC(tc.data); got != tc.want {
			t.Errorf("MaskedCRC(%s) = %#08x, want %#08x", tc.name, got, tc.want)
		}
	}
}

// singles.tfrecords was written by TensorFlow's TFRecordWriter (testdata/README.md).
func TestTensorFlowFile(t *testing.T) {
	data, err := os.ReadFile("testdata/singles.tfrecords")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, data, None)
	if err != nil {
		t.Fatal(err)
	}
	wantLens := []int{24, 29, 29}
	if len(recs) != len(wantLens) {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for i, r := range recs {
		if len(r) != wantLens[i] {
			t.Errorf("record %d has %d bytes, want %d", i, len(r), wantLens[i])
		}
	}
	want := []*Example{
		{Features: map[string]Feature{"int_feature": Int64Feature(42)}},
		{Features: map[string]Feature{"float_feature": FloatFeature(3.14)}},
		{Features: map[string]Feature{"byte_feature": BytesFeature([]byte("@ABCD"))}},
	}
	for i, r := range recs {
		got, err := UnmarshalExample(r)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !examplesEqual(got, want[i]) {
			t.Errorf("record %d = %+v, want %+v", i, got, want[i])
		}
		// Our encoding of the same Example is TensorFlow's, byte for byte.
		if enc := want[i].Marshal(); !bytes.Equal(enc, r) {
			t.Errorf("record %d: Marshal = %x, TensorFlow wrote %x", i, enc, r)
		}
	}
	// And our framing of those records is TensorFlow's file, byte for byte.
	if again := frame(t, None, recs...); !bytes.Equal(again, data) {
		t.Errorf("re-framed file differs from TensorFlow's")
	}
}

func TestCompressionRoundTrip(t *testing.T) {
	recs := [][]byte{[]byte("a"), {}, bytes.Repeat([]byte("xyz"), 100000), []byte("last")}
	for _, c := range []Compression{None, Gzip, Zlib} {
		data := frame(t, c, recs...)
		if c != None && bytes.Equal(data[:8], frame(t, None, recs...)[:8]) {
			t.Errorf("%v: output looks uncompressed", c)
		}
		got, err := readAll(t, data, c)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if len(got) != len(recs) {
			t.Fatalf("%v: %d records, want %d", c, len(got), len(recs))
		}
		for i := range recs {
			if !bytes.Equal(got[i], recs[i]) {
				t.Errorf("%v: record %d differs", c, i)
			}
		}
	}
}

func TestCompressionNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Compression
	}{{"a.tfrecord", None}, {"a.tfrecord.gz", Gzip}, {"gs://b/x.tfrecord.zz", Zlib}, {"X.GZ", Gzip}, {"a.zlib", Zlib}} {
		if got := CompressionOf(tc.name); got != tc.want {
			t.Errorf("CompressionOf(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, s := range []string{"none", "gzip", "zlib"} {
		c, err := ParseCompression(s)
		if err != nil || c.String() != s {
			t.Errorf("ParseCompression(%q) = %v, %v", s, c, err)
		}
	}
	if _, err := ParseCompression("lz4"); err == nil || !strings.Contains(err.Error(), "lz4") {
		t.Errorf("ParseCompression(lz4) error = %v, want one naming lz4", err)
	}
}

// Truncating a file at any byte gives either a clean end exactly at a record
// boundary or a CorruptError naming the file and the record's offset.
func TestTruncationAtEveryByte(t *testing.T) {
	recs := [][]byte{[]byte("first record"), {}, []byte("third")}
	data := frame(t, None, recs...)
	var bounds []int // offset of each record
	off := 0
	for _, r := range recs {
		bounds = append(bounds, off)
		off += 16 + len(r)
	}
	for cut := 0; cut < len(data); cut++ {
		got, err := readAll(t, data[:cut], None)
		atBoundary := -1
		for i, b := range bounds {
			if b == cut {
				atBoundary = i
			}
		}
		if atBoundary >= 0 {
			if err != nil || len(got) != atBoundary {
				t.Errorf("cut at boundary %d: %d records, %v", cut, len(got), err)
			}
			continue
		}
		var ce *CorruptError
		if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: error %v, want a CorruptError", cut, err)
		}
		want := int64(bounds[len(got)])
		if ce.Offset != want || ce.File != "test.tfrecord" || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("cut at %d: %v (offset %d), want truncation at offset %d", cut, err, ce.Offset, want)
		}
	}
}

// Flipping any bit is caught by a CRC (or shows as truncation), never a panic.
func TestBitFlipsAreCaught(t *testing.T) {
	data := frame(t, None, []byte("hello"), []byte("world!"))
	for i := range data {
		for bit := 0; bit < 8; bit++ {
			bad := append([]byte(nil), data...)
			bad[i] ^= 1 << bit
			_, err := readAll(t, bad, None)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("flip byte %d bit %d: error %v, want corruption", i, bit, err)
			}
		}
	}
}

func TestAbsurdLength(t *testing.T) {
	header := func(n uint64) []byte {
		h := make([]byte, 12)
		binary.LittleEndian.PutUint64(h, n)
		binary.LittleEndian.PutUint32(h[8:], MaskedCRC(h[:8]))
		return h
	}
	// A length beyond the limit, with a valid length CRC.
	_, err := readAll(t, header(1<<62), None)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("length 2^62: %v", err)
	}
	// A length within the limit on a stream that stops short: little memory.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = readAll(t, append(header(200<<20), make([]byte, 1000)...), None)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "truncated record data: 1000 of 209715200") {
		t.Errorf("short stream: %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("reading a 1000-byte stream that claims 200 MB allocated %d bytes", grew)
	}
}

func TestCorruptCompressedStream(t *testing.T) {
	data := frame(t, Gzip, []byte("payload one"), []byte("payload two"))
	if _, err := NewReader(bytes.NewReader([]byte("not gzip")), ReaderOptions{Name: "x.gz", Compression: Gzip}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad gzip header: %v", err)
	}
	for cut := 10; cut < len(data); cut++ {
		_, err := readAll(t, data[:cut], Gzip)
		if err == nil {
			t.Fatalf("gzip cut at %d: no error", cut)
		}
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "test.tfrecord") {
			t.Fatalf("gzip cut at %d: %v", cut, err)
		}
	}
}

func TestWriterCloseReportsError(t *testing.T) {
	w := NewWriter(failingWriter{}, None)
	if err := w.Write(make([]byte, 100)); err != nil {
		t.Fatalf("buffered write failed early: %v", err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close = %v, want the write error", err)
	}
	if err := w.Close(); err == nil {
		t.Errorf("second Close lost the error")
	}
}

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

func TestCompressionVocabulary(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Compression
		ok   bool
	}{
		{"", None, true}, {"none", None, true}, {"gzip", Gzip, true}, {"GZ", Gzip, true},
		{"zlib", Zlib, true}, {"deflate", Zlib, true}, {"lz4", None, false},
	} {
		var c Compression
		err := c.UnmarshalText([]byte(tc.in))
		if c != tc.want || (err == nil) != tc.ok {
			t.Errorf("UnmarshalText(%q) = %v, %v", tc.in, c, err)
		}
	}
	for i, name := range Compressions() {
		b, err := Compression(i).MarshalText()
		if err != nil || string(b) != name || Compression(i).String() != name {
			t.Errorf("Compression(%d) = %q, %v; want %q", i, b, err, name)
		}
	}
	if _, err := Compression(9).MarshalText(); err == nil || Compression(9).String() != "Compression(9)" {
		t.Errorf("Compression(9) marshalled as a name")
	}
}

// Flush hands every record written so far to the destination, in a stream
// a reader can read up to that point, compressed or not.
func TestWriterFlush(t *testing.T) {
	recs := [][]byte{[]byte("first"), bytes.Repeat([]byte("ab"), 5000)}
	for _, c := range []Compression{None, Gzip, Zlib} {
		var buf bytes.Buffer
		w := NewWriter(&buf, c)
		for i, r := range recs {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
			if buf.Len() != 0 && i == 0 && c == None {
				t.Errorf("%v: wrote before Flush", c)
			}
			if err := w.Flush(); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			r, err := NewReader(bytes.NewReader(buf.Bytes()), ReaderOptions{Compression: c})
			if err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			for j := 0; j <= i; j++ {
				got, err := r.Next()
				if err != nil || !bytes.Equal(got, recs[j]) {
					t.Errorf("%v: after %d flushes, record %d: %q, %v", c, i+1, j, got, err)
				}
			}
			r.Close()
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if got, err := readAll(t, buf.Bytes(), c); err != nil || len(got) != len(recs) {
			t.Errorf("%v: closed stream: %d records, %v", c, len(got), err)
		}
	}
}
