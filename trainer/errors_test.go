package trainer

import (
	"bytes"
	"context"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/shards/shardstest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supcon/supcon/trainer/run"
)

func TestTrainRejectsBadSettings(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 32, 4, 8, 2, 7)
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no data", func(c *Config) { c.Data = nil }, "no training data"},
		{"missing data", func(c *Config) { c.Data = []string{"/nonexistent/*.tfrecord"} }, "/nonexistent"},
		{"model", func(c *Config) { c.Model = "vgg" }, `unknown encoder "vgg"`},
		{"loss", func(c *Config) { c.Loss = loss.NPairs }, "Loss npairs: not one Train accepts"},
		{"optimizer", func(c *Config) { c.Optimizer = "sgdx" }, "sgdx"},
		{"views", func(c *Config) { c.Views = 3 }, "stores 2 views"},
		{"classes", func(c *Config) { c.P = 5 }, "class"},
		{"mean", func(c *Config) { c.Mean = []float32{0.1, 0.2} }, "Mean has 2 values for 1 channels"},
		{"temperature", func(c *Config) { c.Temperature = 0 }, "Temperature"},
		{"epochs", func(c *Config) { c.Epochs = 0 }, "Epochs"},
		{"std", func(c *Config) { c.Std = []float32{0} }, "Std [0]"},
		{"batch of one", func(c *Config) { c.Loss, c.P, c.K, c.Views = loss.CrossEntropy, 1, 1, 1 }, "at least 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := toyConfig(data)
			tc.edit(&cfg)
			_, err := Train(context.Background(), t.TempDir(), cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// The learning-rate schedule follows the epochs, not an estimate of their
// steps: with classes padded by copies (epochs of more batches than
// images/(P·K)) it still ends at the last step, and every epoch ends with a
// checkpoint.
func TestScheduleAndCheckpointsFollowEpochs(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 200, 20, 8, 2, 9)
	dir := t.TempDir()
	cfg := toyConfig(data)
	cfg.Model, cfg.P, cfg.K, cfg.Epochs, cfg.LR = "mlp", 4, 8, 2, 0.1
	sum, err := Train(context.Background(), dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := run.ReadMetrics(context.Background(), run.Dir(dir).Path(run.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(ms)) != sum.Steps || sum.Steps <= 2*7 {
		t.Fatalf("%d steps (%d metric lines): want more than 2·ceil(200/32) = 14, from padding", sum.Steps, len(ms))
	}
	for i, m := range ms[1:] {
		if !(m.LR > 0) {
			t.Fatalf("step %d runs at lr %v", i+2, m.LR)
		}
	}
	if last := ms[len(ms)-1].LR; last > 0.05*cfg.LR {
		t.Fatalf("last step's lr %v: the cosine should have reached nearly 0", last)
	}
	paths, _ := run.Dir(dir).Checkpoints(context.Background())
	var epochEnds []int64
	for i := 1; i < len(ms); i++ {
		if ms[i].Epoch != ms[i-1].Epoch {
			epochEnds = append(epochEnds, ms[i-1].Step)
		}
	}
	epochEnds = append(epochEnds, sum.Steps)
	if len(paths) != len(epochEnds) {
		t.Fatalf("checkpoints %v, epochs end at steps %v", paths, epochEnds)
	}
	for i, p := range paths {
		if p != run.Dir(dir).CheckpointPath(epochEnds[i]) {
			t.Fatalf("checkpoints %v, epochs end at steps %v", paths, epochEnds)
		}
	}
	// A fresh run into a directory without checkpoints starts metrics.jsonl
	// afresh, even over a failed run's partial line.
	os.RemoveAll(filepath.Join(dir, run.CheckpointDir))
	os.WriteFile(filepath.Join(dir, run.MetricsFile), []byte(`{"step":1,"loss":1}`+"\n"+`{"step":2,"lo`), 0o644)
	cfg.Epochs = 1
	cfg.KeepCheckpoints = 1
	sum, err = Train(context.Background(), dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := run.ReadMetrics(context.Background(), run.Dir(dir).Path(run.MetricsFile)); err != nil || int64(len(ms)) != sum.Steps {
		t.Fatalf("metrics after a fresh run: %d lines, %d steps, %v", len(ms), sum.Steps, err)
	}
	if paths, _ := run.Dir(dir).Checkpoints(context.Background()); len(paths) != 1 {
		t.Fatalf("--keep-checkpoints 1 left %v", paths)
	}
}

// Resuming when the newest checkpoint is damaged falls back to the one
// before, sets the damaged one aside, and still ends as an unbroken run.
func TestResumePastDamagedCheckpoint(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 32, 4, 8, 2, 10)
	cfg := toyConfig(data)
	cfg.Model, cfg.CheckpointEvery = "mlp", 2
	whole := t.TempDir()
	if _, err := Train(context.Background(), whole, cfg, nil); err != nil {
		t.Fatal(err)
	}
	parts := t.TempDir()
	c := cfg
	c.StopAfter = 5
	if _, err := Train(context.Background(), parts, c, nil); err != nil {
		t.Fatal(err)
	}
	latest, _ := run.Dir(parts).LatestCheckpoint(context.Background())
	data5, _ := os.ReadFile(latest)
	os.WriteFile(latest, data5[:len(data5)/3], 0o644) // a crash mid-write
	c.StopAfter, c.Resume = 0, true
	var warn bytes.Buffer
	if _, err := Train(context.Background(), parts, c, &warn); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), "set aside as .damaged") {
		t.Fatalf("no warning about the damaged checkpoint: %q", warn.String())
	}
	if _, err := os.Stat(latest + ".damaged"); err != nil {
		t.Fatal(err)
	}
	if want, got := lossesOf(t, whole), lossesOf(t, parts); !slices.Equal(got, want) {
		t.Fatalf("losses differ after falling back:\n%v\n%v", want, got)
	}
}
