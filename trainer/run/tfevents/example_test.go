package tfevents_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/supcon/supcon/trainer/run/tfevents"
)

// A run writes an event file that `tensorboard --logdir DIR` plots.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)
	clock := func() time.Time { return time.Unix(1700000000, 0) }
	w, err := tfevents.Create(ctx, dir, tfevents.Options{Host: "box", Now: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	for step := int64(1); step <= 2; step++ {
		w.Scalars(step, tfevents.Value{Tag: "train/loss", Value: 1 / float32(step)})
	}
	if err := w.Close(ctx); err != nil {
		fmt.Println(err)
		return
	}
	events, _ := tfevents.ReadFile(ctx, w.Path())
	fmt.Println(filepath.Base(w.Path()))
	for _, e := range events {
		fmt.Println(e.Step, e.FileVersion, e.Summary)
	}
	// Output:
	// events.out.tfevents.1700000000.box
	// 0 brain.Event:2 []
	// 1  [{train/loss 1}]
	// 2  [{train/loss 0.5}]
}
