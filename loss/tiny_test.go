package loss

import (
	"math"
	"testing"
)

// TestHandComputed checks tiny cases worked out by hand.
func TestHandComputed(t *testing.T) {
	e := math.E
	lpe := math.Log(1 + 1/e) // -log(e/(e+1)) = 0.31326168751822286
	r := 1 / (e + 1)
	for _, tc := range []struct {
		name      string
		rows, d   int
		z         []float32
		labels    []int
		o         Options
		value     float64
		counted   int
		without   int
		grad      []float64 // nil: not checked
		zeroGrad  bool
		noPositve bool
		tol       float64 // 0: 1e-6
	}{
		{
			name: "supcon-out: two positives, one singleton", rows: 3, d: 2,
			z: []float32{1, 0, 1, 0, 0, 1}, labels: []int{0, 0, 1},
			o:     Options{Temperature: 1},
			value: lpe, counted: 2, without: 1,
			// H = G + Gᵀ, dZ = (1/2)·H·Z
			grad: []float64{-r, r / 2, -r, r / 2, r, 0},
		},
		{
			name: "supcon-in equals out with one positive", rows: 3, d: 2,
			z: []float32{1, 0, 1, 0, 0, 1}, labels: []int{0, 0, 1},
			o:     Options{Loss: SupConIn, Temperature: 1},
			value: lpe, counted: 2, without: 1,
			grad: []float64{-r, r / 2, -r, r / 2, r, 0},
		},
		{
			name: "base temperature scales value by tau/base", rows: 3, d: 2,
			z: []float32{1, 0, 1, 0, 0, 1}, labels: []int{0, 0, 1},
			o:     Options{Temperature: 1, BaseTemperature: 4},
			value: lpe / 4, counted: 2, without: 1,
			grad: []float64{-r / 4, r / 8, -r / 4, r / 8, r / 4, 0},
		},
		{
			name: "all equal vectors, one class: log(M-1), zero gradient", rows: 4, d: 3,
			z: []float32{0.6, 0.8, 0, 0.6, 0.8, 0, 0.6, 0.8, 0, 0.6, 0.8, 0}, labels: []int{5, 5, 5, 5},
			o: Options{Temperature: 0.01},
			// c/(n·τ) = 25 magnifies float32 rounding of P_ij = 1/3.
			value: math.Log(3), counted: 4, zeroGrad: true, tol: 1e-5,
		},
		{
			name: "npairs, mode one", rows: 4, d: 2,
			z:     []float32{1, 0, 0, 1, 1, 0, 0, 1},
			o:     Options{Loss: NPairs, Mode: ModeOne},
			value: lpe, counted: 2,
		},
		{
			name: "triplet batch-all: one active triplet", rows: 3, d: 2,
			z: []float32{0, 0, 1, 0, 0, 0.5}, labels: []int{0, 0, 1},
			o:     Options{Loss: Triplet},
			value: 0.95, counted: 2, without: 1,
			// d01 - d02: dz0 = 2(z2 - z1), dz1 = 2(z1 - z0), dz2 = 2(z0 - z2)
			grad: []float64{-2, 1, 2, 0, 0, -1},
		},
		{
			name: "triplet batch-hard: mean over anchors with both", rows: 3, d: 2,
			z: []float32{0, 0, 1, 0, 0, 0.5}, labels: []int{0, 0, 1},
			o:     Options{Loss: Triplet, Mining: BatchHard},
			value: 0.475, counted: 2, without: 1,
			grad: []float64{-1, 0.5, 1, 0, 0, -0.5},
		},
		{
			name: "cross-entropy", rows: 2, d: 2,
			z: []float32{0, 0, 1, 0}, labels: []int{0, 0},
			o:     Options{Loss: CrossEntropy},
			value: (math.Ln2 + lpe) / 2, counted: 2,
			grad: []float64{-0.25, 0.25, -r / 2, r / 2},
		},
		{
			name: "cross-entropy with label smoothing", rows: 1, d: 2,
			z: []float32{1, 0}, labels: []int{0},
			o:     Options{Loss: CrossEntropy, LabelSmoothing: 0.2},
			value: lpe + 0.1, counted: 1,
			grad: []float64{1 - r - 0.9, r - 0.1},
		},
		{
			name: "no positive pair: zero, said so", rows: 3, d: 2,
			z: []float32{1, 0, 0, 1, 0.6, 0.8}, labels: []int{0, 1, 2},
			o:     Options{},
			value: 0, counted: 0, without: 3, zeroGrad: true, noPositve: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Matrix{Rows: tc.rows, Cols: tc.d, Data: make([]float32, tc.rows*tc.d)}
			for k := range g.Data {
				g.Data[k] = 42 // Compute must overwrite, not add
			}
			res, err := Compute(&g, Matrix{Rows: tc.rows, Cols: tc.d, Data: tc.z}, tc.labels, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(res.Value-tc.value) > 1e-6 {
				t.Errorf("value %.9g, want %.9g", res.Value, tc.value)
			}
			if res.Counted != tc.counted || res.WithoutPositives != tc.without || res.NoPositivePair != tc.noPositve {
				t.Errorf("counted %d, without positives %d, no positive pair %v; want %d, %d, %v",
					res.Counted, res.WithoutPositives, res.NoPositivePair, tc.counted, tc.without, tc.noPositve)
			}
			for k, v := range g.Data {
				want := 0.0
				switch {
				case tc.grad != nil:
					want = tc.grad[k]
				case !tc.zeroGrad:
					continue
				}
				if tol := max(tc.tol, 1e-6); math.Abs(float64(v)-want) > tol {
					t.Errorf("gradient element %d = %.9g, want %.9g", k, v, want)
				}
			}
		})
	}
}
