package evaluate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/supcon/supcon/trainer/gemm"
)

// KNNConfig is a k-nearest-neighbour classifier's settings.
type KNNConfig struct {
	// K is the number of neighbours that vote (at most the training set).
	K int `json:"k"`
	// Weighted makes a neighbour of cosine similarity s vote exp(s/
	// Temperature); otherwise every neighbour votes 1 (plain majority).
	Weighted    bool    `json:"weighted"`
	Temperature float64 `json:"temperature,omitempty"`
}

// DefaultKNNConfig is the convention of the instance-discrimination papers
// (Wu et al. 2018) and of solo-learn's online kNN: 200 neighbours voting
// exp(s/0.07).
func DefaultKNNConfig() KNNConfig { return KNNConfig{K: 200, Weighted: true, Temperature: 0.07} }

// MajorityKNNConfig is a plain majority vote of k neighbours.
func MajorityKNNConfig(k int) KNNConfig { return KNNConfig{K: k} }

// String names the classifier, as "kNN k=200 T=0.07" or "kNN k=20 majority".
func (c KNNConfig) String() string {
	if c.Weighted {
		return fmt.Sprintf("kNN k=%d T=%g", c.K, c.Temperature)
	}
	return fmt.Sprintf("kNN k=%d majority", c.K)
}

func (c KNNConfig) check() error {
	switch {
	case c.K < 1:
		return fmt.Errorf("K %d: at least 1", c.K)
	case c.Weighted && !(c.Temperature > 0):
		return fmt.Errorf("Temperature %g: must be positive for weighted votes", c.Temperature)
	}
	return nil
}

// KNNResult is what a kNN classifier scored on a test set.
type KNNResult struct {
	Config KNNConfig `json:"config"`
	// Top1 and Top5 rank the classes by their votes, ties against the
	// label (as Prediction does).
	Top1 float64 `json:"top1"`
	Top5 float64 `json:"top5"`
	// Predictions has one entry per test sample, in order; a class's P is
	// its share of the votes. IDs are the test set's, when it has them.
	Predictions []Prediction `json:"-"`
}

// KNN classifies every test sample by the votes of its K nearest training
// samples, by cosine similarity of the features (each row L2-normalised;
// equal similarities rank the earlier training sample first). When train
// and test are the same set, a sample is not its own neighbour. It costs
// one test×train matrix product and a K-heap per test sample; memory is
// the normalised features plus up to 64 rows of similarities (at most 64
// MiB). The work is spread over GOMAXPROCS goroutines, and the result does
// not depend on their number.
func KNN(ctx context.Context, train, test *FeatureSet, cfg KNNConfig) (*KNNResult, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("knn: %w", err)
	}
	if err := checkSets(train, test); err != nil {
		return nil, fmt.Errorf("knn: %w", err)
	}
	classes := max(train.Classes, test.Classes)
	for _, l := range train.Labels {
		classes = max(classes, l+1)
	}
	res := &KNNResult{Config: cfg, Predictions: make([]Prediction, len(test.Labels))}
	err := forNeighbours(ctx, train, test, cfg.K, func(i int, nb []neighbour) {
		votes := make([]float64, classes)
		var sum float64
		for _, n := range nb {
			w := 1.0
			if cfg.Weighted {
				w = math.Exp(float64(n.sim) / cfg.Temperature)
			}
			votes[train.Labels[n.index]] += w
			sum += w
		}
		for c := range votes {
			votes[c] /= sum
		}
		res.Predictions[i] = NewPrediction(test.id(i), test.Labels[i], votes)
	})
	if err != nil {
		return nil, fmt.Errorf("knn: %w", err)
	}
	var hit1, hit5 int
	for i := range res.Predictions {
		r := res.Predictions[i].Rank()
		hit1 += b2i(r < 1)
		hit5 += b2i(r < 5)
	}
	n := float64(len(res.Predictions))
	res.Top1, res.Top5 = float64(hit1)/n, float64(hit5)/n
	return res, nil
}

