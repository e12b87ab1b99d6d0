package trainer

import (
	"context"
	"github.com/supcon/supcon/loss"
	"testing"
)

// BenchmarkTrainStep times full training steps (forward, SupCon loss and
// gradient, backward, SGD) on synthetic input; views/s is the figure to read
// (ns/op includes building the graph once). Compare with PyTorch on this
// machine's CPU for cnn-small 28×28×1, 128 images × 2 views: 539 views/s on
// 1 thread, 919 on 2 (-cpu 1,2).
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []BenchConfig{
		{Model: "cnn-small", Size: 28, Channels: 1, Batch: 128, Views: 2},
		{Model: "resnet-small", Size: 32, Channels: 3, Batch: 64, Views: 2},
		{Model: "mlp", Size: 28, Channels: 1, Batch: 128, Views: 2},
	} {
		b.Run(c.Model, func(b *testing.B) {
			c.Classes, c.Loss, c.Steps, c.Warmup, c.Seed = 10, loss.SupConOut, b.N, 1, 1
			r, err := Bench(context.Background(), c)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.ViewsPerSec, "views/s")
			b.ReportMetric(float64(r.StepTime.Microseconds())/1000, "ms/step")
		})
	}
}

func TestBenchReportsParts(t *testing.T) {
	r, err := Bench(context.Background(), BenchConfig{Model: "cnn-small", Size: 8, Channels: 1, Batch: 4, Views: 2,
		Classes: 2, Loss: loss.SupConOut, Steps: 2, Warmup: 1})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	share := 0.0
	for _, p := range r.Parts {
		kinds[p.Kind] = true
		share += p.Share
	}
	for _, k := range []string{"conv", "conv.grad", "conv.dw", "bn", "bn.grad", "pool", "loss", "optimizer"} {
		if !kinds[k] {
			t.Errorf("no %s in the breakdown %v", k, r.Parts)
		}
	}
	if r.ViewsPerSec <= 0 || share < 0.99 || share > 1.01 {
		t.Fatalf("views/s %v, shares sum to %v", r.ViewsPerSec, share)
	}
	if _, err := Bench(context.Background(), BenchConfig{Model: "cnn-small", Size: 8, Channels: 1, Batch: 0, Views: 2, Steps: 1, Loss: loss.SupConOut}); err == nil {
		t.Fatal("batch 0 accepted")
	}
}
