package loss

import (
	"math"
	"strings"
	"testing"
)

// withCopies turns some images of p (b images of v views) into copies of
// others: image dup[k] shows the same source image as src[k] (same key, same
// label, its own random features as a different augmentation would give).
// It returns the per-row image keys.
func withCopies(p *problem, v int, src, dup []int) []int {
	b := p.m / v
	per := make([]int, b)
	for i := range per {
		per[i] = 1000 + 3*i
	}
	for k := range src {
		per[dup[k]] = per[src[k]]
		for w := range v {
			p.labels[w*b+dup[k]] = p.labels[w*b+src[k]]
		}
	}
	return RepeatLabels(per, v)
}

// copyCases are the contrastive losses that take image keys.
func copyCases() []Options {
	var cs []Options
	for _, k := range []Kind{SupConOut, SupConIn, SimCLR, NPairs} {
		for _, mode := range []Mode{ModeAll, ModeOne} {
			for _, norm := range []bool{false, true} {
				cs = append(cs, Options{Loss: k, Mode: mode, Normalize: norm, Views: 2})
			}
		}
	}
	return append(cs, Options{Loss: SupConIn, Temperature: 0.05, BaseTemperature: 1, Views: 2})
}

// TestCopiesFiniteDifferences checks value and gradient with copies present
// against the float64 oracle (which leaves copies out of A(i) and P(i)) and
// its central finite differences; for SupCon also against the closed form.
// N-pairs runs with labels (where copies, of one label, are already no
// negatives) and without (every image its own class, copies excluded here).
func TestCopiesFiniteDifferences(t *testing.T) {
	for _, o := range copyCases() {
		for _, nolabels := range []bool{false, true} {
			if nolabels && o.Loss != NPairs {
				continue
			}
			t.Run(name(o)+map[bool]string{true: "/nolabels"}[nolabels], func(t *testing.T) {
				testCopiesFD(t, o, nolabels)
			})
		}
	}
}

func testCopiesFD(t *testing.T, o Options, nolabels bool) {
	p := newProblem(7, 12, 2, 20, 4, !o.Normalize)
	// Image 5 and 9 copy image 2; image 7 copies image 0.
	o.ImageKeys = withCopies(&p, 2, []int{2, 2, 0}, []int{5, 9, 7})
	if nolabels {
		p.labels = nil
	}
	if o.Normalize {
		for k := range p.w32 {
			p.w32[k] *= float32(1 + k%3)
			p.w64[k] = float64(p.w32[k])
		}
	}
	res, g := p.run(t, o)
	want := refLoss(p.w64, p.m, p.d, p.labels, o)
	if math.Abs(res.Value-want) > 1e-5*(1+math.Abs(want)) {
		t.Errorf("value %.9g, oracle %.9g", res.Value, want)
	}
	ko := o
	ko.ImageKeys = nil
	if without := refLoss(p.w64, p.m, p.d, p.labels, ko); math.Abs(without-want) < 1e-6 && (o.Loss != NPairs || nolabels) {
		t.Errorf("copies do not change the oracle's value (%g): the test is vacuous", want)
	}
	compareGrad(t, "finite differences", g, refGradFD(p.w64, p.m, p.d, p.labels, o), 2e-4)
	if o.Loss == SupConOut || o.Loss == SupConIn {
		compareGrad(t, "closed form", g, refClosedForm(p.w64, p.m, p.d, p.labels, o), 1e-4)
	}
}

