package pipelines

import (
	"context"
	"fmt"
	"testing"
)

// MeasureStages times every good image of the tree (bad ones set aside) in
// the pipeline's stages, then the whole pipeline.
func TestMeasureStages(t *testing.T) {
	ctx := context.Background()
	cfg := treeConfig(t, "unused")
	src, err := ParseSource(cfg.Input, cfg.Split)
	if err != nil {
		t.Fatal(err)
	}
	units, err := src.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, runner := range []string{"", "direct"} {
		rep, err := MeasureStages(ctx, cfg, runner, t.TempDir())
		if err != nil {
			t.Fatalf("runner %q: %v", runner, err)
		}
		good := len(units) - len(wantRejected)
		if rep.Images != good || rep.Views != good*cfg.Views*cfg.Epochs {
			t.Errorf("runner %q: %d images, %d views; want %d, %d", runner, rep.Images, rep.Views, good, good*cfg.Views*cfg.Epochs)
		}
		var names []string
		for _, s := range rep.Stages {
			names = append(names, s.Name)
			if s.CPU < 0 || s.Wall < 0 {
				t.Errorf("stage %s: negative cost %+v", s.Name, s.Cost)
			}
		}
		if got := fmt.Sprint(names); got != "[read decode augment encode record+write]" {
			t.Errorf("stages %s", got)
		}
		if rep.RunnerName != runner {
			t.Errorf("runner %q reported as %q", runner, rep.RunnerName)
		}
		if runner != "" && (rep.Total.Wall <= 0 || rep.Runner.Wall != rep.Total.Wall-rep.Sum().Wall) {
			t.Errorf("runner %q: total %+v, runner %+v, stages %+v", runner, rep.Total, rep.Runner, rep.Sum())
		}
	}
}

// An empty source is an error, not a report of nothing.
func TestMeasureStagesNoImage(t *testing.T) {
	cfg := treeConfig(t, "unused")
	cfg.Input = t.TempDir()
	if _, err := MeasureStages(context.Background(), cfg, "", t.TempDir()); err == nil {
		t.Error("no error for a folder with no image")
	}
}
