package trainer

import (
	"context"
	"slices"
	"testing"

	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer/run"
	"github.com/supcon/supcon/trainer/run/tfevents"
)

// checkEventsMatchMetrics checks that TensorBoard's view of the run's
// training events is metrics.jsonl: a loss, learning rate and views/s per step.
func checkEventsMatchMetrics(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	all, err := run.ReadMetrics(ctx, run.Dir(dir).Path(run.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var ms []run.Metric
	for _, m := range all {
		if !m.IsMonitor() {
			ms = append(ms, m)
		}
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

// A Monitor runs once after each epoch, on the model as trained so far; its
// figures land in metrics.jsonl, the event files and the summary, and a run
// stopped mid-epoch and resumed records the same as one that never stopped.
func TestMonitorAfterEachEpoch(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 64, 4, 8, 2, 3)
	cfg := toyConfig(data)
	var calls []EpochEnd
	cfg.Monitor = func(ctx context.Context, e EpochEnd) (map[string]float64, error) {
		if e.Model == nil || len(e.Mean) != 1 || len(e.Data) != 1 {
			t.Errorf("monitor given %+v", e)
		}
		calls = append(calls, e)
		w := e.Model.Params.List[0].Data[0]
		return map[string]float64{"epoch_seen": float64(e.Epoch), "w0": float64(w)}, nil
	}
	monitorLines := func(dir string) (steps []int64, lines []run.Metric) {
		ms, err := run.ReadMetrics(context.Background(), run.Dir(dir).Path(run.MetricsFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.IsMonitor() {
				lines = append(lines, m)
			} else {
				steps = append(steps, m.Step)
			}
		}
		return steps, lines
	}
	whole := t.TempDir()
	sum, err := Train(context.Background(), whole, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != cfg.Epochs {
		t.Fatalf("%d monitor calls for %d epochs", len(calls), cfg.Epochs)
	}
	steps, lines := monitorLines(whole)
	for i, c := range calls {
		if c.Epoch != i || lines[i].Epoch != i || lines[i].Step != c.Step || lines[i].Monitor["epoch_seen"] != float64(i) {
			t.Errorf("epoch %d: call %+v, line %+v", i, c, lines[i])
		}
	}
	if last := lines[len(lines)-1]; last.Step != sum.Steps || sum.Monitor["w0"] != last.Monitor["w0"] {
		t.Errorf("last line %+v, summary %+v", last, sum)
	}
	checkEventsMatchMetrics(t, whole)
	tags, err := tfevents.ReadDir(context.Background(), whole)
	if err != nil {
		t.Fatal(err)
	}
	if w := tags[run.MonitorTags+"w0"]; len(w) != cfg.Epochs || w[len(w)-1].Value != float32(sum.Monitor["w0"]) {
		t.Errorf("monitor events %+v", w)
	}

	calls = nil
	parts := t.TempDir()
	for _, stop := range []int64{3, 0} { // mid-epoch, then to the end
		c := cfg
		c.StopAfter, c.Resume = stop, stop == 0
		if _, err := Train(context.Background(), parts, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	pSteps, pLines := monitorLines(parts)
	if len(calls) != cfg.Epochs || !slices.Equal(pSteps, steps) || len(pLines) != len(lines) {
		t.Fatalf("resumed: %d calls, steps %v, %d monitor lines; want %v and %d", len(calls), pSteps, len(pLines), steps, len(lines))
	}
	for i := range lines {
		if pLines[i].Step != lines[i].Step || pLines[i].Monitor["w0"] != lines[i].Monitor["w0"] {
			t.Errorf("resumed line %d: %+v, want %+v", i, pLines[i], lines[i])
		}
	}
}
