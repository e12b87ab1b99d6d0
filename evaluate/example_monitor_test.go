package evaluate_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/evaluate"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/run"
)

// Watch a SupCon run learn: kNN top-1 on validation images after every
// epoch, then compare it with a second run of another temperature.
func ExampleKNNMonitor() {
	dir, _ := os.MkdirTemp("", "supcon-monitor")
	defer os.RemoveAll(dir)
	train := writeDataset(filepath.Join(dir, "train"), 32, 2, 1)
	val := writeDataset(filepath.Join(dir, "val"), 16, 1, 2)

	var runs []string
	for _, tau := range []float64{0.1, 0.5} {
		cfg := trainer.DefaultConfig()
		cfg.Data = []string{train}
		cfg.Model, cfg.P, cfg.K, cfg.Views, cfg.Epochs, cfg.Temperature = "mlp", 4, 4, 2, 2, tau
		cfg.Monitor = evaluate.KNNMonitor(evaluate.MonitorConfig{Val: []string{val}, KNN: evaluate.MajorityKNNConfig(5)})
		dir := filepath.Join(dir, fmt.Sprintf("tau-%g", tau))
		if _, err := trainer.Train(context.Background(), dir, cfg, nil); err != nil {
			log.Fatal(err)
		}
		ms, err := run.ReadMetrics(context.Background(), filepath.Join(dir, run.MetricsFile))
		if err != nil {
			log.Fatal(err)
		}
		for _, m := range ms {
			if m.IsMonitor() {
				fmt.Printf("τ=%g after epoch %d (step %d): kNN top-1 measured %v\n", tau, m.Epoch+1, m.Step, m.Monitor["knn_top1"] >= 0)
			}
		}
		runs = append(runs, dir)
	}

	c, err := evaluate.Compare(context.Background(), runs)
	if err != nil {
		log.Fatal(err)
	}
	titles, tables := c.Tables()
	fmt.Println(titles[0], tables[0][0][1:4], tables[0][2][:4])
	// Output:
	// τ=0.1 after epoch 1 (step 2): kNN top-1 measured true
	// τ=0.1 after epoch 2 (step 4): kNN top-1 measured true
	// τ=0.5 after epoch 1 (step 2): kNN top-1 measured true
	// τ=0.5 after epoch 2 (step 4): kNN top-1 measured true
	// Runs [loss encoder τ] [tau-0.5 supcon-out mlp 0.5]
}
