package shardstest_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/shardstest"
)

// Write a toy dataset of 8 images in 2 classes, 2 views each, into 2 shards,
// and read its manifest back.
func ExampleDataset_Write() {
	dir, err := os.MkdirTemp("", "shardstest")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	records, classes := shardstest.Squares(8, 2, 6, 2, 1)
	d := shardstest.Dataset{Prefix: filepath.Join(dir, "toy"), Shards: 2, Classes: classes,
		Manifest: shards.Manifest{Views: 2, Height: 6, Width: 6, Channels: 1}}
	manifest, err := d.Write(context.Background(), records)
	if err != nil {
		log.Fatal(err)
	}
	m, err := shards.ReadManifest(context.Background(), manifest)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(filepath.Base(manifest), m.Records, "records in", len(m.Shards), "shards")
	// Output: toy.manifest.json 8 records in 2 shards
}
