package pipelines_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/pipelines"
)

// Turn a folder tree of photographs (one sub-folder per class, some broken
// files among them) into two shards of multiview records on prism.
func ExampleRun() {
	ctx := context.Background()
	out, _ := os.MkdirTemp("", "augment")
	defer os.RemoveAll(out)
	cfg := pipelines.Config{
		Input: "testdata/tree", Output: filepath.Join(out, "train"),
		Policy: "autoaugment:imagenet", Views: 2, Epochs: 1, Shards: 2,
		Size: 32, Channels: 3, Format: "png", Seed: 7, Compression: "gzip",
	}
	if err := pipelines.ResolveLabels(ctx, &cfg, ""); err != nil {
		log.Fatal(err)
	}
	sum, err := pipelines.Run(ctx, cfg, "prism", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("classes:", cfg.Labels)
	fmt.Println("images:", sum.Images, "views:", sum.Views, "rejected:", sum.Rejected)
	for _, s := range sum.Manifest.Shards {
		fmt.Println(s.Name, s.Records, "records")
	}
	// Output:
	// classes: [cat cup space]
	// images: 6 views: 12 rejected: 4
	// train-00000-of-00002.tfrecord.gz 1 records
	// train-00001-of-00002.tfrecord.gz 5 records
}
