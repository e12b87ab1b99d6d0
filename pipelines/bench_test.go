package pipelines

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// benchTree makes a tree of n images: copies of the test photographs in 3 classes.
func benchTree(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	photos := []string{"cat/chelsea.png", "cup/coffee.jpg", "space/astronaut.gif", "space/launch/pad/rocket.jpg"}
	for i := 0; i < n; i++ {
		data, err := os.ReadFile(filepath.Join("testdata/tree", photos[i%len(photos)]))
		if err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("class%d", i%3), fmt.Sprintf("%04d%s", i, filepath.Ext(photos[i%len(photos)])))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
	return dir
}

// BenchmarkAugmentPipeline measures the whole augment job (list, read,
// decode, 2 views of crop+flip+AutoAugment at 64 px, PNG encode, shard,
// sort, write, finalize) over 400 images: on Beam's prism runner, and as a
// plain Go loop over GOMAXPROCS goroutines doing the same work. Run with
// -cpu 1,2; images/s of beam over images/s of loop is Beam's overhead.
func BenchmarkAugmentPipeline(b *testing.B) {
	const n = 400
	tree := benchTree(b, n)
	cfg := Config{Input: tree, Policy: "autoaugment:imagenet", Views: 2, Epochs: 1, Shards: 4, Size: 64, Channels: 3,
		Format: "png", Seed: 1, Compression: "none"}
	if err := ResolveLabels(context.Background(), &cfg, ""); err != nil {
		b.Fatal(err)
	}
	b.Run("loop", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c := cfg
			c.Output = filepath.Join(b.TempDir(), "train")
			if _, err := RunLocal(context.Background(), c, runtime.GOMAXPROCS(0)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
	})
	b.Run("beam-prism", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c := cfg
			c.Output = filepath.Join(b.TempDir(), "train")
			if _, err := Run(context.Background(), c, "prism", nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
	})
}
