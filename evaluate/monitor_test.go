package evaluate

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/run"
)

// With --monitor, training records kNN top-1 on the validation data after
// every epoch, and trains exactly as without it: running the encoder on
// other data between epochs changes nothing of the training.
func TestKNNMonitor(t *testing.T) {
	tmp := t.TempDir()
	data := shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 64, 4, 8, 2, 4)
	val := shardstest.WriteSquares(t, filepath.Join(tmp, "val"), 32, 4, 8, 1, 5)
	cfg := toyConfig(data)
	cfg.Epochs = 3
	plain := filepath.Join(tmp, "plain")
	if _, err := trainer.Train(context.Background(), plain, cfg, nil); err != nil {
		t.Fatal(err)
	}
	cfg.Monitor = KNNMonitor(MonitorConfig{Val: []string{val}, KNN: MajorityKNNConfig(5), Batch: 16})
	watched := filepath.Join(tmp, "watched")
	sum, err := trainer.Train(context.Background(), watched, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	read := func(dir string) (losses []float64, knn []float64) {
		ms, err := run.ReadMetrics(context.Background(), filepath.Join(dir, run.MetricsFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.IsMonitor() {
				knn = append(knn, m.Monitor["knn_top1"])
			} else {
				losses = append(losses, m.Loss)
			}
		}
		return losses, knn
	}
	wantLoss, none := read(plain)
	gotLoss, knn := read(watched)
	if len(none) != 0 || !slices.Equal(gotLoss, wantLoss) {
		t.Fatalf("the monitored run's losses differ:\n%v\n%v", gotLoss, wantLoss)
	}
	if len(knn) != cfg.Epochs {
		t.Fatalf("%d kNN figures for %d epochs", len(knn), cfg.Epochs)
	}
	for _, a := range knn {
		// 32 images: accuracy is a multiple of 1/32.
		if a < 0 || a > 1 || a*32 != float64(int(a*32)) {
			t.Errorf("kNN top-1 %v", a)
		}
	}
	if sum.Monitor["knn_top1"] != knn[len(knn)-1] {
		t.Errorf("summary %v, last line %v", sum.Monitor, knn[len(knn)-1])
	}
	t.Logf("kNN top-1 by epoch: %v", knn)
}
