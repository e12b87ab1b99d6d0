package sweep

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

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
