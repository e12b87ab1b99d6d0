package evaluate

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer"
)

// BenchmarkEval times Eval on 256 test images of 16×16 (cnn-small, a
// probe already trained), clean and under one corruption at one severity,
// and reports images scored per second.
func BenchmarkEval(b *testing.B) {
	tmp := b.TempDir()
	data := shardstest.WriteSquares(b, filepath.Join(tmp, "train"), 64, 4, 16, 2, 4)
	test := shardstest.WriteSquares(b, filepath.Join(tmp, "test"), 256, 4, 16, 1, 5)
	dir := filepath.Join(tmp, "run")
	cfg := toyConfig(data)
	cfg.Epochs = 1
	if _, err := trainer.Train(context.Background(), dir, cfg, nil); err != nil {
		b.Fatal(err)
	}
	lc := DefaultLinearConfig()
	lc.Data, lc.Epochs, lc.Batch = []string{data}, 1, 32
	if _, err := Linear(context.Background(), dir, lc, nil); err != nil {
		b.Fatal(err)
	}
	for _, corruption := range []string{"", "gaussian_noise", "glass_blur", "fog", "jpeg_compression"} {
		name := corruption
		if name == "" {
			name = "clean"
		}
		b.Run(name, func(b *testing.B) {
			ec := DefaultEvalConfig()
			ec.Test, ec.Batch, ec.MapSamples = []string{test}, 64, 0
			if corruption != "" {
				ec.Corruptions, ec.Severities = []string{corruption}, []int{3}
			}
			var images int64
			for b.Loop() {
				rep, err := Eval(context.Background(), dir, b.TempDir(), ec, nil)
				if err != nil {
					b.Fatal(err)
				}
				images += rep.Evaluated
			}
			b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
