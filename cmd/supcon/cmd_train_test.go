package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/internal/gcstest"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/trainer/run/tfevents"
)

// train -> stop -> resume -> linear through the command line, on 2×2 images
// with the mlp encoder, with the run directory on local disk and on gs://
// (an in-process fake GCS server).
func TestTrainResumeLinear(t *testing.T) {
	data := writeBatchesDataset(t, 4, 6)
	for _, tc := range []struct {
		name string
		run  func(t *testing.T) string
	}{
		{"local", func(t *testing.T) string { return filepath.Join(t.TempDir(), "run") }},
		{"gcs", func(t *testing.T) string { return "gs://" + gcstest.Start(t) + "/runs/r1" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := tc.run(t)
			args := []string{"train", "--data", data, "--out", run, "--model", "mlp", "--p", "2", "--k", "3", "--views", "2", "--epochs", "3", "--seed", "3"}
			code, out, errOut := supcon(t, append(args, "--stop-after", "4")...)
			if code != 0 || !strings.Contains(out, "stopped (--resume continues): 4 steps") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			code, out, errOut = supcon(t, append(args, "--resume", "--monitor", data, "--monitor-k", "5")...)
			if code != 0 || !strings.Contains(out, "done: 12 steps, 3 epochs") ||
				!strings.Contains(out, "checkpoint "+run+"/checkpoints/step-000000012.ckpt") ||
				!strings.Contains(out, "kNN top-1 on --monitor data after the last epoch: ") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			for _, f := range []string{"config.json", "metrics.jsonl", "loss.png", "checkpoints/step-000000012.ckpt"} {
				if _, err := storage.For(run).Stat(context.Background(), storage.Join(run, f)); err != nil {
					t.Error(err)
				}
			}
			code, out, errOut = supcon(t, "linear", "--run", run, "--data", data, "--val", data, "--batch", "16", "--epochs", "3")
			if code != 0 || !strings.Contains(out, "linear classifier on mlp features (256-d), 4 classes: 96 train samples from 24 images") ||
				!strings.Contains(out, "val top-1") {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			for _, f := range []string{"linear.json", "linear.ckpt", "linear-metrics.jsonl"} {
				if _, err := storage.For(run).Stat(context.Background(), storage.Join(run, f)); err != nil {
					t.Error(err)
				}
			}
			// TensorBoard's view: every step of both sessions, the kNN
			// accuracy after each epoch (the first measured on resuming),
			// and the probe in its own folder.
			tags, err := tfevents.ReadDir(context.Background(), run)
			if err != nil {
				t.Fatal(err)
			}
			if n, k := len(tags["train/loss"]), len(tags["monitor/knn_top1"]); n != 12 || k != 3 {
				t.Errorf("events: %d losses, %d kNN figures; want 12 and 3", n, k)
			}
			tags, err = tfevents.ReadDir(context.Background(), storage.Join(run, "linear"))
			if err != nil || len(tags["linear/loss"]) == 0 || len(tags["linear/val_top1"]) != 1 {
				t.Errorf("probe events: %v, %v", tags, err)
			}
			// The run beside itself (flags after the folders), into the
			// same file system.
			cmp := storage.Join(storage.Dir(run), "cmp")
			code, out, errOut = supcon(t, "compare", run, run, "--out", cmp)
			if code != 0 || !strings.Contains(out, " (2) | supcon-out | mlp | 0.1 | 2×3×2 | 3 | 12 |") {
				t.Fatalf("compare: exit %d\n%s\n%s", code, out, errOut)
			}
			if _, err := storage.For(cmp).Stat(context.Background(), storage.Join(cmp, "compare.png")); err != nil {
				t.Error(err)
			}
			// eval writes its reports into the same file system.
			ev := storage.Join(storage.Dir(run), "eval")
			code, out, errOut = supcon(t, "eval", "--run", run, "--data", data, "--corruptions", "fog", "--severities", "1", "--out", ev)
			if code != 0 || !strings.Contains(out, "wrote "+ev+"/") {
				t.Fatalf("eval: exit %d\n%s\n%s", code, out, errOut)
			}
			for _, f := range []string{"report.json", "report.md", "report.html", "predictions.jsonl"} {
				if _, err := storage.For(ev).Stat(context.Background(), storage.Join(ev, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	if _, err := os.Stat("gs:"); err == nil {
		t.Error("a local folder gs: was made")
	}
}

// train --corrupt skip on a dataset with a damaged shard finishes and says
// what it skipped and where.
func TestTrainReportsSkippedDamage(t *testing.T) {
	manifest := writeBatchesDataset(t, 4, 6)
	shard := shards.ShardPath(strings.TrimSuffix(manifest, ".manifest.json"), 1, 3, shards.None)
	b, err := os.ReadFile(shard)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(shard, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(t.TempDir(), "run")
	code, out, errOut := supcon(t, "train", "--data", manifest, "--out", run, "--model", "mlp", "--p", "2", "--k", "2",
		"--views", "2", "--epochs", "2", "--corrupt", "skip")
	want := "skipped (--corrupt skip): 2 corrupt shards (the rest of each), 0 bad records; last: " + shard + ": offset "
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want %q in\n%s\n%s", code, want, out, errOut)
	}
	summary, err := os.ReadFile(filepath.Join(run, "summary.json"))
	if err != nil || !strings.Contains(string(summary), `"corrupt_shards": 2`) {
		t.Fatalf("summary.json: %s, %v", summary, err)
	}
	metrics, err := os.ReadFile(filepath.Join(run, "metrics.jsonl"))
	if err != nil || strings.Count(string(metrics), `"corrupt_shards":1`) != 2 {
		t.Fatalf("metrics.jsonl does not report the damaged shard once per epoch:\n%s", metrics)
	}
}

func TestTrainUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--out", "x"}, "no --data"},
		{[]string{"train", "--data", "x"}, "no --out"},
		{[]string{"train", "--data", "x", "--out", "y", "--mean", "a"}, `"a" is not a number`},
		{[]string{"train", "--data", "x", "--out", "y", "--loss", "hinge"}, `unknown loss "hinge"`},
		{[]string{"bench", "train", "--loss", "hinge"}, `unknown loss "hinge"`},
		{[]string{"linear", "--data", "x"}, "no --run"},
		{[]string{"linear", "--run", "x"}, "no --data"},
		{[]string{"quickstart", "--epochs", "0"}, "at least 1"},
		{[]string{"bench", "train", "extra"}, "unexpected arguments"},
		{[]string{"compare", "--out", "x"}, "no folders to compare"},
		{[]string{"compare", "a", "b"}, "no --out"},
		{[]string{"train", "--data", "x", "--out", "y", "--monitor", "v", "--monitor-k", "0"}, "--monitor-k 0"},
	} {
		code, _, errOut := supcon(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q", tc.args, code, errOut)
		}
	}
	// A run directory that is not one is named in the error.
	code, _, errOut := supcon(t, "linear", "--run", t.TempDir(), "--data", "x")
	if code != 1 || !strings.Contains(errOut, "is not a training run") {
		t.Errorf("linear on an empty folder: exit %d, %q", code, errOut)
	}
}

func TestBenchTrain(t *testing.T) {
	code, out, errOut := supcon(t, "bench", "train", "--size", "8", "--batch", "4", "--steps", "1")
	if code != 0 || !strings.Contains(out, "cnn-small 8×8×1, 4 images × 2 views") || !strings.Contains(out, "conv.grad") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}
