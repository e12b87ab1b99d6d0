package trainer

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTrainRejectsBadSettings(t *testing.T) {
	data := writeToyDataset(t, t.TempDir(), 32, 4, 8, 2, 7)
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no data", func(c *Config) { c.Data = nil }, "no training data"},
		{"missing data", func(c *Config) { c.Data = []string{"/nonexistent/*.tfrecord"} }, "/nonexistent"},
		{"model", func(c *Config) { c.Model = "vgg" }, `unknown encoder "vgg"`},
		{"loss", func(c *Config) { c.Loss = "hinge" }, `unknown loss "hinge"`},
		{"optimizer", func(c *Config) { c.Optimizer = "sgdx" }, "sgdx"},
		{"views", func(c *Config) { c.Views = 3 }, "stores 2 views"},
		{"classes", func(c *Config) { c.P = 5 }, "class"},
		{"mean", func(c *Config) { c.Mean = []float32{0.1, 0.2} }, "mean has 2 values for 1 channels"},
		{"temperature", func(c *Config) { c.Temperature = 0 }, "temperature"},
		{"epochs", func(c *Config) { c.Epochs = 0 }, "epochs"},
		{"std", func(c *Config) { c.Std = []float32{0} }, "std [0]"},
		{"batch of one", func(c *Config) { c.Loss, c.P, c.K, c.Views = "ce", 1, 1, 1 }, "at least 2"},
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

func TestCheckpointDamage(t *testing.T) {
	data := writeToyDataset(t, t.TempDir(), 32, 4, 8, 2, 8)
	dir := t.TempDir()
	cfg := toyConfig(data)
	cfg.Epochs = 1
	sum, err := Train(context.Background(), dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(sum.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCheckpoint(sum.Checkpoint); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.ckpt")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "checksum"},
		{"flipped", append(append([]byte{}, good[:100]...), append([]byte{good[100] ^ 1}, good[101:]...)...), "checksum"},
		{"not a checkpoint", []byte("hello, world, this is text"), "not a supcon checkpoint"},
		{"empty", nil, "not a supcon checkpoint"},
	} {
		os.WriteFile(bad, tc.data, 0o644)
		if _, err := ReadCheckpoint(bad); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// A damaged header cannot make ReadCheckpoint allocate more than the file
// holds, even with a valid checksum.
func TestCheckpointHeaderClaims(t *testing.T) {
	for _, head := range []string{
		`{"step":1,"spec":{"encoder":"mlp","channels":1,"height":65536,"width":65536},"tensors":[],"optimizer_bytes":0}`,
		`{"step":1,"spec":{"encoder":"cnn-small","channels":1,"height":8,"width":8,"projection_dim":268435456},"tensors":[],"optimizer_bytes":0}`,
		`{"step":1,"spec":{"encoder":"cnn-small","channels":1,"height":8,"width":8},"tensors":[{"name":"x","shape":[1099511627776,1099511627776]}],"optimizer_bytes":0}`,
		`{"step":1,"spec":{"encoder":"cnn-small","channels":1,"height":8,"width":8},"tensors":[],"optimizer_bytes":-5}`,
	} {
		var b bytes.Buffer
		b.WriteString(checkpointMagic)
		b.WriteByte(checkpointVersion)
		binary.Write(&b, binary.LittleEndian, uint32(len(head)))
		b.WriteString(head)
		binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), castagnoli))
		path := filepath.Join(t.TempDir(), "x.ckpt")
		os.WriteFile(path, b.Bytes(), 0o644)
		if _, err := ReadCheckpoint(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("header %s: %v", head, err)
		}
	}
}

// The learning-rate schedule follows the epochs, not an estimate of their
// steps: with classes padded by copies (epochs of more batches than
// images/(P·K)) it still ends at the last step, and every epoch ends with a
// checkpoint.
func TestScheduleAndCheckpointsFollowEpochs(t *testing.T) {
	data := writeToyDataset(t, t.TempDir(), 200, 20, 8, 2, 9)
	dir := t.TempDir()
	cfg := toyConfig(data)
	cfg.Model, cfg.P, cfg.K, cfg.Epochs, cfg.LR = "mlp", 4, 8, 2, 0.1
	sum, err := Train(context.Background(), dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ReadMetrics(filepath.Join(dir, MetricsFile))
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
	paths, _ := checkpointPaths(filepath.Join(dir, CheckpointDir))
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
		if filepath.Base(p) != checkpointName(epochEnds[i]) {
			t.Fatalf("checkpoints %v, epochs end at steps %v", paths, epochEnds)
		}
	}
	// A fresh run into a directory without checkpoints starts metrics.jsonl
	// afresh, even over a failed run's partial line.
	os.RemoveAll(filepath.Join(dir, CheckpointDir))
	os.WriteFile(filepath.Join(dir, MetricsFile), []byte(`{"step":1,"loss":1}`+"\n"+`{"step":2,"lo`), 0o644)
	cfg.Epochs = 1
	cfg.KeepCheckpoints = 1
	sum, err = Train(context.Background(), dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := ReadMetrics(filepath.Join(dir, MetricsFile)); err != nil || int64(len(ms)) != sum.Steps {
		t.Fatalf("metrics after a fresh run: %d lines, %d steps, %v", len(ms), sum.Steps, err)
	}
	if paths, _ := checkpointPaths(filepath.Join(dir, CheckpointDir)); len(paths) != 1 {
		t.Fatalf("--keep-checkpoints 1 left %v", paths)
	}
}

// Resuming when the newest checkpoint is damaged falls back to the one
// before, sets the damaged one aside, and still ends as an unbroken run.
func TestResumePastDamagedCheckpoint(t *testing.T) {
	data := writeToyDataset(t, t.TempDir(), 32, 4, 8, 2, 10)
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
	latest, _ := LatestCheckpoint(filepath.Join(parts, CheckpointDir))
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
	if want, got := losses(t, whole), losses(t, parts); !slices.Equal(got, want) {
		t.Fatalf("losses differ after falling back:\n%v\n%v", want, got)
	}
}
