package input

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/supcon/supcon/loss"
)

// TestBatchPositiveMatchesLoss builds a Batch with copies by hand and checks
// that the loss, given the batch's SampleLabels and ImageKeys, computes
// SupCon over exactly the positives of Batch.PositiveMask, with every sample
// but the anchor and its copies in the contrast set: the float64 value with
// that mask agrees with loss.Compute's.
func TestBatchPositiveMatchesLoss(t *testing.T) {
	// P = 3 classes × K = 3 images × V = 2 views. Class 10 has one image
	// three times (images 0, 0, 0), class 20 two images, one doubled, and
	// class 30 three distinct images.
	rows := []Row{
		{Label: 10, Image: 0}, {Label: 10, Image: 0, Copy: 1}, {Label: 10, Image: 0, Copy: 2},
		{Label: 20, Image: 1}, {Label: 20, Image: 2}, {Label: 20, Image: 1, Copy: 1},
		{Label: 30, Image: 3}, {Label: 30, Image: 4}, {Label: 30, Image: 5},
	}
	bt := &Batch{P: 3, K: 3, V: 2, Rows: rows}
	n, b, d := bt.Size(), len(rows), 7
	keys, labels, mask := bt.ImageKeys(nil), bt.SampleLabels(nil), bt.PositiveMask(nil)
	npos := 0
	for _, p := range mask {
		if p {
			npos++
		}
	}
	// Class 10: each sample has only its other view; class 20: rows 3 and 5
	// are copies (1 + 2 positives each), row 4 has 1 + 4; class 30: 5 each.
	if want := 2 * (3*1 + 2*3 + 5 + 3*5); npos != want {
		t.Errorf("%d positive pairs, want %d", npos, want)
	}

	rng := rand.New(rand.NewPCG(2, 9))
	z := make([]float32, n*d)
	for i := range n {
		norm := 0.0
		for k := range d {
			z[i*d+k] = float32(rng.NormFloat64())
			norm += float64(z[i*d+k]) * float64(z[i*d+k])
		}
		for k := range d {
			z[i*d+k] = float32(float64(z[i*d+k]) / math.Sqrt(norm))
		}
	}
	for _, kind := range []loss.Kind{loss.SupConOut, loss.SupConIn} {
		o := loss.Options{Loss: kind, Views: bt.V, ImageKeys: keys}
		res, err := loss.Compute(nil, loss.Matrix{Rows: n, Cols: d, Data: z}, labels, o)
		if err != nil {
			t.Fatalf("%v: %v", kind, err)
		}
		want := supConWithMask(z, n, d, mask, func(i, j int) bool {
			return j != i && (i%b == j%b || rows[i%b].Image != rows[j%b].Image)
		}, kind == loss.SupConIn, loss.DefaultTemperature)
		if math.Abs(res.Value-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("%v: loss %.9g, with Batch.PositiveMask %.9g", kind, res.Value, want)
		}
	}
}

// supConWithMask is SupCon in float64 over n unit rows of z (n×d), with
// P(i) = {j : mask[i·n+j]} and A(i) = {j : inA(i, j)}: L_out, or L_in when in
// is true, averaged over the anchors that have a positive.
func supConWithMask(z []float32, n, d int, mask []bool, inA func(i, j int) bool, in bool, tau float64) float64 {
	dot := func(i, j int) float64 {
		s := 0.0
		for k := range d {
			s += float64(z[i*d+k]) * float64(z[j*d+k])
		}
		return s / tau
	}
	sum, anchors := 0.0, 0
	for i := range n {
		den := 0.0
		for j := range n {
			if inA(i, j) {
				den += math.Exp(dot(i, j))
			}
		}
		logDen := math.Log(den)
		var pos []float64
		for j := range n {
			if mask[i*n+j] {
				pos = append(pos, dot(i, j)-logDen)
			}
		}
		if len(pos) == 0 {
			continue
		}
		anchors++
		li := 0.0
		if in {
			for _, l := range pos {
				li += math.Exp(l) / float64(len(pos))
			}
			li = -math.Log(li)
		} else {
			for _, l := range pos {
				li -= l / float64(len(pos))
			}
		}
		sum += li
	}
	return sum / float64(anchors)
}
