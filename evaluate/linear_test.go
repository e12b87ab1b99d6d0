package evaluate

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/run"
	"github.com/supcon/supcon/trainer/run/tfevents"
)

func TestLinearOnFrozenEncoder(t *testing.T) {
	tmp := t.TempDir()
	data := shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 96, 6, 8, 2, 4)
	val := shardstest.WriteSquares(t, filepath.Join(tmp, "val"), 60, 6, 8, 1, 5)
	dir := filepath.Join(tmp, "run")
	cfg := toyConfig(data)
	cfg.Epochs = 6
	if _, err := trainer.Train(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	before := finalParams(t, dir)
	lc := DefaultLinearConfig()
	lc.Data, lc.Val, lc.Batch, lc.Epochs = []string{data}, []string{val}, 32, 20
	rep, err := Linear(context.Background(), dir, lc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if rep.ValImages != 60 || rep.TrainSamples != 192 || rep.Classes != 6 {
		t.Fatalf("counted %d val images, %d train samples, %d classes", rep.ValImages, rep.TrainSamples, rep.Classes)
	}
	if rep.ValTop1 < 0.6 { // chance is 1/6
		t.Fatalf("val top-1 %.3f", rep.ValTop1)
	}
	// The encoder is frozen: linear.ckpt holds the same encoder weights.
	ck, err := run.ReadCheckpoint(context.Background(), filepath.Join(dir, run.LinearFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ck.Model.Params.List {
		if w, ok := before[p.Name]; ok {
			for i := range w {
				if w[i] != p.Data[i] {
					t.Fatalf("encoder tensor %s changed during linear evaluation", p.Name)
				}
			}
		} else if p.Name != "classifier.w" && p.Name != "classifier.b" {
			t.Fatalf("unexpected tensor %s", p.Name)
		}
	}
	for _, f := range []string{run.LinearResult, run.LinearMetrics} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	checkProbeEvents(t, dir, rep)
}

// checkProbeEvents checks that the probe's event files, as TensorBoard reads
// them, hold linear-metrics.jsonl's losses and the report's accuracies.
func checkProbeEvents(t *testing.T, dir string, rep *LinearReport) {
	t.Helper()
	ctx := context.Background()
	ms, err := run.ReadMetrics(ctx, filepath.Join(dir, run.LinearMetrics))
	if err != nil {
		t.Fatal(err)
	}
	tags, err := tfevents.ReadDir(ctx, filepath.Join(dir, run.LinearEventsDir))
	if err != nil {
		t.Fatal(err)
	}
	loss := tags[run.LinearTags+"loss"]
	if len(loss) != len(ms) {
		t.Fatalf("%d losses in the events, %d metrics lines", len(loss), len(ms))
	}
	for i, m := range ms {
		if loss[i].Step != m.Step || loss[i].Value != float32(m.Loss) {
			t.Errorf("step %d: events %+v, metrics %+v", m.Step, loss[i], m)
		}
	}
	for tag, want := range map[string]float64{"train_top1": rep.TrainTop1, "val_top1": rep.ValTop1, "val_top5": rep.ValTop5} {
		got := tags[run.LinearTags+tag]
		if len(got) != 1 || got[0].Step != rep.Steps || got[0].Value != float32(want) {
			t.Errorf("%s: %+v, want %v at step %d", tag, got, want, rep.Steps)
		}
	}
}
