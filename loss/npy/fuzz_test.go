package npy

import (
	"bytes"
	"testing"
)

// FuzzParse checks that Parse never panics, and that whatever it accepts is
// consistent: the data length matches the shape, the elements convert, and
// float32 arrays survive a write and a second parse unchanged. The seed
// corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", f32bytes(1, 2)))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Parse(b)
		if err != nil {
			return
		}
		if len(a.Data) != a.Len()*a.DType.size() {
			t.Fatalf("shape %v of %s with %d data bytes", a.Shape, a.DType, len(a.Data))
		}
		switch a.DType {
		case Int32, Int64:
			if v, err := a.Ints(); err != nil || len(v) != a.Len() {
				t.Fatalf("Ints: %d elements, %v", len(v), err)
			}
		case Float64:
			if v, err := a.Float32s(); err == nil && len(v) != a.Len() {
				t.Fatalf("Float32s: %d elements", len(v))
			}
		case Float32:
			v, err := a.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteFloat32(&buf, a.Shape, v); err != nil {
				t.Fatal(err)
			}
			b2, err := Parse(buf.Bytes())
			if err != nil {
				t.Fatalf("re-parse of a written file: %v", err)
			}
			if !bytes.Equal(b2.Data, a.Data) || len(b2.Shape) != len(a.Shape) {
				t.Fatal("write and re-parse changed the array")
			}
		}
	})
}
