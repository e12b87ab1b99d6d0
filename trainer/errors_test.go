package trainer

import (
	"context"
	"os"
	"path/filepath"
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
