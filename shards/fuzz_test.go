package shards

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the framing reader: it must end in
// io.EOF or a CorruptError, never panic, hang or allocate beyond its limit,
// and every record it returns must re-frame to the bytes it came from.
func FuzzReader(f *testing.F) {
	if tf, err := os.ReadFile("testdata/singles.tfrecords"); err == nil {
		f.Add(tf)
	}
	f.Add(frame(f, None, []byte("foo"), []byte("bar")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), ReaderOptions{Name: "fuzz", MaxRecordBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		var good bytes.Buffer
		w := NewWriter(&good, None)
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error %v is not a CorruptError", err)
				}
				break
			}
			w.Write(rec)
		}
		w.Close()
		if !bytes.HasPrefix(data, good.Bytes()) {
			t.Fatalf("records read do not re-frame to a prefix of the input")
		}
	})
}

// FuzzUnmarshalExample feeds arbitrary bytes to the Example decoder: it
// must return an error or an Example whose encoding decodes to itself.
func FuzzUnmarshalExample(f *testing.F) {
	if tf, err := os.ReadFile("testdata/singles.tfrecords"); err == nil {
		r, _ := NewReader(bytes.NewReader(tf), ReaderOptions{})
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			f.Add(append([]byte(nil), rec...))
		}
	}
	m, _ := rawRecord("seed", 1, 2).Marshal()
	f.Add(m)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := UnmarshalExample(data)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a DecodeError", err)
			}
			return
		}
		again, err := UnmarshalExample(e.Marshal())
		if err != nil {
			t.Fatalf("re-decoding our own encoding: %v", err)
		}
		if !examplesEqual(e, again) {
			t.Fatalf("encode/decode changed %+v into %+v", e, again)
		}
		e.MarshalJSON()
		if IsMultiview(e) {
			MultiviewFromExample(e) // must not panic, whatever it holds
		}
	})
}
