package loss

import (
	"fmt"
	"strings"
	"testing"
)

func TestViewMajorRoundTrip(t *testing.T) {
	for _, tc := range []struct{ b, v, d int }{{1, 1, 1}, {2, 3, 4}, {3, 2, 1}, {0, 2, 3}} {
		src := make([]int, tc.b*tc.v*tc.d)
		for i := range src {
			src[i] = i
		}
		rows := make([]int, len(src))
		ToViewMajor(rows, src, tc.b, tc.v, tc.d)
		for b := range tc.b {
			for v := range tc.v {
				for k := range tc.d {
					if got, want := rows[(v*tc.b+b)*tc.d+k], src[(b*tc.v+v)*tc.d+k]; got != want {
						t.Fatalf("%+v: view %d of image %d value %d is %d, want %d", tc, v, b, k, got, want)
					}
				}
			}
		}
		back := make([]int, len(src))
		ToImageMajor(back, rows, tc.b, tc.v, tc.d)
		if fmt.Sprint(back) != fmt.Sprint(src) {
			t.Errorf("%+v: round trip gave %v, want %v", tc, back, src)
		}
	}
}

func TestViewMajorPanicsOnLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("no panic for a short destination")
		}
	}()
	ToViewMajor(make([]float32, 5), make([]float32, 6), 2, 3, 1)
}

func TestNewFeatures(t *testing.T) {
	seq := func(n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(i)
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		n           int
		shape       []int
		views       int
		rows, cols  int
		wantViews   int
		firstOfRow1 float32 // Z's row 1, first value
		err         string
	}{
		{"bvd", 12, []int{2, 2, 3}, 0, 4, 3, 2, 6, ""}, // row 1 is image 1's view 0
		{"bvd views given", 12, []int{2, 2, 3}, 2, 4, 3, 2, 6, ""},
		{"md", 12, []int{4, 3}, 0, 4, 3, 1, 3, ""},
		{"md two views", 12, []int{4, 3}, 2, 4, 3, 2, 3, ""},
		{"views mismatch", 12, []int{2, 2, 3}, 3, 0, 0, 0, 0, "Views 3 but the features have shape [2 2 3]"},
		{"1-D", 12, []int{12}, 0, 0, 0, 0, 0, "features have shape [12]"},
		{"short data", 11, []int{2, 2, 3}, 0, 0, 0, 0, 0, "need 12 values, have 11"},
		{"negative views", 12, []int{4, 3}, -1, 0, 0, 0, 0, "Views -1 is negative"},
	} {
		f, err := NewFeatures(seq(tc.n), tc.shape, tc.views)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if f.Z.Rows != tc.rows || f.Z.Cols != tc.cols || f.Views != tc.wantViews || f.Z.Data[tc.cols] != tc.firstOfRow1 {
			t.Errorf("%s: %dx%d, %d views, row 1 starts %g; want %dx%d, %d, %g",
				tc.name, f.Z.Rows, f.Z.Cols, f.Views, f.Z.Data[tc.cols], tc.rows, tc.cols, tc.wantViews, tc.firstOfRow1)
		}
		if g := f.InShape(f.Z.Data); fmt.Sprint(g) != fmt.Sprint(seq(tc.n)) {
			t.Errorf("%s: InShape of the rows gave %v, want the input back", tc.name, g)
		}
	}
}

func TestFeaturesRowLabelsAndKeys(t *testing.T) {
	bvd, err := NewFeatures(make([]float32, 3*2*1), []int{3, 2, 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	md, err := NewFeatures(make([]float32, 6), []int{6, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		f      *Features
		keys   bool
		values []int
		shape  []int
		want   string
		err    string
	}{
		{"per image", bvd, false, []int{7, 8, 9}, []int{3}, "[7 8 9 7 8 9]", ""},
		{"per row of [M, d]", md, false, []int{1, 2, 3, 4, 5, 6}, []int{6}, "[1 2 3 4 5 6]", ""},
		{"per row of [B, V, d]", bvd, false, []int{1, 2, 3, 4, 5, 6}, []int{6}, "", "6 labels for features of shape [3 2 1]"},
		{"2-D labels", bvd, false, []int{1, 2, 3, 4, 5, 6}, []int{3, 2}, "", "labels have shape [3 2]"},
		{"wrong count", md, false, []int{1, 2}, []int{2}, "", "2 labels for 6 rows of 3 images"},
		{"keys per image", bvd, true, []int{7, 8, 9}, []int{3}, "[7 8 9 7 8 9]", ""},
		{"keys [B, V]", bvd, true, []int{10, 11, 20, 21, 30, 31}, []int{3, 2}, "[10 20 30 11 21 31]", ""},
		{"keys [M]", md, true, []int{1, 2, 3, 4, 5, 6}, []int{6}, "[1 2 3 4 5 6]", ""},
		{"keys bad shape", bvd, true, []int{1, 2, 3, 4, 5, 6}, []int{2, 3}, "", "image keys have shape [2 3]"},
		{"keys count", bvd, true, []int{1, 2}, []int{2}, "", "2 image keys for features of shape [3 2 1]"},
	} {
		var got []int
		var err error
		if tc.keys {
			got, err = tc.f.RowImageKeys(tc.values, tc.shape)
		} else {
			got, err = tc.f.RowLabels(tc.values, tc.shape)
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("%s: %v, %v; want %s", tc.name, got, err, tc.want)
		}
	}
}
