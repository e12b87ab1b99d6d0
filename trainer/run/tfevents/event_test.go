package tfevents

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/supcon/supcon/shards"
)

// tensorboardXEvents are the events of testdata/tensorboardx.tfevents (see
// testdata/README.md): the wall times as written, the values as the
// generating script computed them (in float64, stored as float32).
func tensorboardXEvents(t testing.TB) (times []float64, steps []int64, values []Value) {
	walls := []string{"1753210469.100158", "1753210469.100924", "1753210469.101079", "1753210469.101353",
		"1753210469.1013691", "1753210469.1013818", "1753210469.101394", "1753210469.101404",
		"1753210469.101413", "1753210469.101421", "1753210469.10143"}
	for _, s := range walls {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, f)
	}
	for step := int64(0); step < 5; step++ {
		loss, acc := 1.0/float64(step+1), 0.8+0.02*float64(step)
		steps = append(steps, step, step)
		values = append(values, Value{"loss", float32(loss)}, Value{"accuracy", float32(acc)})
	}
	return times, steps, values
}

// clock returns the wall times in turn.
func clock(times []float64) func() time.Time {
	i := 0
	return func() time.Time {
		f := times[i]
		i++
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64(math.Round((f-sec)*1e9)))
	}
}

// Our writer gives tensorboardX's file byte for byte: the framing, the
// version event and every scalar event.
func TestTensorboardXFile(t *testing.T) {
	want, err := os.ReadFile("testdata/tensorboardx.tfevents")
	if err != nil {
		t.Fatal(err)
	}
	times, steps, values := tensorboardXEvents(t)
	// A clock of time.Time loses nothing a float64 wall time keeps? Check
	// that the conversion gives back the same doubles, or the test would
	// test the clock.
	for _, f := range times {
		if g := wallTime(clock([]float64{f})()); g != f {
			t.Fatalf("clock round trip: %v became %v", f, g)
		}
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Options{Now: clock(times)})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		if err := w.Scalars(steps[i], v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("our file differs from tensorboardX's:\n got %x\nwant %x", buf.Bytes(), want)
	}
}

// Reading tensorboardX's file gives its events back.
func TestReadTensorboardXFile(t *testing.T) {
	got, err := ReadFile(context.Background(), "testdata/tensorboardx.tfevents")
	if err != nil {
		t.Fatal(err)
	}
	times, steps, values := tensorboardXEvents(t)
	if len(got) != 1+len(values) {
		t.Fatalf("%d events, want %d", len(got), 1+len(values))
	}
	if got[0].FileVersion != FileVersion || got[0].WallTime != times[0] || got[0].Step != 0 || got[0].Summary != nil {
		t.Errorf("first event %+v", got[0])
	}
	for i, v := range values {
		e := got[i+1]
		if e.WallTime != times[i+1] || e.Step != steps[i] || len(e.Summary) != 1 || e.Summary[0] != v {
			t.Errorf("event %d: %+v, want step %d %+v", i+1, e, steps[i], v)
		}
	}
}

// Encodings worked by hand from event.proto and summary.proto.
func TestAppendEvent(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want []byte
	}{
		{"empty", Event{}, nil},
		{"version", Event{FileVersion: "v"}, []byte{0x1a, 1, 'v'}},
		{"step and session start", Event{Step: 300, SessionStatus: SessionStart},
			[]byte{0x10, 0xac, 0x02, 0x3a, 2, 0x08, 1}},
		{"wall time", Event{WallTime: 1}, []byte{0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}},
		{"two values, zero kept, no tag", Event{Step: 1, Summary: []Value{{"a", 0}, {"", 2}}},
			[]byte{0x10, 1, 0x2a, 17, 0x0a, 8, 0x0a, 1, 'a', 0x15, 0, 0, 0, 0, 0x0a, 5, 0x15, 0, 0, 0, 0x40}},
		{"empty summary", Event{Summary: []Value{}}, []byte{0x2a, 0}},
	}
	for _, tc := range tests {
		got := AppendEvent(nil, tc.e)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: %x, want %x", tc.name, got, tc.want)
		}
		back, err := ParseEvent(got)
		if err != nil {
			t.Errorf("%s: parse: %v", tc.name, err)
			continue
		}
		if again := AppendEvent(nil, back); !bytes.Equal(again, got) {
			t.Errorf("%s: parsed %+v encodes as %x", tc.name, back, again)
		}
	}
}

func TestParseEventErrors(t *testing.T) {
	tests := []struct {
		name    string
		b       []byte
		notScal bool
	}{
		{"truncated varint", []byte{0x10, 0x80}, false},
		{"truncated summary", []byte{0x2a, 5, 0x0a}, false},
		{"image value", []byte{0x2a, 4, 0x0a, 2, 0x22, 0}, true},
		{"value without a value", []byte{0x2a, 5, 0x0a, 3, 0x0a, 1, 'x'}, true},
	}
	for _, tc := range tests {
		_, err := ParseEvent(tc.b)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if errors.Is(err, ErrNotScalar) != tc.notScal {
			t.Errorf("%s: %v; ErrNotScalar %v, want %v", tc.name, err, !tc.notScal, tc.notScal)
		}
	}
	// Fields it does not know are skipped: a graph_def and a source_metadata.
	e, err := ParseEvent([]byte{0x10, 3, 0x22, 1, 'g', 0x52, 2, 0x0a, 0})
	if err != nil || e.Step != 3 {
		t.Errorf("unknown fields: %+v, %v", e, err)
	}
}

func FuzzParseEvent(f *testing.F) {
	data, err := os.ReadFile("testdata/tensorboardx.tfevents")
	if err != nil {
		f.Fatal(err)
	}
	r, err := shards.NewReader(bytes.NewReader(data), shards.ReaderOptions{Name: "seed"})
	if err != nil {
		f.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte(nil), rec...))
	}
	f.Add(AppendEvent(nil, Event{Step: 9, SessionStatus: SessionStart}))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEvent(b)
		if err != nil {
			return
		}
		// What parses encodes to bytes that parse to the same event.
		again, err := ParseEvent(AppendEvent(nil, e))
		if err != nil {
			t.Fatalf("re-encoding of %+v does not parse: %v", e, err)
		}
		if !sameEvent(again, e) {
			t.Fatalf("round trip: %+v became %+v", e, again)
		}
	})
}

// sameEvent compares events field by field, NaNs by their bits; only one
// member of the oneof survives encoding, in the order AppendEvent writes them.
func sameEvent(a, b Event) bool {
	if math.Float64bits(a.WallTime) != math.Float64bits(b.WallTime) || a.Step != b.Step || a.FileVersion != b.FileVersion {
		return false
	}
	if a.FileVersion != "" {
		return true
	}
	if (a.Summary == nil) != (b.Summary == nil) || len(a.Summary) != len(b.Summary) {
		return false
	}
	for i := range a.Summary {
		if a.Summary[i].Tag != b.Summary[i].Tag || math.Float32bits(a.Summary[i].Value) != math.Float32bits(b.Summary[i].Value) {
			return false
		}
	}
	return a.Summary != nil || a.SessionStatus == b.SessionStatus
}
