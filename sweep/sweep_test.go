package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/supcon/supcon/internal/gcstest"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards/shardstest"
)

func TestMain(m *testing.M) {
	// Beam requires Init before a pipeline is built (it also makes the test
	// binary a worker when a runner starts it as one).
	beam.Init()
	os.Exit(m.Run())
}

// tinyJob is a sweep on Squares: mlp, one epoch, P=4 × K × 2 views.
func tinyJob(t *testing.T, grid string) Job {
	t.Helper()
	tmp := t.TempDir()
	g, err := ParseGrid(grid)
	if err != nil {
		t.Fatal(err)
	}
	j := DefaultJob()
	j.Grid, j.Out = g, filepath.Join(tmp, "sweep")
	j.Base.Data = []string{shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 48, 4, 8, 2, 4)}
	j.Val = []string{shardstest.WriteSquares(t, filepath.Join(tmp, "val"), 24, 4, 8, 1, 5)}
	j.Base.Model, j.Base.Epochs, j.Base.P, j.Base.K, j.Base.Views = "mlp", 1, 4, 4, 2
	j.Linear.Epochs, j.Linear.Batch = 2, 16
	return j
}

// TestRunPrism runs a 2 × 2 × 2 sweep on prism in which the points with
// temperature 0 (a value only the trainer refuses) fail and the rest train.
func TestRunPrism(t *testing.T) {
	j := tinyJob(t, "loss=supcon-out,ce;k=2,3;temperature=0.1,0")
	res, err := Run(context.Background(), j, "prism", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 8 {
		t.Fatalf("%d points in sweep.json, want 8", len(res.Points))
	}
	for i, p := range res.Points {
		if p.Index != i {
			t.Errorf("point %d has index %d: not in grid order", i, p.Index)
		}
		failing := p.Value("temperature") == "0"
		switch {
		case failing && !strings.Contains(p.Error, "Temperature"):
			t.Errorf("point %s: error %q, want the trainer's Temperature error", p.Name, p.Error)
		case !failing && p.Failed():
			t.Errorf("point %s failed: %s", p.Name, p.Error)
		case !failing && (p.Top1 <= 0 || p.Steps == 0 || p.ValImages != 24):
			t.Errorf("point %s: top-1 %g after %d steps on %d images", p.Name, p.Top1, p.Steps, p.ValImages)
		}
		if _, err := os.Stat(filepath.Join(j.Out, PointsDir, p.Name, ResultFile)); err != nil {
			t.Errorf("point %s: %v", p.Name, err)
		}
	}
	if res.Failed() != 4 {
		t.Errorf("%d failed points, want 4", res.Failed())
	}
	if p := res.Points[0]; !strings.Contains(p.Scorer, "linear probe") || !strings.Contains(res.Points[4].Scorer, "classifier head") {
		t.Errorf("scorers %q and %q: want the probe for SupCon, the head for CE", p.Scorer, res.Points[4].Scorer)
	}
	md, err := os.ReadFile(filepath.Join(j.Out, SweepTable))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "8 points, 4 failed") {
		t.Errorf("sweep.md does not count the failures:\n%s", md)
	}
}

// TestRunPointRetry is a worker's retry: a point whose earlier attempt left
// a stray checkpoint trains afresh into the same bytes as a clean first
// attempt, and a finished point is not trained again.
func TestRunPointRetry(t *testing.T) {
	ctx := context.Background()
	j := tinyJob(t, "loss=supcon-out;k=2")
	pt := j.Grid.Points()[0]
	first, err := RunPoint(ctx, &j, pt)
	if err != nil || first.Failed() {
		t.Fatalf("first attempt: %v %+v", err, first)
	}
	ckpts, err := filepath.Glob(filepath.Join(first.Dir, "checkpoints", "*.ckpt"))
	if err != nil || len(ckpts) == 0 {
		t.Fatalf("no checkpoints in %s: %v", first.Dir, err)
	}
	want := map[string][]byte{}
	for _, f := range append(ckpts, filepath.Join(first.Dir, "linear.ckpt")) {
		if want[f], err = os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	// An attempt that died half-way: no result, a stray checkpoint.
	if err := os.Remove(filepath.Join(first.Dir, ResultFile)); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(first.Dir, "checkpoints", "step-000000001.ckpt")
	if err := os.WriteFile(stray, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := RunPoint(ctx, &j, pt)
	if err != nil || again.Failed() {
		t.Fatalf("retry: %v %+v", err, again)
	}
	for f, b := range want {
		got, err := os.ReadFile(f)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s differs after the retry (%v)", f, err)
		}
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("the stray checkpoint of the earlier attempt is still there: %v", err)
	}
	if again.Top1 != first.Top1 || again.LastLoss != first.LastLoss {
		t.Errorf("retry scored %g (loss %g), first attempt %g (loss %g)", again.Top1, again.LastLoss, first.Top1, first.LastLoss)
	}
	// Finished: the result is reused, the run left alone.
	mark := filepath.Join(first.Dir, "untouched")
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RunPoint(ctx, &j, pt); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Errorf("a finished point was trained again: %v", err)
	}
	// Other base settings: trained again.
	other := j
	other.Base.Epochs = 2
	if r, err := RunPoint(ctx, &other, pt); err != nil || r.Steps != 2*first.Steps {
		t.Errorf("with twice the epochs: %v, %d steps (first: %d)", err, r.Steps, first.Steps)
	}
	if _, err := os.Stat(mark); !os.IsNotExist(err) {
		t.Errorf("a point with other base settings was not trained afresh: %v", err)
	}
	// Failed (say, storage that flaked inside training): tried again.
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	failed := *first
	failed.Error = "training: reading a shard: connection reset"
	b, err := json.Marshal(failed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(first.Dir, ResultFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	third, err := RunPoint(ctx, &j, pt)
	if err != nil || third.Failed() || third.Top1 != first.Top1 {
		t.Errorf("a point that had failed, run again: %v %+v", err, third)
	}
	if _, err := os.Stat(mark); !os.IsNotExist(err) {
		t.Errorf("the failed point's folder was not cleared: %v", err)
	}
}

// TestRunOnGCS writes the sweep to gs:// (the in-process fake GCS server),
// as on Dataflow, and reruns it: the finished points are reused.
func TestRunOnGCS(t *testing.T) {
	ctx := context.Background()
	j := tinyJob(t, "loss=supcon-out,ce")
	j.Out = "gs://" + gcstest.Start(t) + "/sweeps/s1"
	j.Parallel = 0 // as prism hands them
	res, err := Run(ctx, j, "prism", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 2 || res.Failed() != 0 {
		t.Fatalf("%d points, %d failed: %+v", len(res.Points), res.Failed(), res.Points)
	}
	for _, f := range []string{SweepTable, "points/000_loss-supcon-out/linear.ckpt", "points/001_loss-ce/eval/report.json"} {
		if _, err := storage.For(j.Out).Stat(ctx, storage.Join(j.Out, f)); err != nil {
			t.Error(err)
		}
	}
	again, err := Run(ctx, j, "prism", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again.Points {
		if a, b := again.Points[i], res.Points[i]; a.Seconds != b.Seconds || a.Top1 != b.Top1 {
			t.Errorf("point %s was trained again (%g s, top-1 %g; first %g s, %g)", a.Name, a.Seconds, a.Top1, b.Seconds, b.Top1)
		}
	}
}
