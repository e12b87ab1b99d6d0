package evaluate

import (
	"context"
	"testing"

	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/run"
)

// toyConfig is a small pre-training run on data.
func toyConfig(data string) trainer.Config {
	c := trainer.DefaultConfig()
	c.Data = []string{data}
	c.P, c.K, c.Views = 4, 4, 2
	c.Epochs = 3
	c.Seed = 5
	c.LR = 0.1
	c.Mean, c.Std = []float32{0.5}, []float32{0.25}
	return c
}

// finalParams returns the tensors of the run's latest checkpoint.
func finalParams(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	p, err := run.Dir(dir).LatestCheckpoint(context.Background())
	if err != nil || p == "" {
		t.Fatalf("no checkpoint in %s: %v", dir, err)
	}
	ck, err := run.ReadCheckpoint(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for _, p := range ck.Model.Params.List {
		out[p.Name] = p.Data
	}
	return out
}
