package evaluate

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
)

func set(labels []int, xy ...float32) *FeatureSet {
	fs := &FeatureSet{X: xy, Dim: 2, Labels: labels}
	for _, l := range labels {
		fs.Classes = max(fs.Classes, l+1)
	}
	return fs
}

// A toy set worked by hand. Training features (scale does not matter):
// t0 (2,0) class 0, t1 (0.8,0.6) class 0, t2 (0,1) class 1, t3 (−1,0)
// class 2. Query q0 (0.6,0.8), class 1: similarities 0.6, 0.96, 0.8, −0.6.
// Query q1 (0,3), class 1: similarities 0, 0.6, 1, 0 (t0 and t3 tie; the
// earlier, t0, ranks first).
func TestKNNHandWorked(t *testing.T) {
	train := set([]int{0, 0, 1, 2}, 2, 0, 0.8, 0.6, 0, 1, -1, 0)
	test := set([]int{1, 1}, 0.6, 0.8, 0, 3)
	e := math.Exp
	for _, tc := range []struct {
		cfg    KNNConfig
		shares [2][3]float64 // vote shares of classes 0..2 per query
		top1   float64
	}{
		// k=1: q0's nearest is t1 (class 0): wrong; q1's is t2: right.
		{MajorityKNNConfig(1), [2][3]float64{{1, 0, 0}, {0, 1, 0}}, 0.5},
		// k=3 majority: q0 gets t1,t2,t0 (0,1,0); q1 gets t2,t1,t0 (1,0,0).
		{MajorityKNNConfig(3), [2][3]float64{{2. / 3, 1. / 3, 0}, {2. / 3, 1. / 3, 0}}, 0},
		// k=3, exp(s/0.1): q0: class 0 e^9.6+e^6, class 1 e^8; q1: class 1
		// e^10, class 0 e^6+e^0: the near neighbour outvotes two far ones.
		{KNNConfig{K: 3, Weighted: true, Temperature: 0.1}, [2][3]float64{
			{(e(9.6) + e(6)) / (e(9.6) + e(6) + e(8)), e(8) / (e(9.6) + e(6) + e(8)), 0},
			{(e(6) + 1) / (e(10) + e(6) + 1), e(10) / (e(10) + e(6) + 1), 0}}, 0.5},
	} {
		t.Run(tc.cfg.String(), func(t *testing.T) {
			res, err := KNN(context.Background(), train, test, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Top1 != tc.top1 || res.Top5 != 1 {
				t.Fatalf("top-1 %v top-5 %v, want %v and 1", res.Top1, res.Top5, tc.top1)
			}
			for i, p := range res.Predictions {
				for _, cp := range p.Top {
					if math.Abs(cp.P-tc.shares[i][cp.Class]) > 1e-5 {
						t.Fatalf("query %d: %+v, want shares %v", i, p.Top, tc.shares[i])
					}
				}
			}
		})
	}
	// The same set as train and test: no sample is its own neighbour, so
	// with k=1 t0 finds t1 (right), t1 t0 (right), t2 t1, t3 t2 (wrong).
	res, err := KNN(context.Background(), train, train, MajorityKNNConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Top1 != 0.5 {
		t.Fatalf("leave-one-out top-1 %v, want 0.5", res.Top1)
	}
	for _, bad := range []KNNConfig{{K: 0}, {K: 3, Weighted: true}} {
		if _, err := KNN(context.Background(), train, test, bad); err == nil {
			t.Fatalf("%+v accepted", bad)
		}
	}
}

// MAP@R on a hand-made ranking: relevant at places 1, 3, 4, 6 with R=4:
// (1/1 + 2/3 + 3/4)/4 = 29/48; R-precision 3/4.
func TestMAPAtRHandMade(t *testing.T) {
	rel := []bool{true, false, true, true, false, true}
	if got := mapAtR(rel, 4); math.Abs(got-29./48) > 1e-15 {
		t.Fatalf("MAP@R %v, want 29/48", got)
	}
	if got := rPrecision(rel, 4); got != 0.75 {
		t.Fatalf("R-precision %v, want 0.75", got)
	}
	// R beyond what was ranked: missing places count as misses.
	if got := mapAtR(rel[:2], 4); got != 0.25 {
		t.Fatalf("MAP@R of a short ranking %v, want 0.25", got)
	}
}

// Retrieval worked by hand. References: (1,0.1) class 0, (1,0.5) class 1,
// (1,1) class 0, (0,1) class 1, so R = 2 for both classes. Query (1,0)
// class 0 ranks them 0,1,0,1: first two [hit, miss]: P@1 1, R-precision
// 1/2, MAP@R 1/2. Query (0.5,1) class 1 ranks (1,1) 0.949, (0,1) 0.894,
// (1,0.5) 0.8: [miss, hit]: P@1 0, R-precision 1/2, MAP@R (1/2)/2. A
// query of class 2 has no reference: lone.
func TestRetrievalHandWorked(t *testing.T) {
	ref := set([]int{0, 1, 0, 1}, 1, 0.1, 1, 0.5, 1, 1, 0, 1)
	q := set([]int{0, 1, 2}, 1, 0, 0.5, 1, 1, 1)
	res, err := Retrieval(context.Background(), ref, q)
	if err != nil {
		t.Fatal(err)
	}
	want := RetrievalResult{Queries: 2, Lone: 1, PrecisionAt1: 0.5, RPrecision: 0.5, MAPAtR: 0.375}
	if *res != want {
		t.Fatalf("%+v, want %+v", *res, want)
	}
}

// On random features, over more queries than one block, the heap search
// finds what sorting every similarity finds, whatever GOMAXPROCS is.
func TestKNNMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	mk := func(n int) *FeatureSet {
		fs := &FeatureSet{Dim: 8, Classes: 5}
		for i := 0; i < n; i++ {
			fs.Labels = append(fs.Labels, rng.IntN(5))
			for j := 0; j < 8; j++ {
				fs.X = append(fs.X, float32(rng.NormFloat64()))
			}
		}
		return fs
	}
	train, test := mk(300), mk(150)
	cfg := KNNConfig{K: 20, Weighted: true, Temperature: 0.07}
	ref, qs := normalizedRows(train.X, 8), normalizedRows(test.X, 8)
	for _, procs := range []int{1, 3} {
		prev := runtime.GOMAXPROCS(procs)
		res, err := KNN(context.Background(), train, test, cfg)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range res.Predictions {
			idx := make([]int, len(train.Labels))
			sims := make([]float32, len(idx))
			for j := range idx {
				idx[j] = j
				for d := 0; d < 8; d++ {
					sims[j] += qs[i*8+d] * ref[j*8+d]
				}
			}
			sort.SliceStable(idx, func(a, b int) bool { return sims[idx[a]] > sims[idx[b]] })
			votes := make([]float64, 5)
			for _, j := range idx[:cfg.K] {
				votes[train.Labels[j]] += math.Exp(float64(sims[j]) / cfg.Temperature)
			}
			best := 0
			for c := range votes {
				if votes[c] > votes[best] {
					best = c
				}
			}
			if p.Predicted() != best {
				t.Fatalf("GOMAXPROCS %d, query %d: predicted %d, sorting says %d", procs, i, p.Predicted(), best)
			}
		}
	}
}