// TestCopiesManyBlocks runs a problem of several row blocks (and an odd d for
// the kernels' tails) with many copies against the oracle, and checks that
// every worker count gives the same bits.
func TestCopiesManyBlocks(t *testing.T) {
	for _, o := range []Options{
		{Loss: SupConOut, Views: 2},
		{Loss: SupConIn, Views: 2, Mode: ModeOne},
		{Loss: SimCLR, Views: 2, Normalize: true},
		{Loss: NPairs, Views: 2},
	} {
		t.Run(name(o), func(t *testing.T) {
			p := newProblem(3, 50, 2, 33, 6, !o.Normalize)
			var src, dup []int
			for k := 0; k < 12; k++ {
				src, dup = append(src, k), append(dup, 49-k)
			}
			src, dup = append(src, 0, 0), append(dup, 20, 21)
			o.ImageKeys = withCopies(&p, 2, src, dup)
			o.Workers = 1
			res1, g1 := p.run(t, o)
			want := refLoss(p.w64, p.m, p.d, p.labels, o)
			if math.Abs(res1.Value-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("value %.9g, oracle %.9g", res1.Value, want)
			}
			if o.Loss == SupConOut || o.Loss == SupConIn {
				compareGrad(t, "closed form", g1, refClosedForm(p.w64, p.m, p.d, p.labels, o), 1e-4)
			}
			for _, w := range []int{2, 3, 5} {
				o.Workers = w
				res, g := p.run(t, o)
				if math.Float64bits(res.Value) != math.Float64bits(res1.Value) || res.Counted != res1.Counted {
					t.Errorf("workers %d: %+v, workers 1: %+v", w, res, res1)
				}
				for k := range g {
					if math.Float32bits(g[k]) != math.Float32bits(g1[k]) {
						t.Fatalf("workers %d: gradient element %d = %g, workers 1: %g", w, k, g[k], g1[k])
					}
				}
			}
		})
	}
}

// TestCopiesDistinctKeysBitIdentical checks that image keys without copies
// (all distinct per batch row) change no bit of value or gradient.
func TestCopiesDistinctKeysBitIdentical(t *testing.T) {
	for _, o := range copyCases() {
		t.Run(name(o), func(t *testing.T) {
			p := newProblem(5, 40, 2, 17, 5, !o.Normalize)
			res0, g0 := p.run(t, o)
			o.ImageKeys = withCopies(&p, 2, nil, nil)
			res1, g1 := p.run(t, o)
			if res0 != res1 {
				t.Errorf("distinct keys %+v, nil keys %+v", res1, res0)
			}
			for k := range g0 {
				if math.Float32bits(g0[k]) != math.Float32bits(g1[k]) {
					t.Fatalf("gradient element %d: %g with distinct keys, %g without", k, g1[k], g0[k])
				}
			}
		})
	}
}

// TestCopiesLeaveAnchorWithoutPositives: with one view, two rows that are
// copies of a class's only image have no positive left; they are out of the
// mean and counted, and the rest matches the oracle.
func TestCopiesLeaveAnchorWithoutPositives(t *testing.T) {
	for _, o := range []Options{{Loss: SupConOut}, {Loss: SupConIn}} {
		t.Run(name(o), func(t *testing.T) {
			p := newProblem(9, 6, 1, 8, 1, true)
			p.labels = []int{0, 0, 1, 1, 1, 2}
			o.ImageKeys = []int{7, 7, 8, 9, 10, 11}
			res, g := p.run(t, o)
			if res.Anchors != 6 || res.Counted != 3 || res.WithoutPositives != 3 || res.NoPositivePair {
				t.Errorf("result %+v: want 6 anchors, 3 counted, 3 without positives", res)
			}
			checkFinite(t, "copies", res, g)
			if want := refLoss(p.w64, p.m, p.d, p.labels, o); math.Abs(res.Value-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("value %.9g, oracle %.9g", res.Value, want)
			}
			compareGrad(t, "finite differences", g, refGradFD(p.w64, p.m, p.d, p.labels, o), 2e-4)

			// Only copies as would-be positives: no positive pair at all.
			p.labels = []int{0, 0, 1, 2, 3, 4}
			res, g = p.run(t, o)
			if !res.NoPositivePair || res.Value != 0 || res.WithoutPositives != 6 {
				t.Errorf("result %+v: want no positive pair", res)
			}
			for k, v := range g {
				if v != 0 {
					t.Fatalf("gradient element %d = %g, want 0", k, v)
				}
			}
		})
	}
}