// RetrievalResult is the retrieval figures of pytorch-metric-learning's
// AccuracyCalculator, with the training set as the reference and the test
// set as the queries. For a query whose label has R reference samples (R−1
// when the sets are the same, the query excluded), and rel(i) = 1 when its
// i-th nearest reference has its label:
//
//	precision@1 = rel(1)
//	R-precision = (1/R)·Σ_{i≤R} rel(i)
//	MAP@R       = (1/R)·Σ_{i≤R} rel(i)·P(i),  P(i) = (1/i)·Σ_{j≤i} rel(j)
//
// each averaged over the queries. Queries whose label the reference lacks
// are left out (Lone counts them), as the calculator does.
type RetrievalResult struct {
	Queries      int     `json:"queries"`
	Lone         int     `json:"lone,omitempty"`
	PrecisionAt1 float64 `json:"precision_at_1"`
	RPrecision   float64 `json:"r_precision"`
	MAPAtR       float64 `json:"map_at_r"`
}

// Retrieval ranks the reference samples by cosine similarity to every
// query (as KNN does) and returns the RetrievalResult. It looks as far as
// the largest class of the reference (pytorch-metric-learning's faiss
// search stops at 1023 neighbours; this one does not), so it costs a heap
// of that size per query.
func Retrieval(ctx context.Context, reference, query *FeatureSet) (*RetrievalResult, error) {
	if err := checkSets(reference, query); err != nil {
		return nil, fmt.Errorf("retrieval: %w", err)
	}
	same := reference == query
	counts := map[int]int{}
	largest := 0
	for _, l := range reference.Labels {
		counts[l]++
		largest = max(largest, counts[l])
	}
	if same {
		largest--
	}
	if largest < 1 {
		return nil, errors.New("retrieval: no reference sample has another of its class")
	}
	type perQuery struct {
		r             int
		p1, rprec, ap float64
	}
	out := make([]perQuery, len(query.Labels))
	err := forNeighbours(ctx, reference, query, largest, func(i int, nb []neighbour) {
		label := query.Labels[i]
		r := counts[label]
		if same {
			r--
		}
		if r < 1 {
			return
		}
		rel := make([]bool, min(r, len(nb)))
		for j := range rel {
			rel[j] = reference.Labels[nb[j].index] == label
		}
		out[i] = perQuery{r: r, p1: float64(b2i(rel[0])), rprec: rPrecision(rel, r), ap: mapAtR(rel, r)}
	})
	if err != nil {
		return nil, fmt.Errorf("retrieval: %w", err)
	}
	res := &RetrievalResult{}
	for _, q := range out {
		if q.r == 0 {
			res.Lone++
			continue
		}
		res.Queries++
		res.PrecisionAt1 += q.p1
		res.RPrecision += q.rprec
		res.MAPAtR += q.ap
	}
	if res.Queries > 0 {
		n := float64(res.Queries)
		res.PrecisionAt1, res.RPrecision, res.MAPAtR = res.PrecisionAt1/n, res.RPrecision/n, res.MAPAtR/n
	}
	return res, nil
}

// rPrecision is the share of relevant items among the first r of a
// ranking (rel holds its first r or fewer).
func rPrecision(rel []bool, r int) float64 {
	hits := 0
	for _, ok := range rel[:min(r, len(rel))] {
		hits += b2i(ok)
	}
	return float64(hits) / float64(r)
}

// mapAtR is the average precision at R of a ranking: the precision at each
// relevant place among the first r, summed and divided by r.
func mapAtR(rel []bool, r int) float64 {
	hits, sum := 0, 0.0
	for i, ok := range rel[:min(r, len(rel))] {
		if ok {
			hits++
			sum += float64(hits) / float64(i+1)
		}
	}
	return sum / float64(r)
}

