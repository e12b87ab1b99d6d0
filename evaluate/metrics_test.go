package evaluate

import (
	"math"
	"slices"
	"testing"
)

// Ties are resolved against the label: a label tied with another class is
// listed after it, so it is not top-1; a constant output is right nowhere.
func TestPredictionTies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		probs []float64
		label int
		order []int
		rank  int
	}{
		{"label tied first", []float64{0.4, 0.4, 0.2}, 0, []int{1, 0, 2}, 1},
		{"other tied first", []float64{0.4, 0.4, 0.2}, 1, []int{0, 1, 2}, 1},
		{"clear winner", []float64{0.1, 0.7, 0.2}, 1, []int{1, 2, 0}, 0},
		{"constant output, label last of 6", []float64{1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6}, 3, []int{0, 1, 2, 4, 5}, TopK},
		{"fifth of 6", []float64{0.3, 0.25, 0.2, 0.15, 0.07, 0.03}, 4, []int{0, 1, 2, 3, 4}, 4},
		{"tied for fifth with a sixth", []float64{0.3, 0.25, 0.2, 0.15, 0.05, 0.05}, 4, []int{0, 1, 2, 3, 5}, TopK},
		{"NaN output", []float64{math.NaN(), math.NaN()}, 0, []int{1, 0}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPrediction("x", tc.label, tc.probs)
			var got []int
			for _, c := range p.Top {
				got = append(got, c.Class)
			}
			if !slices.Equal(got, tc.order) || p.Rank() != tc.rank {
				t.Fatalf("listed %v rank %d, want %v rank %d", got, p.Rank(), tc.order, tc.rank)
			}
		})
	}
}

// pred makes a prediction of two classes with confidence c for class
// `predicted`.
func pred(label, predicted int, c float64) Prediction {
	probs := []float64{1 - c, 1 - c}
	probs[predicted] = c
	return NewPrediction("s", label, probs)
}

func TestMetricsHandWorked(t *testing.T) {
	const eps = 1e-12
	t.Run("ECE with empty bins", func(t *testing.T) {
		// 10 bins. Two at confidence 0.95, one right: bin (0.9,1], gap 0.45.
		// Two at 0.6 (the top of bin (0.5,0.6]), both right: gap 0.4.
		// ECE = 0.5·0.45 + 0.5·0.4 = 0.425; the other 8 bins are empty.
		preds := []Prediction{pred(0, 0, 0.95), pred(1, 0, 0.95), pred(0, 0, 0.6), pred(1, 1, 0.6)}
		m, err := Score(preds, 2, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(m.ECE-0.425) > eps {
			t.Fatalf("ECE %v, want 0.425", m.ECE)
		}
		for i, b := range m.Reliability {
			want := Bin{Lo: float64(i) / 10, Hi: float64(i+1) / 10}
			switch i {
			case 5:
				want.Count, want.Confidence, want.Accuracy = 2, 0.6, 1
			case 9:
				want.Count, want.Confidence, want.Accuracy = 2, 0.95, 0.5
			}
			if b.Count != want.Count || math.Abs(b.Confidence-want.Confidence) > eps || b.Accuracy != want.Accuracy ||
				math.Abs(b.Lo-want.Lo) > eps || math.Abs(b.Hi-want.Hi) > eps {
				t.Fatalf("bin %d: %+v, want %+v", i, b, want)
			}
		}
		if m.Top1 != 0.75 || m.Top5 != 1 {
			t.Fatalf("top-1 %v top-5 %v, want 0.75, 1", m.Top1, m.Top5)
		}
		// NLL: −(ln 0.95 + ln 0.05 + 2 ln 0.6)/4.
		if want := -(math.Log(0.95) + math.Log(0.05) + 2*math.Log(0.6)) / 4; math.Abs(m.NLL-want) > eps {
			t.Fatalf("NLL %v, want %v", m.NLL, want)
		}
	})
	t.Run("perfectly calibrated", func(t *testing.T) {
		// 5 at confidence 0.8 with 4 right, 5 at 0.6 with 3 right, 2 at 1
		// both right: every bin's accuracy is its confidence.
		var preds []Prediction
		for i := 0; i < 5; i++ {
			preds = append(preds, pred(b2i(i < 4), 1, 0.8), pred(b2i(i < 3), 1, 0.6))
		}
		preds = append(preds, pred(0, 0, 1), pred(1, 1, 1))
		m, err := Score(preds, 2, DefaultBins, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.ECE > eps {
			t.Fatalf("ECE %v, want 0", m.ECE)
		}
		if m.Top1 != 9./12 {
			t.Fatalf("top-1 %v, want 9/12", m.Top1)
		}
	})
	t.Run("confusion and per class", func(t *testing.T) {
		// 3 classes: labels 0,0,1,2,2,2 predicted 0,1,1,2,0,2.
		var preds []Prediction
		for _, lp := range [][2]int{{0, 0}, {0, 1}, {1, 1}, {2, 2}, {2, 0}, {2, 2}} {
			probs := []float64{0.2, 0.2, 0.2}
			probs[lp[1]] = 0.6
			preds = append(preds, NewPrediction("s", lp[0], probs))
		}
		m, err := Score(preds, 3, DefaultBins, []string{"a", "b", "c"})
		if err != nil {
			t.Fatal(err)
		}
		want := [][]int{{1, 1, 0}, {0, 1, 0}, {1, 0, 2}}
		for i := range want {
			if !slices.Equal(m.Confusion[i], want[i]) {
				t.Fatalf("confusion %v, want %v", m.Confusion, want)
			}
		}
		wantPC := []ClassAccuracy{{0, "a", 2, 0.5}, {1, "b", 1, 1}, {2, "c", 3, 2. / 3}}
		if !slices.Equal(m.PerClass, wantPC) {
			t.Fatalf("per class %v, want %v", m.PerClass, wantPC)
		}
	})
	t.Run("errors", func(t *testing.T) {
		if _, err := Score(nil, 2, 15, nil); err == nil {
			t.Fatal("no predictions scored")
		}
		if _, err := Score([]Prediction{pred(0, 0, 0.9)}, 2, 0, nil); err == nil {
			t.Fatal("0 bins accepted")
		}
		if _, err := Score([]Prediction{NewPrediction("s", 3, []float64{0.5, 0.5})}, 2, 15, nil); err == nil {
			t.Fatal("label out of range accepted")
		}
	})
}

func TestSoftmax(t *testing.T) {
	got := make([]float64, 3)
	Softmax(got, []float32{0, float32(math.Log(2)), 1000})
	if math.Abs(got[2]-1) > 1e-12 || got[0] > 1e-300 {
		t.Fatalf("softmax %v", got)
	}
	Softmax(got, []float32{0, float32(math.Log(3)), 0})
	if math.Abs(got[1]-0.6) > 1e-6 || math.Abs(got[0]-0.2) > 1e-6 {
		t.Fatalf("softmax %v, want 0.2 0.6 0.2", got)
	}
}
