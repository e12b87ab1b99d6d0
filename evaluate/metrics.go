package evaluate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// DefaultBins is the number of equal-width confidence bins of the expected
// calibration error (Guo et al. 2017 use 15).
const DefaultBins = 15

// TopK is how many classes a Prediction lists.
const TopK = 5

// ClassProb is a class and the probability given to it.
type ClassProb struct {
	Class int     `json:"class"`
	P     float64 `json:"p"`
}

// Prediction is what a classifier said about one sample: the TopK most
// probable classes, most probable first, and the probability of the true
// label. It is one line of predictions.jsonl.
//
// Ties are resolved against the label: classes of equal probability are
// listed in class order except that the label comes after every class it
// ties with. So the label is within the top k exactly when fewer than k
// other classes have a probability at least its own, and a constant output
// is never right by luck (the convention of the linear probe's top-k).
type Prediction struct {
	ID    string `json:"id"`
	Label int    `json:"label"`
	// Corruption and Severity name the test condition ("" and 0: clean).
	Corruption string      `json:"corruption,omitempty"`
	Severity   int         `json:"severity,omitempty"`
	Top        []ClassProb `json:"top"`
	// PLabel is the probability of the label (for the NLL).
	PLabel float64 `json:"p_label"`
}

// NewPrediction makes the Prediction of a sample from its class
// probabilities (which it does not keep; a NaN counts as 0).
func NewPrediction(id string, label int, probs []float64) Prediction {
	p := Prediction{ID: id, Label: label}
	probs = slices.Clone(probs)
	for i, v := range probs {
		if math.IsNaN(v) {
			probs[i] = 0 // a broken output is no one's prediction
		}
	}
	if label >= 0 && label < len(probs) {
		p.PLabel = probs[label]
	}
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		pa, pb := probs[order[a]], probs[order[b]]
		if pa != pb {
			return pa > pb
		}
		return order[b] == label // only the label yields to a class it ties
	})
	for _, c := range order[:min(TopK, len(order))] {
		p.Top = append(p.Top, ClassProb{Class: c, P: probs[c]})
	}
	return p
}

// Softmax writes the softmax of logits into dst (len(logits)), computed in
// float64 with the maximum subtracted. A non-finite logit makes every
// probability NaN.
func Softmax(dst []float64, logits []float32) {
	m := math.Inf(-1)
	for _, v := range logits {
		m = max(m, float64(v))
	}
	var sum float64
	for i, v := range logits {
		dst[i] = math.Exp(float64(v) - m)
		sum += dst[i]
	}
	for i := range dst {
		dst[i] /= sum
	}
}

// Rank returns the label's place in the prediction's list (0: first), or
// TopK when it is not listed.
func (p *Prediction) Rank() int {
	for i, c := range p.Top {
		if c.Class == p.Label {
			return i
		}
	}
	return TopK
}

// Predicted returns the predicted class, the first listed (-1 for none).
func (p *Prediction) Predicted() int {
	if len(p.Top) == 0 {
		return -1
	}
	return p.Top[0].Class
}

// Confidence returns the predicted class's probability.
func (p *Prediction) Confidence() float64 {
	if len(p.Top) == 0 {
		return 0
	}
	return p.Top[0].P
}

// Bin is one confidence bin of the reliability diagram: the samples whose
// confidence falls in (Lo, Hi] (the first bin also takes 0), their mean
// confidence and their accuracy (both 0 when Count is 0).
type Bin struct {
	Lo         float64 `json:"lo"`
	Hi         float64 `json:"hi"`
	Count      int     `json:"count"`
	Confidence float64 `json:"confidence"`
	Accuracy   float64 `json:"accuracy"`
}

// ClassAccuracy is the top-1 accuracy on one class's samples.
type ClassAccuracy struct {
	Class    int     `json:"class"`
	Name     string  `json:"name,omitempty"`
	Count    int     `json:"count"`
	Accuracy float64 `json:"accuracy"`
}

// Metrics are the classification figures of a set of predictions.
type Metrics struct {
	Samples int     `json:"samples"`
	Top1    float64 `json:"top1"`
	Top5    float64 `json:"top5"`
	// NLL is the mean negative log-likelihood of the labels, −log p (p at
	// least 1e-12, so one certain mistake does not make it infinite).
	NLL float64 `json:"nll"`
	// ECE is the expected calibration error over Reliability's bins:
	// Σ_b (n_b/N)·|accuracy_b − confidence_b|.
	ECE         float64         `json:"ece"`
	Reliability []Bin           `json:"reliability"`
	PerClass    []ClassAccuracy `json:"per_class"`
	// Confusion[t][p] counts samples of class t predicted as p.
	Confusion [][]int `json:"confusion"`
}