// checkSets checks that two feature sets can be compared.
func checkSets(train, test *FeatureSet) error {
	switch {
	case train == nil || test == nil || len(train.Labels) == 0 || len(test.Labels) == 0:
		return errors.New("empty feature set")
	case train.Dim != test.Dim:
		return fmt.Errorf("features of %d and %d dimensions", train.Dim, test.Dim)
	case len(train.X) != len(train.Labels)*train.Dim || len(test.X) != len(test.Labels)*test.Dim:
		return errors.New("feature rows and labels do not match")
	}
	return nil
}

// neighbour is a training sample and its similarity to a query.
type neighbour struct {
	index int
	sim   float32
}

// worse orders neighbours: lower similarity, or equal and later.
func (a neighbour) worse(b neighbour) bool {
	return a.sim < b.sim || (a.sim == b.sim && a.index > b.index)
}

// queryBlock is the largest number of queries whose similarities are
// computed at once, and blockFloats the most similarities held (64 MiB).
const (
	queryBlock  = 64
	blockFloats = 16 << 20
)

// forNeighbours calls fn(i, nb) for every test sample i with its k nearest
// training samples, nearest first (k at most the training set, less one
// when the sets are the same). fn is called from several goroutines, once
// per i.
func forNeighbours(ctx context.Context, train, test *FeatureSet, k int, fn func(i int, nb []neighbour)) error {
	same := train == test
	nTrain, d := len(train.Labels), train.Dim
	k = min(k, nTrain-b2i(same))
	if k < 1 {
		return errors.New("no training sample to be a neighbour")
	}
	ref := normalizedRows(train.X, d)
	qs := ref
	if !same {
		qs = normalizedRows(test.X, d)
	}
	nTest := len(test.Labels)
	block := max(1, min(queryBlock, blockFloats/nTrain))
	sims := make([]float32, block*nTrain)
	workers := runtime.GOMAXPROCS(0)
	heaps := make([][]neighbour, workers)
	for start := 0; start < nTest; start += block {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows := min(block, nTest-start)
		gemm.Sgemm(false, true, rows, nTrain, d, 1, qs[start*d:(start+rows)*d], d, ref, d, 0, sims, nTrain)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for r := w; r < rows; r += workers {
					i := start + r
					heaps[w] = topNeighbours(heaps[w][:0], sims[r*nTrain:(r+1)*nTrain], k, i, same)
					fn(i, heaps[w])
				}
			}(w)
		}
		wg.Wait()
	}
	return nil
}

// topNeighbours returns the k best of sims (skipping index self when skip),
// best first, in h's storage.
func topNeighbours(h []neighbour, sims []float32, k, self int, skip bool) []neighbour {
	for j, s := range sims {
		if skip && j == self {
			continue
		}
		n := neighbour{j, s}
		if len(h) < k {
			h = append(h, n)
			up(h, len(h)-1)
		} else if h[0].worse(n) {
			h[0] = n
			down(h, 0)
		}
	}
	// Heap sort: pop the worst to the end, leaving the best first.
	for end := len(h) - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		down(h[:end], 0)
	}
	return h
}

// up and down keep h a heap with the worst neighbour at the root.
func up(h []neighbour, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].worse(h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func down(h []neighbour, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r].worse(h[l]) {
			c = r
		}
		if !h[c].worse(h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// normalizedRows returns the rows of x (dim values each) scaled to unit
// L2 norm, in a new slice; a zero row stays zero.
func normalizedRows(x []float32, dim int) []float32 {
	out := make([]float32, len(x))
	for i := 0; i+dim <= len(x); i += dim {
		var ss float64
		for _, v := range x[i : i+dim] {
			ss += float64(v) * float64(v)
		}
		if ss == 0 {
			continue
		}
		inv := 1 / math.Sqrt(ss)
		for j, v := range x[i : i+dim] {
			out[i+j] = float32(float64(v) * inv)
		}
	}
	return out
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
