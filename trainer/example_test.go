package trainer_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer"
)

// writeDataset writes a toy dataset of 4 classes of 8×8 gray images (a
// bright square whose place depends on the class, on noise) with the
// shards/shardstest fixture, and returns its manifest's path.
func writeDataset(prefix string, images, views int, seed uint64) string {
	records, classes := shardstest.Squares(images, 4, 8, views, seed)
	manifest, err := shardstest.SquaresDataset(prefix, classes, 8, views).Write(context.Background(), records)
	if err != nil {
		log.Fatal(err)
	}
	return manifest
}

// Pre-train cnn-small with SupCon on a toy dataset (package evaluate's
// example goes on to the linear evaluation).
func Example() {
	dir, _ := os.MkdirTemp("", "supcon-trainer")
	defer os.RemoveAll(dir)
	train := writeDataset(filepath.Join(dir, "train"), 64, 2, 1)

	cfg := trainer.DefaultConfig()
	cfg.Data = []string{train}
	cfg.P, cfg.K, cfg.Views, cfg.Epochs, cfg.LR = 4, 4, 2, 4, 0.05
	run := filepath.Join(dir, "run")
	sum, err := trainer.Train(context.Background(), run, cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d steps in %d epochs, last checkpoint %s\n", sum.Steps, sum.Epochs, filepath.Base(sum.Checkpoint))

	// Output:
	// 16 steps in 4 epochs, last checkpoint step-000000016.ckpt
}
