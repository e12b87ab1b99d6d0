package pipelines_test

import (
	"context"
	"fmt"
	"log"

	"github.com/supcon/supcon/pipelines"
	"github.com/supcon/supcon/shards"
)

// MeasureStages gives the augment pipeline's cost per image, stage by
// stage, and the whole pipeline's on prism ("supcon bench pipeline").
func ExampleMeasureStages() {
	cfg := pipelines.Config{Input: "testdata/tree", Policy: "autoaugment:v0", Views: 2, Epochs: 1, Shards: 2,
		Size: 32, Channels: 3, Format: shards.FormatJPEG, Quality: 95}
	rep, err := pipelines.MeasureStages(context.Background(), cfg, "prism", "")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range rep.Stages {
		fmt.Printf("%s: %v CPU per image\n", s.Name, s.Per(rep.Images).CPU)
	}
	fmt.Printf("runner: %v CPU per image\n", rep.Runner.Per(rep.Images).CPU)
}
