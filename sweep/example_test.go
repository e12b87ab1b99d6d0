package sweep_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/sweep"
)

// A grid of two losses and two optimisers is four points, the first setting
// varying slowest.
func ExampleParseGrid() {
	g, err := sweep.ParseGrid("loss=supcon-out,ce;optimizer=sgd,lars")
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range g.Points() {
		fmt.Println(p.Name)
	}
	// Output:
	// 000_loss-supcon-out_optimizer-sgd
	// 001_loss-supcon-out_optimizer-lars
	// 002_loss-ce_optimizer-sgd
	// 003_loss-ce_optimizer-lars
}

// Sweep SupCon and cross-entropy on a toy dataset on prism, then read the
// stability table of the result.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "sweep")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	write := func(name string, n, views int, seed uint64) string {
		records, classes := shardstest.Squares(n, 4, 8, views, seed)
		m, err := shardstest.SquaresDataset(filepath.Join(dir, name), classes, 8, views).Write(ctx, records)
		if err != nil {
			log.Fatal(err)
		}
		return m
	}
	job := sweep.DefaultJob()
	job.Base.Data, job.Val = []string{write("train", 48, 2, 4)}, []string{write("val", 24, 1, 5)}
	job.Base.Model, job.Base.Epochs, job.Base.P, job.Base.K = "mlp", 1, 4, 4
	job.Linear.Epochs, job.Linear.Batch = 2, 16
	job.Out = filepath.Join(dir, "out")
	if job.Grid, err = sweep.ParseGrid("loss=supcon-out,ce;lr=0.05,0.1"); err != nil {
		log.Fatal(err)
	}
	res, err := sweep.Run(ctx, job, "prism", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Points), "points,", res.Failed(), "failed")
	s := sweep.NewStability(res)
	fmt.Println(s.Panels[0].Key, s.Panels[0].Values, s.Panels[0].Losses)
	// Output:
	// 4 points, 0 failed
	// lr [0.05 0.1] [supcon-out ce]
}
