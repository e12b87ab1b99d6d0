package run_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/supcon/supcon/trainer/run"
)

// A run directory keeps a line of metrics per step; a resumed run keeps the
// lines up to its checkpoint and writes the later ones again.
func ExampleDir_ResumeMetrics() {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "run-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	d := run.Dir(tmp)

	mw, err := d.CreateMetrics(ctx, run.MetricsFile)
	if err != nil {
		log.Fatal(err)
	}
	for step := int64(1); step <= 4; step++ {
		if err := mw.Write(run.Metric{Step: step, Loss: 5 - float64(step)/2, LR: 0.1}); err != nil {
			log.Fatal(err)
		}
	}
	if err := mw.Close(ctx); err != nil {
		log.Fatal(err)
	}

	// Resume after the checkpoint of step 2: steps 3 and 4 are dropped.
	mw, kept, err := d.ResumeMetrics(ctx, run.MetricsFile, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("kept", len(kept), "lines; last loss", kept[len(kept)-1].Loss)
	if err := mw.Write(run.Metric{Step: 3, Loss: 3.6, LR: 0.1}); err != nil {
		log.Fatal(err)
	}
	if err := mw.Close(ctx); err != nil {
		log.Fatal(err)
	}
	ms, err := run.ReadMetrics(ctx, d.Path(run.MetricsFile))
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range ms {
		fmt.Printf("step %d loss %.2f\n", m.Step, m.Loss)
	}
	// Output:
	// kept 2 lines; last loss 4
	// step 1 loss 4.50
	// step 2 loss 4.00
	// step 3 loss 3.60
}
