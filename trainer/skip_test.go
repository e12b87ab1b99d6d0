package trainer

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer/run"
)

// Damage skipped under Corrupt "skip" is counted in the summary (and
// summary.json) and in the metrics lines of the steps that met it, the same
// for a run that stopped and resumed as for one that did not; a clean run's
// lines carry none of it.
func TestSkippedDamageIsReported(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 64, 4, 8, 2, 11)
	damaged := t.TempDir()
	for _, f := range []string{"toy.manifest.json", "toy.labels.txt"} {
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(data), f)); err == nil {
			os.WriteFile(filepath.Join(damaged, f), b, 0o644)
		}
	}
	var shard string
	for i := 0; i < 4; i++ {
		name := shards.ShardPath(filepath.Join(filepath.Dir(data), "toy"), i, 4, shards.None)
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			b[len(b)/2] ^= 0xff // a flipped byte mid-shard: a framing checksum fails
			shard = filepath.Base(name)
		}
		os.WriteFile(filepath.Join(damaged, filepath.Base(name)), b, 0o644)
	}
	cfg := toyConfig(filepath.Join(damaged, "toy.manifest.json"))
	cfg.Model, cfg.Corrupt, cfg.Epochs = "mlp", "skip", 3

	whole := t.TempDir()
	sum, err := Train(context.Background(), whole, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped.CorruptShards != 3 || !strings.Contains(sum.Skipped.Last, shard) {
		t.Fatalf("summary says skipped %+v; want the damaged shard %s once per epoch", sum.Skipped, shard)
	}
	var fromFile Summary
	if err := run.Dir(whole).ReadJSON(context.Background(), run.SummaryFile, &fromFile); err != nil || fromFile.Skipped != sum.Skipped {
		t.Fatalf("summary.json says %+v, %v", fromFile.Skipped, err)
	}
	lines := skipLines(t, whole)
	t.Logf("skips reported: %+v", lines)
	if n := sumCorrupt(lines); n != 3 {
		t.Fatalf("metrics lines count %d corrupt shards, want 3: %+v", n, lines)
	}

	parts := t.TempDir()
	c := cfg
	c.StopAfter, c.CheckpointEvery = 3, 2
	if _, err := Train(context.Background(), parts, c, nil); err != nil {
		t.Fatal(err)
	}
	c.StopAfter, c.Resume = 0, true
	resumed, err := Train(context.Background(), parts, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Skipped != sum.Skipped {
		t.Fatalf("resumed run's summary says %+v, the unbroken run's %+v", resumed.Skipped, sum.Skipped)
	}
	if got := skipLines(t, parts); !reflect.DeepEqual(got, lines) {
		t.Fatalf("resumed run's metrics report skips %+v, the unbroken run's %+v", got, lines)
	}

	clean := t.TempDir()
	cfg.Data = []string{data}
	sum, err = Train(context.Background(), clean, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped.Any() || len(skipLines(t, clean)) != 0 {
		t.Fatalf("a clean run reports skips: %+v", sum.Skipped)
	}
}

// skipLines returns the metrics lines that report skipped damage, with
// only their step and skip fields.
func skipLines(t *testing.T, dir string) []run.Metric {
	t.Helper()
	ms, err := run.ReadMetrics(context.Background(), run.Dir(dir).Path(run.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []run.Metric
	for _, m := range ms {
		if m.CorruptShards > 0 || m.BadRecords > 0 || m.Skipped != "" {
			out = append(out, run.Metric{Step: m.Step, CorruptShards: m.CorruptShards, BadRecords: m.BadRecords, Skipped: m.Skipped})
		}
	}
	return out
}

func sumCorrupt(ms []run.Metric) (n int64) {
	for _, m := range ms {
		n += m.CorruptShards
	}
	return n
}
