package loss

import (
	"fmt"
	"testing"
)

// BenchmarkSupConOut measures forward+backward of SupCon L_out, d = 128,
// V = 2, 10 classes, with a reused Workspace (the steady state of training):
// ms/op and B/op are the figures reported for the targets.
func BenchmarkSupConOut(b *testing.B) {
	for _, m := range []int{512, 2048, 4096, 16384} {
		b.Run(fmt.Sprintf("M=%d/d=128", m), func(b *testing.B) {
			benchLoss(b, Options{Loss: SupConOut, Views: 2}, m, 128)
		})
	}
}

// BenchmarkSupConOutFreshWorkspace allocates every buffer in each call: its
// B/op is the whole working memory of a call besides the caller's features
// and gradient (O(M·d + M·blockRows·workers), never M×M).
func BenchmarkSupConOutFreshWorkspace(b *testing.B) {
	for _, m := range []int{4096, 16384} {
		b.Run(fmt.Sprintf("M=%d/d=128", m), func(b *testing.B) {
			p := newProblem(1, m/2, 2, 128, 10, true)
			z := Matrix{Rows: m, Cols: 128, Data: p.w32}
			g := Matrix{Rows: m, Cols: 128, Data: make([]float32, m*128)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compute(&g, z, p.labels, Options{Views: 2}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}

// BenchmarkLosses measures the other losses at M = 2048, d = 128.
func BenchmarkLosses(b *testing.B) {
	for _, o := range []Options{
		{Loss: SupConIn, Views: 2},
		{Loss: SimCLR, Views: 2},
		{Loss: NPairs, Views: 2},
		{Loss: Triplet, Views: 2},
		{Loss: Triplet, Views: 2, Mining: BatchHard},
		{Loss: SupConOut, Views: 2, Normalize: true},
	} {
		b.Run(fmt.Sprintf("%v/mining=%v/norm=%v/M=2048", o.Loss, o.Mining, o.Normalize), func(b *testing.B) {
			benchLoss(b, o, 2048, 128)
		})
	}
}

func benchLoss(b *testing.B, o Options, m, d int) {
	p := newProblem(1, m/2, 2, d, 10, true)
	z := Matrix{Rows: m, Cols: d, Data: p.w32}
	g := Matrix{Rows: m, Cols: d, Data: make([]float32, m*d)}
	var ws Workspace
	if _, err := ws.Compute(&g, z, p.labels, o); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ws.Compute(&g, z, p.labels, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}

// BenchmarkImageKeys measures SupCon L_out with image keys, one image in
// eight of the batch a copy of another, against BenchmarkSupConOut's sizes.
func BenchmarkImageKeys(b *testing.B) {
	for _, m := range []int{2048, 4096} {
		b.Run(fmt.Sprintf("M=%d/d=128", m), func(b *testing.B) {
			p := newProblem(1, m/2, 2, 128, 10, true)
			var src, dup []int
			for k := 0; k < m/2; k += 8 {
				src, dup = append(src, k), append(dup, k+1)
			}
			o := Options{Loss: SupConOut, Views: 2, ImageKeys: withCopies(&p, 2, src, dup)}
			z := Matrix{Rows: m, Cols: 128, Data: p.w32}
			g := Matrix{Rows: m, Cols: 128, Data: make([]float32, m*128)}
			var ws Workspace
			if _, err := ws.Compute(&g, z, p.labels, o); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := ws.Compute(&g, z, p.labels, o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}
