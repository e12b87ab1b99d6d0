package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards/shardstest"
)

// sweep -> compare through the command line: a 2 × 2 grid on Squares with
// the mlp encoder on prism, then the stability tables of its output.
func TestSweepCompare(t *testing.T) {
	tmp := t.TempDir()
	data := shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 48, 4, 8, 2, 4)
	val := shardstest.WriteSquares(t, filepath.Join(tmp, "val"), 24, 4, 8, 1, 5)
	out := filepath.Join(tmp, "sweep")
	code, stdout, stderr := supcon(t, "sweep", "--data", data, "--val", val, "--grid", "loss=supcon-out,ce;optimizer=sgd,nesterov",
		"--out", out, "--model", "mlp", "--epochs", "1", "--p", "4", "--k", "4", "--linear-epochs", "2", "--linear-batch", "16")
	if code != 0 || !strings.Contains(stdout, "4 points, 0 failed") || !strings.Contains(stdout, "| 003 | ce | nesterov | ") ||
		!strings.Contains(stderr, "sweep: point 001_loss-supcon-out_optimizer-nesterov: top-1 ") {
		t.Fatalf("sweep: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = supcon(t, "compare", out, "--out", filepath.Join(tmp, "cmp"))
	if code != 0 || !strings.Contains(stdout, "| optimizer | supcon-out | ce |") {
		t.Fatalf("compare: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(tmp, "cmp", "stability.png")); err != nil {
		t.Error(err)
	}
	code, _, stderr = supcon(t, "sweep", "--data", data, "--val", val, "--grid", "batch=1,2", "--out", out)
	if code != 2 || !strings.Contains(stderr, `grid key "batch": not a setting a sweep varies`) {
		t.Errorf("bad grid: exit %d\n%s", code, stderr)
	}
}
