package evaluate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/run"
)

// Damage passed over under Corrupt "skip" is counted in the report, its
// text and linear.json; a clean evaluation's report has no such field.
func TestLinearReportsSkippedDamage(t *testing.T) {
	tmp := t.TempDir()
	data := shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 48, 4, 8, 2, 4)
	val := shardstest.WriteSquares(t, filepath.Join(tmp, "val"), 40, 4, 8, 1, 5)
	dir := filepath.Join(tmp, "run")
	cfg := toyConfig(data)
	cfg.Model, cfg.Epochs = "mlp", 1
	if _, err := trainer.Train(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	shard := shards.ShardPath(filepath.Join(filepath.Dir(val), "toy"), 1, 4, shards.None)
	b, err := os.ReadFile(shard)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		damage  bool
		skipped string
	}{
		{"clean", false, ""},
		{"damaged val shard", true, "skipped: 1 corrupt shards (the rest of each), 0 bad records; last: " + shard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.damage {
				d := bytes.Clone(b)
				d[len(d)/2] ^= 0xff
				if err := os.WriteFile(shard, d, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			lc := DefaultLinearConfig()
			lc.Data, lc.Val, lc.Batch, lc.Epochs, lc.Corrupt = []string{data}, []string{val}, 16, 2, "skip"
			rep, err := Linear(context.Background(), dir, lc, nil)
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			saved, err := os.ReadFile(filepath.Join(dir, run.LinearResult))
			if err != nil {
				t.Fatal(err)
			}
			if tc.skipped == "" {
				if rep.Skipped != nil || strings.Contains(text.String(), "skipped") || strings.Contains(string(saved), "skipped") {
					t.Fatalf("a clean evaluation reports skips:\n%s\n%s", text.String(), saved)
				}
				return
			}
			if rep.Skipped == nil || !strings.Contains(text.String(), tc.skipped) || !strings.Contains(string(saved), `"corrupt_shards": 1`) {
				t.Fatalf("want %q in\n%s\nand the count in linear.json:\n%s", tc.skipped, text.String(), saved)
			}
			if rep.ValImages >= 40 {
				t.Fatalf("%d val images read past a damaged shard of 40", rep.ValImages)
			}
		})
	}
}
