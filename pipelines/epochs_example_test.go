package pipelines_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/pipelines"
	"github.com/supcon/supcon/shards/ahead"
)

// Produce two augmentation epochs ahead of a trainer, one bounded job and
// one dataset per epoch. With no trainer reading yet, Ahead 2 lets both be
// made at once.
func ExampleRunEpochs() {
	ctx := context.Background()
	out, _ := os.MkdirTemp("", "augment")
	defer os.RemoveAll(out)
	cfg := pipelines.Config{
		Input: "testdata/tree", Output: filepath.Join(out, "train"),
		Policy: "autoaugment:imagenet", Views: 2, Epochs: 2, Shards: 2,
		Size: 32, Channels: 3, Format: "png", Seed: 7,
	}
	if err := pipelines.ResolveLabels(ctx, &cfg, ""); err != nil {
		log.Fatal(err)
	}
	sums, err := pipelines.RunEpochs(ctx, cfg, "prism", pipelines.EpochOptions{Ahead: 2, Keep: -1}, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sums {
		fmt.Println("epoch", s.Epoch, filepath.Base(ahead.EpochPrefix(cfg.Output, s.Epoch)), s.Records, "records in", s.Shards, "shards")
	}
	ix, err := ahead.ReadIndex(ctx, cfg.Output)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("index: %+v\n", *ix)
	// Output:
	// epoch 0 train.epoch-00000 6 records in 2 shards
	// epoch 1 train.epoch-00001 6 records in 2 shards
	// index: {Epochs:2 Done:2 Deleted:0}
}
