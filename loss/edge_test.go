package loss

import (
	"math"
	"strings"
	"testing"
)

// TestEdgeCases runs the inputs that real implementations got wrong through
// every loss: the result must be finite, the counts right, and where the
// float64 oracle is meaningful, the value must match it.
func TestEdgeCases(t *testing.T) {
	kinds := []Options{
		{Loss: SupConOut}, {Loss: SupConIn}, {Loss: SimCLR}, {Loss: NPairs},
		{Loss: Triplet}, {Loss: Triplet, Mining: BatchHard},
	}
	type edge struct {
		name   string
		p      problem
		views  int
		tau    float64
		norm   bool
		oracle bool
	}
	equal := newProblem(1, 8, 2, 16, 1, true)
	for i := 1; i < equal.m; i++ {
		copy(equal.w32[i*16:(i+1)*16], equal.w32[:16])
	}
	zeros := newProblem(1, 4, 2, 8, 2, false)
	clear(zeros.w32)
	big := newProblem(4, 6, 2, 12, 2, false)
	for k := range big.w32 {
		big.w32[k] *= 1e4
	}
	edges := []edge{
		{"all equal vectors one class", equal, 2, 0.1, false, false},
		{"all equal vectors normalised", equal, 2, 0.1, true, false},
		{"one class", newProblem(2, 10, 2, 16, 1, true), 2, 0.1, false, true},
		{"tau 0.01", newProblem(3, 16, 2, 64, 3, true), 2, 0.01, false, true},
		{"M = 2", newProblem(4, 1, 2, 8, 1, true), 2, 0.1, false, true},
		{"V = 1 singletons", newProblem(5, 6, 1, 8, 1000, true), 1, 0.1, false, true},
		{"V = 1 mixed", newProblem(6, 12, 1, 8, 5, true), 1, 0.1, false, true},
		{"huge d", newProblem(7, 3, 2, 200000, 2, true), 2, 0.1, false, false},
		{"zero vectors normalised", zeros, 2, 0.1, true, false},
		{"large unnormalised rows", big, 2, 0.1, false, false},
		{"one row", newProblem(8, 1, 1, 4, 1, true), 1, 0.1, false, true},
	}
	for _, e := range edges {
		for _, k := range kinds {
			o := k
			o.Views, o.Temperature, o.Normalize = e.views, e.tau, e.norm
			if o.Loss == NPairs && e.views != 2 {
				continue
			}
			t.Run(e.name+"/"+name(o), func(t *testing.T) {
				res, g := e.p.run(t, o)
				checkFinite(t, "result", res, g)
				if res.Counted+res.WithoutPositives > res.Anchors {
					t.Errorf("counted %d + without positives %d > anchors %d", res.Counted, res.WithoutPositives, res.Anchors)
				}
				if res.Counted == 0 {
					if !res.NoPositivePair || res.Value != 0 {
						t.Errorf("nothing counted but %+v", res)
					}
					for k, v := range g {
						if v != 0 {
							t.Fatalf("nothing counted but gradient %d = %g", k, v)
						}
					}
				}
				if e.oracle {
					w64 := make([]float64, len(e.p.w32))
					for k, v := range e.p.w32 {
						w64[k] = float64(v)
					}
					want := refLoss(w64, e.p.m, e.p.d, e.p.labels, o)
					if math.Abs(res.Value-want) > 1e-4*(1+math.Abs(want)) {
						t.Errorf("value %.9g, oracle %.9g", res.Value, want)
					}
				}
			})
		}
	}
}

// TestNoPositiveAnchorsExcluded checks that anchors without positives are
// left out of the mean, not counted as zero.
func TestNoPositiveAnchorsExcluded(t *testing.T) {
	p := newProblem(3, 9, 1, 8, 3, true)
	p.labels = []int{0, 0, 1, 1, 1, 2, 3, 4, 5} // four singletons
	res, _ := p.run(t, Options{})
	if res.Anchors != 9 || res.Counted != 5 || res.WithoutPositives != 4 || res.NoPositivePair {
		t.Fatalf("result %+v: want 9 anchors, 5 counted, 4 without positives", res)
	}
	// The mean over the five counted anchors equals the loss of the batch
	// restricted to them, scaled by nothing: compare with the oracle.
	w64 := make([]float64, len(p.w32))
	for k, v := range p.w32 {
		w64[k] = float64(v)
	}
	if want := refLoss(w64, p.m, p.d, p.labels, Options{}); math.Abs(res.Value-want) > 1e-5 {
		t.Errorf("value %.9g, oracle %.9g", res.Value, want)
	}
}

