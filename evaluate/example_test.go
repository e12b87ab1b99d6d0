package evaluate_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/evaluate"
	"github.com/supcon/supcon/loss"
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

// Pre-train cnn-small with SupCon on a toy dataset, then evaluate it with a
// linear classifier on its frozen features.
func ExampleLinear() {
	dir, _ := os.MkdirTemp("", "supcon-evaluate")
	defer os.RemoveAll(dir)
	train := writeDataset(filepath.Join(dir, "train"), 64, 2, 1)
	val := writeDataset(filepath.Join(dir, "val"), 32, 1, 2)

	cfg := trainer.DefaultConfig()
	cfg.Data = []string{train}
	cfg.P, cfg.K, cfg.Views, cfg.Epochs, cfg.LR = 4, 4, 2, 4, 0.05
	run := filepath.Join(dir, "run")
	sum, err := trainer.Train(context.Background(), run, cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d steps in %d epochs, last checkpoint %s\n", sum.Steps, sum.Epochs, filepath.Base(sum.Checkpoint))

	lc := evaluate.DefaultLinearConfig()
	lc.Data, lc.Val, lc.Batch = []string{train}, []string{val}, 32
	rep, err := evaluate.Linear(context.Background(), run, lc, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("linear classifier on %d-d features of %d images; val top-1 above chance: %v\n",
		rep.FeatureDim, rep.TrainImages, rep.ValTop1 > 0.5)
	// Output:
	// 16 steps in 4 epochs, last checkpoint step-000000016.ckpt
	// linear classifier on 128-d features of 64 images; val top-1 above chance: true
}

// Classify test features by their nearest training features: 200
// neighbours voting exp(s/0.07), the convention of instance discrimination.
func ExampleKNN() {
	train := &evaluate.FeatureSet{Dim: 2, Labels: []int{0, 0, 1, 1},
		X: []float32{1, 0, 0.9, 0.2, 0, 1, 0.1, 0.9}}
	test := &evaluate.FeatureSet{Dim: 2, Labels: []int{0, 1}, X: []float32{2, 0.5, 0.3, 3}}
	res, err := evaluate.KNN(context.Background(), train, test, evaluate.DefaultKNNConfig())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v: top-1 %.2f, predicted %d and %d\n", res.Config, res.Top1,
		res.Predictions[0].Predicted(), res.Predictions[1].Predicted())
	// Output:
	// kNN k=200 T=0.07: top-1 1.00, predicted 0 and 1
}

// Score a cross-entropy run on clean test data and under one corruption at
// two severities; the reports land in the output folder.
func ExampleEval() {
	dir, _ := os.MkdirTemp("", "supcon-eval")
	defer os.RemoveAll(dir)
	train := writeDataset(filepath.Join(dir, "train"), 32, 2, 1)
	test := writeDataset(filepath.Join(dir, "test"), 16, 1, 2)

	cfg := trainer.DefaultConfig()
	cfg.Data = []string{train}
	cfg.Model, cfg.Loss, cfg.P, cfg.K, cfg.Views, cfg.Epochs = "mlp", loss.CrossEntropy, 4, 4, 2, 1
	run := filepath.Join(dir, "run")
	if _, err := trainer.Train(context.Background(), run, cfg, nil); err != nil {
		log.Fatal(err)
	}

	ec := evaluate.DefaultEvalConfig()
	ec.Test, ec.Batch = []string{test}, 8
	ec.Corruptions, ec.Severities = []string{"contrast"}, []int{1, 5}
	out := filepath.Join(dir, "eval")
	rep, err := evaluate.Eval(context.Background(), run, out, ec, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d test images, %d scored\n", rep.Scorer, rep.TestImages, rep.Evaluated)
	for _, row := range rep.SummaryTable()[:1] {
		fmt.Println(row)
	}
	for _, name := range []string{evaluate.ReportJSON, evaluate.ReportMarkdown, evaluate.ReportHTML, evaluate.PredictionsFile} {
		_, err := os.Stat(filepath.Join(out, name))
		fmt.Println(name, err == nil)
	}
	// Output:
	// classifier head (cross-entropy run): 16 test images, 48 scored
	// [ Test 1 5]
	// report.json true
	// report.md true
	// report.html true
	// predictions.jsonl true
}
