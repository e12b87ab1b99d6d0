package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/loss/npy"
)

// writeLossF32 writes a float32 .npy file into dir and returns its path.
func writeLossF32(t *testing.T, dir, name string, shape []int, data []float32) string {
	t.Helper()
	var buf bytes.Buffer
	if err := npy.WriteFloat32(&buf, shape, data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeLossI64 writes an int64 .npy vector into dir and returns its path.
func writeLossI64(t *testing.T, dir, name string, v []int) string {
	t.Helper()
	b := npy.Header(npy.Int64, []int{len(v)})
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(int64(x)))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runLossCmd runs supcon with args and returns the exit code, stdout and stderr.
func runLossCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &streams{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

// lossBVD returns B×V×d features in PyTorch's [B, V, d] order: view v of image b
// is a unit vector depending on both.
func lossBVD(b, v, d int) []float32 {
	x := make([]float32, b*v*d)
	for i := range b {
		for j := range v {
			row := x[(i*v+j)*d : (i*v+j+1)*d]
			n := 0.0
			for k := range row {
				row[k] = float32(math.Sin(float64(1+i*7+j*3+k*k)) + 0.3*float64(i%2))
				n += float64(row[k]) * float64(row[k])
			}
			for k := range row {
				row[k] /= float32(math.Sqrt(n))
			}
		}
	}
	return x
}

func TestLossCommandBVD(t *testing.T) {
	dir := t.TempDir()
	const b, v, d = 6, 2, 5
	x := lossBVD(b, v, d)
	feat := writeLossF32(t, dir, "f.npy", []int{b, v, d}, x)
	labels := []int{3, 1, 3, 2, 1, 2}
	lab := writeLossI64(t, dir, "y.npy", labels)
	gradPath := filepath.Join(dir, "g.npy")
	code, out, errs := runLossCmd("loss", "--features", feat, "--labels", lab, "--temperature", "0.07", "--base-temperature", "0.07", "--grad-out", gradPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep lossReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	// The same computation through the package, on view-major rows.
	rows := make([]float32, len(x))
	for i := range b {
		for j := range v {
			copy(rows[(j*b+i)*d:(j*b+i+1)*d], x[(i*v+j)*d:(i*v+j+1)*d])
		}
	}
	g := loss.Matrix{Rows: b * v, Cols: d, Data: make([]float32, len(x))}
	want, err := loss.Compute(&g, loss.Matrix{Rows: b * v, Cols: d, Data: rows}, loss.RepeatLabels(labels, v),
		loss.Options{Temperature: 0.07, BaseTemperature: 0.07, Views: v})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Value != want.Value || rep.Anchors != 12 || rep.Counted != 12 || rep.Rows != 12 || rep.Images != 6 || rep.Views != 2 || rep.Loss != "supcon-out" {
		t.Errorf("report %+v, want value %v over 12 anchors", rep, want.Value)
	}
	a, err := npy.ReadFile(gradPath)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := a.Float32s()
	if len(a.Shape) != 3 || a.Shape[0] != b || a.Shape[1] != v || a.Shape[2] != d {
		t.Fatalf("gradient shape %v, want [%d %d %d]", a.Shape, b, v, d)
	}
	for i := range b {
		for j := range v {
			for k := range d {
				if got[(i*v+j)*d+k] != g.Data[(j*b+i)*d+k] {
					t.Fatalf("gradient of image %d view %d differs from the package's", i, j)
				}
			}
		}
	}
}

func TestLossCommandRows(t *testing.T) {
	dir := t.TempDir()
	x := lossBVD(4, 2, 3) // used as 8 rows
	feat := writeLossF32(t, dir, "f.npy", []int{8, 3}, x)
	perRow := writeLossI64(t, dir, "rows.npy", []int{0, 1, 0, 1, 0, 1, 0, 1})
	perImage := writeLossI64(t, dir, "img.npy", []int{0, 1, 0, 1})
	singles := writeLossI64(t, dir, "singles.npy", []int{0, 1, 2, 3, 4, 5, 6, 7})
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"labels per row", []string{"--labels", perRow}, []string{`"counted": 8`, `"views": 1`}},
		{"labels per image", []string{"--labels", perImage, "--views", "2", "--mode", "one"}, []string{`"anchors": 4`, `"mode": "one"`}},
		{"simclr", []string{"--loss", "simclr", "--views", "2"}, []string{`"loss": "simclr"`, `"counted": 8`}},
		{"npairs", []string{"--loss", "npairs"}, []string{`"loss": "npairs"`, `"views": 2`}},
		{"triplet", []string{"--loss", "triplet", "--labels", perRow, "--mining", "hard"}, []string{`"triplets": 8`}},
		{"supcon-in normalised", []string{"--loss", "supcon-in", "--labels", perRow, "--normalize"}, []string{`"loss": "supcon-in"`}},
		{"cross-entropy", []string{"--loss", "ce", "--labels", perRow, "--smoothing", "0.1"}, []string{`"loss": "ce"`, `"counted": 8`}},
		{"no positive pair", []string{"--labels", singles}, []string{`"value": 0,`, `"no_positive_pair": true`, `"without_positives": 8`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runLossCmd(append([]string{"loss", "--features", feat}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %s:\n%s", w, out)
				}
			}
		})
	}
}

func TestLossCommandErrors(t *testing.T) {
	dir := t.TempDir()
	feat := writeLossF32(t, dir, "f.npy", []int{2, 2, 3}, lossBVD(2, 2, 3))
	flat := writeLossF32(t, dir, "flat.npy", []int{12}, make([]float32, 12))
	lab := writeLossI64(t, dir, "y.npy", []int{0, 1})
	lab3 := writeLossI64(t, dir, "y3.npy", []int{0, 1, 2})
	fortran := filepath.Join(dir, "fortran.npy")
	hdr := "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n"
	raw := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), 0)
	if err := os.WriteFile(fortran, append(append(raw, hdr...), 0, 0, 0, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no features", []string{"loss"}, 2, "--features is required"},
		{"no labels", []string{"loss", "--features", feat}, 2, "--labels is required"},
		{"unknown loss", []string{"loss", "--features", feat, "--labels", lab, "--loss", "arcface"}, 2, `unknown loss "arcface"`},
		{"bad mode", []string{"loss", "--features", feat, "--labels", lab, "--mode", "two"}, 2, "--mode"},
		{"simclr labels", []string{"loss", "--features", feat, "--labels", lab, "--loss", "simclr"}, 2, "simclr takes no --labels"},
		{"stray argument", []string{"loss", "--features", feat, "--labels", lab, "extra"}, 2, "unexpected arguments"},
		{"views mismatch", []string{"loss", "--features", feat, "--labels", lab, "--views", "3"}, 1, "Views 3 but the features have shape [2 2 3]"},
		{"missing file", []string{"loss", "--features", filepath.Join(dir, "nope.npy"), "--labels", lab}, 1, "nope.npy"},
		{"fortran", []string{"loss", "--features", fortran, "--labels", lab}, 1, "fortran.npy: npy: header"},
		{"1-D features", []string{"loss", "--features", flat, "--labels", lab}, 1, "flat.npy: loss: features have shape [12]"},
		{"label count", []string{"loss", "--features", feat, "--labels", lab3}, 1, "y3.npy: loss: 3 labels for features of shape [2 2 3]"},
		{"labels are floats", []string{"loss", "--features", feat, "--labels", feat}, 1, "not an integer"},
		{"bad temperature", []string{"loss", "--features", feat, "--labels", lab, "--temperature", "-1"}, 1, "temperature -1"},
		{"bench bad m", []string{"bench", "loss", "--m", "1"}, 2, "--m must be at least 2"},
		{"bench ce", []string{"bench", "loss", "--loss", "ce"}, 2, "not ce"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runLossCmd(tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errs, tc.code, tc.want)
			}
		})
	}
}