// TestErrors checks that misuse is reported before any work, naming the cause.
func TestErrors(t *testing.T) {
	ok := newProblem(1, 4, 2, 8, 2, true)
	z := Matrix{Rows: ok.m, Cols: ok.d, Data: ok.w32}
	nan := append([]float32(nil), ok.w32...)
	nan[13] = float32(math.NaN())
	huge := append([]float32(nil), ok.w32...)
	huge[5] = 1e18
	g := Matrix{Rows: ok.m, Cols: ok.d, Data: make([]float32, ok.m*ok.d)}
	for _, tc := range []struct {
		name   string
		dst    *Matrix
		z      Matrix
		labels []int
		o      Options
		want   string
	}{
		{"short data", nil, Matrix{Rows: 8, Cols: 8, Data: ok.w32[:10]}, ok.labels, Options{}, "needs 64 elements"},
		{"no rows", nil, Matrix{}, nil, Options{}, "at least one row"},
		{"labels", nil, z, ok.labels[:3], Options{}, "3 labels for 8 rows"},
		{"gradient shape", &Matrix{Rows: 4, Cols: 16, Data: g.Data}, z, ok.labels, Options{}, "gradient is 4×16"},
		{"gradient aliases", &Matrix{Rows: ok.m, Cols: ok.d, Data: ok.w32}, z, ok.labels, Options{}, "shares memory"},
		{"nan", nil, Matrix{Rows: ok.m, Cols: ok.d, Data: nan}, ok.labels, Options{}, "row 1 column 5 is NaN"},
		{"overflow", nil, Matrix{Rows: ok.m, Cols: ok.d, Data: huge}, ok.labels, Options{}, "normalise them"},
		{"temperature", nil, z, ok.labels, Options{Temperature: -1}, "temperature -1"},
		{"base temperature", nil, z, ok.labels, Options{BaseTemperature: math.Inf(1)}, "base temperature"},
		{"views", nil, z, ok.labels, Options{Views: 3}, "8 rows are not 3 views"},
		{"npairs views", nil, z, ok.labels, Options{Loss: NPairs, Views: 4}, "exactly 2 views"},
		{"margin", nil, z, ok.labels, Options{Loss: Triplet, Margin: -1}, "margin -1"},
		{"smoothing", nil, z, ok.labels, Options{Loss: CrossEntropy, LabelSmoothing: 1}, "label smoothing 1"},
		{"class index", nil, z, []int{0, 1, 2, 3, 4, 5, 6, 8}, Options{Loss: CrossEntropy}, "label 8 of row 7"},
		{"kind", nil, z, ok.labels, Options{Loss: Kind(42)}, "unknown loss"},
		{"mode", nil, z, ok.labels, Options{Mode: Mode(3)}, "unknown contrast mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.dst, tc.z, tc.labels, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestValueOnly checks that a nil destination gives the same value.
func TestValueOnly(t *testing.T) {
	p := newProblem(4, 20, 2, 16, 3, true)
	for _, o := range gradCases() {
		want, _ := p.run(t, o)
		got, err := Compute(nil, Matrix{Rows: p.m, Cols: p.d, Data: p.w32}, p.labels, o)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: value only %+v, with gradient %+v", name(o), got, want)
		}
	}
}

func TestParseNames(t *testing.T) {
	for k := SupConOut; k <= CrossEntropy; k++ {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	for _, m := range []Mode{ModeAll, ModeOne} {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	for _, m := range []Mining{BatchAll, BatchHard} {
		if got, err := ParseMining(m.String()); err != nil || got != m {
			t.Errorf("ParseMining(%q) = %v, %v", m.String(), got, err)
		}
	}
	for _, bad := range []func() error{
		func() error { _, err := ParseKind("supcon"); return err },
		func() error { _, err := ParseMode("two"); return err },
		func() error { _, err := ParseMining("semi"); return err },
	} {
		if bad() == nil {
			t.Error("a bad name parsed")
		}
	}
}
