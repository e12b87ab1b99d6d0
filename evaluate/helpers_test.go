package evaluate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/run"
)

// writeToyDataset writes n images of size×size gray pixels in `classes`
// classes, with `views` noisy views each, into 4 shards, and returns the
// manifest's path. Each class is a bright square at its own place on a noisy
// background, so the classes are learnable but not trivially by one pixel.
func writeToyDataset(t testing.TB, dir string, n, classes, size, views int, seed uint64) string {
	t.Helper()
	ctx := context.Background()
	prefix := filepath.Join(dir, "toy")
	w, err := shards.NewDatasetWriter(prefix, 4, shards.None)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, classes)
	for c := range names {
		names[c] = fmt.Sprintf("class%d", c)
	}
	rng := rand.New(rand.NewPCG(seed, 9))
	for i := 0; i < n; i++ {
		label := i % classes
		m := &shards.Multiview{ID: fmt.Sprintf("img%04d", i), Label: int64(label), ClassText: names[label],
			Format: shards.FormatRaw, Height: size, Width: size, Channels: 1, Policy: "none"}
		cx, cy := (label*3)%(size-2), (label*5)%(size-2)
		for v := 0; v < views; v++ {
			px := make([]byte, size*size)
			dx, dy := rng.IntN(3)-1, rng.IntN(3)-1
			for y := 0; y < size; y++ {
				for x := 0; x < size; x++ {
					val := 60 + rng.IntN(60)
					if x-dx >= cx && x-dx < cx+3 && y-dy >= cy && y-dy < cy+3 {
						val = 200 + rng.IntN(50)
					}
					px[y*size+x] = byte(val)
				}
			}
			m.Views = append(m.Views, px)
		}
		data, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ctx, shards.ShardOf(m.ID, 4), data); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Finalize(ctx, names, shards.Manifest{Views: views, Height: size, Width: size, Channels: 1}); err != nil {
		t.Fatal(err)
	}
	return shards.ManifestPath(prefix)
}

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