// TestCopiesAllCopies: every other row a copy of one image, so that an
// anchor's contrast set is its own views only (and empty with one view).
func TestCopiesAllCopies(t *testing.T) {
	p := newProblem(4, 4, 2, 6, 1, true)
	keys := make([]int, p.m)
	o := Options{Views: 2, ImageKeys: keys}
	res, g := p.run(t, o)
	// A(i) = P(i) = {the other view}: the loss is -log 1 = 0 for every anchor.
	if res.Counted != 8 || math.Abs(res.Value) > 1e-6 {
		t.Errorf("result %+v: want 8 counted anchors of loss 0", res)
	}
	checkFinite(t, "all copies", res, g)
	p1 := newProblem(4, 4, 1, 6, 1, true)
	res, g = p1.run(t, Options{ImageKeys: make([]int, p1.m)})
	if !res.NoPositivePair || res.Value != 0 {
		t.Errorf("one view, all copies: %+v: want no positive pair", res)
	}
	checkFinite(t, "all copies, one view", res, g)
}

// TestCopiesPositiveSets builds the keys and labels of a class-balanced batch
// with copies by hand and checks that the rows the loss treats as P(i) are the
// same-label rows that are other views of i or other images (views of a copy
// are not positives), and that A(i) is every row but i and its copies.
// trainer/input's tests check that its Batch.ImageKeys and Batch.Positive
// describe the same relation.
func TestCopiesPositiveSets(t *testing.T) {
	// P = 3 classes × K = 3 images × V = 2 views. Class 10 has one image
	// three times (images 0, 0, 0), class 20 two images, one doubled, and
	// class 30 three distinct images.
	rowLabels := []int{10, 10, 10, 20, 20, 20, 30, 30, 30}
	rowImages := []int{0, 0, 0, 1, 2, 1, 3, 4, 5}
	const views = 2
	b := len(rowLabels)
	keys := RepeatLabels(rowImages, views)
	labels := RepeatLabels(rowLabels, views)
	m := len(keys)
	positive := func(i, j int) bool {
		return i != j && labels[i] == labels[j] && (i%b == j%b || keys[i] != keys[j])
	}
	for _, kind := range []Kind{SupConOut, SupConIn} {
		var ws Workspace
		r, err := Options{Loss: kind, Views: views, ImageKeys: keys}.resolve(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.indexKeys(keys, labels, m, r); err != nil {
			t.Fatal(err)
		}
		c := &contrastive{kind: kind, m: m, b: b, views: views, labels: labels, keys: keys, ws: &ws}
		c.indexClasses()
		idx := make([]int32, m)
		npos := 0
		for i := range m {
			got := make([]bool, m)
			for _, j := range c.positives(i, idx) {
				got[j] = true
			}
			for j := range m {
				if got[j] != positive(i, j) {
					t.Errorf("%v: (%d, %d) positive %v, want %v", kind, i, j, got[j], positive(i, j))
				}
				copyRow := i%b != j%b && keys[i] == keys[j]
				if a := c.inA(i, j); a != (j != i && !copyRow) {
					t.Errorf("%v: (%d, %d) in A %v, want %v", kind, i, j, a, !a)
				}
				if got[j] {
					npos++
				}
			}
		}
		// Class 10: each row has only its other view; class 20: rows 3 and 5
		// are copies (1 + 2 positives each), row 4 has 1 + 4; class 30: 5 each.
		if want := 2 * (3*1 + 2*3 + 5 + 3*5); npos != want {
			t.Errorf("%v: %d positive pairs, want %d", kind, npos, want)
		}
	}
	// The loss on this batch agrees with the oracle, whose P(i) is positive's.
	p := newProblem(2, 9, 2, 7, 3, true)
	p.labels = labels
	o := Options{Views: 2, ImageKeys: keys}
	res, _ := p.run(t, o)
	for i := range m {
		_, pp := refSets(i, m, m/2, labels, o)
		n := 0
		for j := range m {
			if positive(i, j) {
				n++
			}
		}
		if n != len(pp) {
			t.Errorf("anchor %d: oracle has %d positives, want %d", i, len(pp), n)
		}
		for _, j := range pp {
			if !positive(i, j) {
				t.Errorf("anchor %d: oracle positive %d is not a positive", i, j)
			}
		}
	}
	if want := refLoss(p.w64, p.m, p.d, p.labels, o); math.Abs(res.Value-want) > 1e-5*(1+math.Abs(want)) {
		t.Errorf("value %.9g, oracle %.9g", res.Value, want)
	}
}

// TestCopiesErrors checks the validation of image keys.
func TestCopiesErrors(t *testing.T) {
	p := newProblem(1, 4, 2, 3, 2, true)
	p.labels = []int{0, 0, 1, 1, 0, 0, 1, 1}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Views: 2, ImageKeys: []int{1, 2, 3}}, "3 image keys for 8 rows"},
		{Options{Views: 2, ImageKeys: []int{1, 2, 3, 4, 1, 2, 3, 5}}, "views of an image must share its key"},
		{Options{Views: 2, ImageKeys: []int{1, 2, 1, 4, 1, 2, 1, 4}}, "copies must share a label"},
		{Options{Loss: Triplet, Views: 2, ImageKeys: []int{1, 2, 3, 4, 1, 2, 3, 4}}, "not triplet"},
	} {
		g := Matrix{Rows: p.m, Cols: p.d, Data: make([]float32, p.m*p.d)}
		_, err := Compute(&g, Matrix{Rows: p.m, Cols: p.d, Data: p.w32}, p.labels, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", tc.o, err, tc.want)
		}
	}
	_, err := Compute(nil, Matrix{Rows: 2, Cols: 2, Data: []float32{1, 0, 0, 1}}, []int{0, 1}, Options{Loss: CrossEntropy, ImageKeys: []int{0, 0}})
	if err == nil || !strings.Contains(err.Error(), "not ce") {
		t.Errorf("cross-entropy with image keys: error %v", err)
	}
	// SimCLR ignores labels, so copies with different labels are fine there.
	if _, err := Compute(nil, Matrix{Rows: p.m, Cols: p.d, Data: p.w32}, p.labels, Options{Loss: SimCLR, Views: 2, ImageKeys: []int{1, 2, 1, 4, 1, 2, 1, 4}}); err != nil {
		t.Errorf("simclr: %v", err)
	}
}

// TestCopiesDoNotSetTheShift: identical copies at a small temperature have by
// far the largest similarity; were they part of the log-sum-exp's shift, every
// term of A(i) would underflow to 0 and the value would be infinite.
func TestCopiesDoNotSetTheShift(t *testing.T) {
	const d = 4
	rows := [][]float32{{1, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0.6, 0.8}}
	p := problem{m: len(rows), d: d, labels: []int{0, 0, 0, 1, 1}}
	for _, r := range rows {
		p.w32 = append(p.w32, r...)
		for _, x := range r {
			p.w64 = append(p.w64, float64(x))
		}
	}
	for _, kind := range []Kind{SupConOut, SupConIn} {
		o := Options{Loss: kind, Temperature: 0.002, ImageKeys: []int{5, 5, 6, 7, 8}}
		res, g := p.run(t, o)
		checkFinite(t, kind.String(), res, g)
		if want := refLoss(p.w64, p.m, p.d, p.labels, o); math.Abs(res.Value-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("%v: value %.9g, oracle %.9g", kind, res.Value, want)
		}
		compareGrad(t, kind.String(), g, refClosedForm(p.w64, p.m, p.d, p.labels, o), 1e-4)
	}
}
