package trainer

import (
	"context"
	"testing"

	"github.com/supcon/supcon/trainer/run"
	"github.com/supcon/supcon/trainer/run/tfevents"
)

// checkEventsMatchMetrics checks that TensorBoard's view of the run's
// training events is metrics.jsonl: a loss, learning rate and views/s per step.
func checkEventsMatchMetrics(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	ms, err := run.ReadMetrics(ctx, run.Dir(dir).Path(run.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	tags, err := tfevents.ReadDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	loss, lr, vps := tags[run.TrainTags+"loss"], tags[run.TrainTags+"learning_rate"], tags[run.TrainTags+"views_per_sec"]
	if len(loss) != len(ms) || len(lr) != len(ms) || len(vps) != len(ms) {
		t.Fatalf("events hold %d losses, %d rates, %d speeds for %d metrics lines", len(loss), len(lr), len(vps), len(ms))
	}
	for i, m := range ms {
		if loss[i].Step != m.Step || loss[i].Value != float32(m.Loss) || lr[i].Value != float32(m.LR) || !(vps[i].Value > 0) {
			t.Errorf("step %d: events loss %v lr %v views/s %v, metrics %+v", m.Step, loss[i], lr[i], vps[i], m)
		}
	}
}
