package pipelines_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/pipelines"
)

// Write corrupted copies of a small test set, two corruptions at two
// severities, as one Beam job: the datasets supcon eval --corrupted reads.
func ExampleRunAll() {
	ctx := context.Background()
	out, _ := os.MkdirTemp("", "suite")
	defer os.RemoveAll(out)
	cfg := pipelines.Config{
		Input: "testdata/tree", Output: filepath.Join(out, "val-c"),
		Views: 1, Epochs: 1, Shards: 1, Size: 32, Channels: 3, Format: "png", Crop: "center",
	}
	if err := pipelines.ResolveLabels(ctx, &cfg, ""); err != nil {
		log.Fatal(err)
	}
	suite := pipelines.CorruptionSuite(cfg, []string{"fog", "pixelate"}, []int{1, 5})
	sums, err := pipelines.RunAll(ctx, suite, "prism", nil)
	if err != nil {
		log.Fatal(err)
	}
	for i, s := range sums {
		fmt.Println(filepath.Base(suite[i].Output), s.Manifest.Policy, s.Records, "records")
	}
	// Output:
	// val-c-fog-s1 corrupt:fog,severity=1 6 records
	// val-c-fog-s5 corrupt:fog,severity=5 6 records
	// val-c-pixelate-s1 corrupt:pixelate,severity=1 6 records
	// val-c-pixelate-s5 corrupt:pixelate,severity=5 6 records
}