func TestBenchLossCommand(t *testing.T) {
	code, out, errs := runLossCmd("bench", "loss", "--m", "64", "--d", "16", "--runs", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"loss supcon-out  M=64 d=16 views=2", "forward+backward:", "ms median of 2", "allocated:", "per later call"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestLossHelp(t *testing.T) {
	code, out, _ := runLossCmd("help", "loss")
	if code != 0 || !strings.Contains(out, "usage: supcon loss") || !strings.Contains(out, "-grad-out") {
		t.Errorf("help loss: exit %d\n%s", code, out)
	}
	code, out, _ = runLossCmd("help")
	if code != 0 || !strings.Contains(out, "bench loss") {
		t.Errorf("help lacks bench loss: exit %d\n%s", code, out)
	}
}

// writeLossI64Shape writes an int64 .npy array of the given shape into dir.
func writeLossI64Shape(t *testing.T, dir, name string, shape []int, v []int) string {
	t.Helper()
	b := npy.Header(npy.Int64, shape)
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(int64(x)))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLossCommandImageKeys(t *testing.T) {
	dir := t.TempDir()
	const b, v, d = 6, 2, 5
	x := lossBVD(b, v, d)
	feat := writeLossF32(t, dir, "f.npy", []int{b, v, d}, x)
	labels := []int{3, 1, 3, 2, 1, 2}
	lab := writeLossI64(t, dir, "y.npy", labels)
	// Images 0 and 2 are copies of one source image (key 10).
	keys := []int{10, 11, 10, 12, 13, 14}
	perImage := writeLossI64(t, dir, "k.npy", keys)
	var bv []int
	for _, k := range keys {
		bv = append(bv, k, k)
	}
	perView := writeLossI64Shape(t, dir, "kbv.npy", []int{b, v}, bv)
	rows := make([]float32, len(x))
	for i := range b {
		for j := range v {
			copy(rows[(j*b+i)*d:(j*b+i+1)*d], x[(i*v+j)*d:(i*v+j+1)*d])
		}
	}
	z := loss.Matrix{Rows: b * v, Cols: d, Data: rows}
	for _, kind := range []string{"supcon-out", "supcon-in", "simclr"} {
		k, _ := loss.ParseKind(kind)
		o := loss.Options{Loss: k, Views: v, ImageKeys: loss.RepeatLabels(keys, v)}
		var rowLabels []int
		args := []string{"loss", "--features", feat, "--loss", kind}
		if k != loss.SimCLR {
			rowLabels = loss.RepeatLabels(labels, v)
			args = append(args, "--labels", lab)
		}
		want, err := loss.Compute(nil, z, rowLabels, o)
		if err != nil {
			t.Fatal(err)
		}
		o.ImageKeys = nil
		without, err := loss.Compute(nil, z, rowLabels, o)
		if err != nil {
			t.Fatal(err)
		}
		if want.Value == without.Value {
			t.Errorf("%s: the copies do not change the value %g", kind, want.Value)
		}
		for _, keysPath := range []string{perImage, perView} {
			code, out, errs := runLossCmd(append(args, "--image-keys", keysPath)...)
			if code != 0 {
				t.Fatalf("%s %s: exit %d: %s", kind, keysPath, code, errs)
			}
			var rep lossReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if rep.Value != want.Value || rep.Counted != want.Counted {
				t.Errorf("%s %s: report %+v, want value %v", kind, filepath.Base(keysPath), rep, want.Value)
			}
		}
	}

	// [M] keys with [M, d] features, view-major.
	flat := writeLossF32(t, dir, "rows.npy", []int{b * v, d}, rows)
	perRow := writeLossI64(t, dir, "krows.npy", loss.RepeatLabels(keys, v))
	rowLab := writeLossI64(t, dir, "yrows.npy", loss.RepeatLabels(labels, v))
	want, err := loss.Compute(nil, z, loss.RepeatLabels(labels, v), loss.Options{Views: v, ImageKeys: loss.RepeatLabels(keys, v)})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runLossCmd("loss", "--features", flat, "--views", "2", "--labels", rowLab, "--image-keys", perRow)
	if code != 0 {
		t.Fatalf("[M] keys: exit %d: %s", code, errs)
	}
	var rep lossReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Value != want.Value {
		t.Errorf("[M] keys: report %+v (%v), want value %v", rep, err, want.Value)
	}

	badView := append([]int(nil), bv...)
	badView[1] = 99
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"count", []string{"--labels", lab, "--image-keys", writeLossI64(t, dir, "k3.npy", []int{1, 2, 3})}, 1, "3 image keys for features of shape [6 2 5]"},
		{"shape", []string{"--labels", lab, "--image-keys", writeLossI64Shape(t, dir, "k23.npy", []int{2, 3}, []int{1, 2, 3, 4, 5, 6})}, 1, "image keys have shape [2 3]"},
		{"views disagree", []string{"--labels", lab, "--image-keys", writeLossI64Shape(t, dir, "kbad.npy", []int{b, v}, badView)}, 1, "views of an image must share its key"},
		{"labels disagree", []string{"--labels", lab, "--image-keys", writeLossI64(t, dir, "klab.npy", []int{10, 10, 11, 12, 13, 14})}, 1, "copies must share a label"},
		{"triplet", []string{"--labels", lab, "--loss", "triplet", "--image-keys", perImage}, 2, "--image-keys applies to"},
		{"floats", []string{"--labels", lab, "--image-keys", feat}, 1, "image keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runLossCmd(append([]string{"loss", "--features", feat}, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errs, tc.code, tc.want)
			}
		})
	}
}