// minP bounds the probability inside the NLL's logarithm.
const minP = 1e-12

// Tally accumulates predictions into Metrics, one at a time, so that a
// long stream of predictions needs memory for the counts only. The zero
// value is not ready: use NewTally. Not safe for concurrent use.
type Tally struct {
	classes   int
	bins      []Bin
	confSum   []float64
	hits      []int
	n         int
	top1      int
	top5      int
	nll       float64
	confusion [][]int
}

// NewTally returns a Tally for labels and predictions in [0, classes) with
// the given number of equal-width confidence bins.
func NewTally(classes, bins int) (*Tally, error) {
	if classes < 1 {
		return nil, fmt.Errorf("tally of %d classes: want at least 1", classes)
	}
	if bins < 1 {
		return nil, fmt.Errorf("Bins %d: want at least 1", bins)
	}
	t := &Tally{classes: classes, bins: make([]Bin, bins), confSum: make([]float64, bins), hits: make([]int, bins),
		confusion: make([][]int, classes)}
	for i := range t.bins {
		t.bins[i].Lo, t.bins[i].Hi = float64(i)/float64(bins), float64(i+1)/float64(bins)
	}
	for i := range t.confusion {
		t.confusion[i] = make([]int, classes)
	}
	return t, nil
}

// binOf returns the bin of confidence c: the one with Lo < c ≤ Hi.
func (t *Tally) binOf(c float64) int {
	b := int(math.Ceil(c*float64(len(t.bins)))) - 1
	return max(0, min(b, len(t.bins)-1))
}

// Add counts one prediction. A label or predicted class outside
// [0, classes) is an error naming the sample.
func (t *Tally) Add(p *Prediction) error {
	pred := p.Predicted()
	if p.Label < 0 || p.Label >= t.classes || pred < 0 || pred >= t.classes {
		return fmt.Errorf("sample %q: label %d, predicted %d: want both in [0, %d)", p.ID, p.Label, pred, t.classes)
	}
	t.n++
	rank := p.Rank()
	hit := rank == 0
	if hit {
		t.top1++
	}
	if rank < 5 {
		t.top5++
	}
	t.nll -= math.Log(max(p.PLabel, minP))
	t.confusion[p.Label][pred]++
	c := p.Confidence()
	b := t.binOf(c)
	t.bins[b].Count++
	t.confSum[b] += c
	if hit {
		t.hits[b]++
	}
	return nil
}

// Metrics returns the figures of the predictions added so far; with none
// it is an error.
func (t *Tally) Metrics(names []string) (*Metrics, error) {
	if t.n == 0 {
		return nil, errors.New("no predictions to score")
	}
	n := float64(t.n)
	m := &Metrics{Samples: t.n, Top1: float64(t.top1) / n, Top5: float64(t.top5) / n, NLL: t.nll / n,
		Reliability: make([]Bin, len(t.bins)), Confusion: make([][]int, t.classes)}
	for i, b := range t.bins {
		if b.Count > 0 {
			b.Confidence = t.confSum[i] / float64(b.Count)
			b.Accuracy = float64(t.hits[i]) / float64(b.Count)
			m.ECE += float64(b.Count) / n * math.Abs(b.Accuracy-b.Confidence)
		}
		m.Reliability[i] = b
	}
	for c, row := range t.confusion {
		m.Confusion[c] = append([]int(nil), row...)
		ca := ClassAccuracy{Class: c}
		if c < len(names) {
			ca.Name = names[c]
		}
		for _, v := range row {
			ca.Count += v
		}
		if ca.Count > 0 {
			ca.Accuracy = float64(row[c]) / float64(ca.Count)
		}
		m.PerClass = append(m.PerClass, ca)
	}
	return m, nil
}

// Score returns the Metrics of preds: a Tally of them all.
func Score(preds []Prediction, classes, bins int, names []string) (*Metrics, error) {
	t, err := NewTally(classes, bins)
	if err != nil {
		return nil, err
	}
	for i := range preds {
		if err := t.Add(&preds[i]); err != nil {
			return nil, err
		}
	}
	return t.Metrics(names)
}
