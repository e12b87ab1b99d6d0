package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// file builds a version-1.0 .npy file from a header dict and data bytes.
func file(dict string, data []byte) []byte {
	b := []byte(magic + "\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)+1))
	b = append(b, dict...)
	b = append(b, '\n')
	return append(b, data...)
}

func f32bytes(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{}, {0}, {3}, {2, 3}, {2, 2, 5}, {1, 1, 1, 1}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i)*0.5 - 1
		}
		var buf bytes.Buffer
		if err := WriteFloat32(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		if buf.Len()%64 != 4*n%64 {
			t.Errorf("shape %v: data does not start at a multiple of 64", shape)
		}
		a, err := Read(&buf)
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		got, err := a.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		if a.DType != Float32 || len(a.Shape) != len(shape) || len(got) != n {
			t.Fatalf("shape %v: read back %v %v with %d elements", shape, a.DType, a.Shape, len(got))
		}
		for i := range shape {
			if a.Shape[i] != shape[i] {
				t.Errorf("shape %v read back as %v", shape, a.Shape)
			}
		}
		for i := range data {
			if got[i] != data[i] {
				t.Errorf("shape %v element %d: %g, want %g", shape, i, got[i], data[i])
			}
		}
	}
	if err := WriteFloat32(&bytes.Buffer{}, []int{2, 2}, make([]float32, 3)); err == nil {
		t.Error("WriteFloat32 accepted 3 elements for shape (2, 2)")
	}
}

// TestNumPyFiles reads headers as NumPy writes them: version 1.0 and 3.0,
// padding, trailing commas, int and float64 dtypes.
func TestNumPyFiles(t *testing.T) {
	i64 := binary.LittleEndian.AppendUint64(nil, uint64(1<<40))
	i64 = binary.LittleEndian.AppendUint64(i64, math.MaxUint64) // -1
	f64 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.25))
	i32 := binary.LittleEndian.AppendUint32(nil, 7)
	v3 := []byte(magic + "\x03\x00")
	dict := "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }"
	v3 = binary.LittleEndian.AppendUint32(v3, uint32(len(dict)+1))
	v3 = append(append(append(v3, dict...), '\n'), i32...)
	for _, tc := range []struct {
		name  string
		b     []byte
		ints  []int
		float []float32
	}{
		{"numpy padding", file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }"+strings.Repeat(" ", 60), f32bytes(1, 2)), nil, []float32{1, 2}},
		{"int64 labels", file("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i64), []int{1 << 40, -1}, nil},
		{"float64 converted", file(`{"shape": (1,), "fortran_order": False, "descr": "<f8"}`, f64), nil, []float32{0.25}},
		{"version 3", v3, []int{7}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Parse(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ints != nil {
				got, err := a.Ints()
				if err != nil || len(got) != len(tc.ints) {
					t.Fatalf("Ints() = %v, %v", got, err)
				}
				for i := range got {
					if got[i] != tc.ints[i] {
						t.Errorf("element %d = %d, want %d", i, got[i], tc.ints[i])
					}
				}
				if _, err := a.Float32s(); err == nil {
					t.Error("an int array converted to float32")
				}
			}
			if tc.float != nil {
				got, err := a.Float32s()
				if err != nil || len(got) != len(tc.float) || got[0] != tc.float[0] {
					t.Fatalf("Float32s() = %v, %v, want %v", got, err, tc.float)
				}
				if _, err := a.Ints(); err == nil {
					t.Error("a float array converted to ints")
				}
			}
		})
	}
}

// TestRejects checks that every unsupported or malformed file is refused
// with a reason.
func TestRejects(t *testing.T) {
	ok := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
	two := f32bytes(1, 2)
	big := binary.LittleEndian.AppendUint64(nil, math.Float64bits(1e300))
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "not a .npy file"},
		{"magic", []byte("PK\x03\x04 not numpy"), "not a .npy file"},
		{"version", append([]byte(magic+"\x04\x00"), 0, 0, 0, 0), "version 4.0"},
		{"header length", append([]byte(magic+"\x01\x00"), 0xff, 0x00), "header of 255 bytes"},
		{"v2 header length", append([]byte(magic+"\x02\x00"), 0xff, 0xff, 0xff, 0x7f), "header of 2147483647 bytes"},
		{"no newline", append([]byte(magic+"\x01\x00"), 2, 0, '{', '}'), "newline"},
		{"fortran", file("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", two), "Fortran-order"},
		{"big endian", file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", two), "big-endian"},
		{"object", file("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", two), "pickles"},
		{"uint8", file("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", two[:2]), "not supported"},
		{"structured", file("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", two), "structured"},
		{"missing key", file("{'descr': '<f4', 'shape': (2,), }", two), `no "fortran_order" key`},
		{"extra key", file(ok[:len(ok)-1]+"'x': 1}", two), `unexpected key "x"`},
		{"duplicate key", file("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", two), "twice"},
		{"not a tuple", file("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", two), "not a tuple"},
		{"negative", file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", two), "non-negative"},
		{"too big", file("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", two), "larger than"},
		{"short data", file(ok, two[:6]), "needs 8 data bytes, file has 6"},
		{"long data", file(ok, append(two, 0)), "needs 8 data bytes, file has 9"},
		{"trailing text", file(ok+" x", two), "text after the dict"},
		{"bad bool", file("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,), }", two), "neither True nor False"},
		{"non-ascii", file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } \xc3\xa9", two), "non-ASCII"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	a, err := Parse(file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", big))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Float32s(); err == nil || !strings.Contains(err.Error(), "does not fit in float32") {
		t.Errorf("1e300 as float32: %v", err)
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.npy")
	if err := os.WriteFile(path, []byte("nope"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "bad.npy: npy: not a .npy file") {
		t.Errorf("ReadFile error %v, want it to name the file and the reason", err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.npy")); err == nil || !strings.Contains(err.Error(), "missing.npy") {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	f32 := filepath.Join(dir, "f.npy")
	if err := WriteFloat32File(f32, []int{2, 2}, []float32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	i64 := filepath.Join(dir, "i.npy")
	b := Header(Int64, []int{3})
	for _, v := range []uint64{5, 6, 1<<64 - 1} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	if err := os.WriteFile(i64, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		ints       bool
		want       string
		err        string
	}{
		{"floats", f32, false, "[1 2 3 4] [2 2]", ""},
		{"ints", i64, true, "[5 6 -1] [3]", ""},
		{"floats as ints", f32, true, "", "f.npy: dtype <f4 is not an integer"},
		{"ints as floats", i64, false, "", "i.npy: dtype <i8 is not a float"},
		{"missing", filepath.Join(dir, "none.npy"), false, "", "none.npy"},
	} {
		var got string
		var err error
		if tc.ints {
			var v, s []int
			v, s, err = ReadInts(tc.path)
			got = fmt.Sprint(v, s)
		} else {
			var v []float32
			var s []int
			v, s, err = ReadFloat32s(tc.path)
			got = fmt.Sprint(v, s)
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %s, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	if err := WriteFloat32File(filepath.Join(dir, "no", "dir.npy"), []int{1}, []float32{1}); err == nil {
		t.Errorf("WriteFloat32File into a missing folder succeeded")
	}
}
