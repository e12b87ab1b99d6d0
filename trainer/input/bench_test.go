package input

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/supcon/supcon/internal/cputime"
	"github.com/supcon/supcon/shards"
)

// benchData caches the benchmark datasets: 4096 images of 32×32 RGB, 2 views
// each, in 16 shards, 100 classes of 41.
var benchData = struct {
	sync.Mutex
	prefix map[string]string
	dir    string
}{prefix: map[string]string{}}

func benchDataset(b *testing.B, format string) string {
	benchData.Lock()
	defer benchData.Unlock()
	if p, ok := benchData.prefix[format]; ok {
		return p
	}
	if benchData.dir == "" {
		dir, err := os.MkdirTemp("", "supcon-input-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchData.dir = dir
	}
	prefix, _ := dataSpec{shards: 16, counts: even(100, 41), views: 2, size: 32, format: shards.ViewFormat(format)}.write(b, benchData.dir+"/"+format)
	benchData.prefix[format] = prefix
	return prefix
}

// TestMain removes the benchmarks' datasets.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchData.dir != "" {
		os.RemoveAll(benchData.dir)
	}
	os.Exit(code)
}

// BenchmarkBatcher measures views per second delivered decoded (uint8 HWC)
// by the reader and batch builder: P=16 × K=4 × V=2 = 128 views per batch,
// parsing and decoding workers = GOMAXPROCS (set it with -cpu 1,2). It also
// reports views per CPU-second of the process, which other load on a shared
// machine does not change.
func BenchmarkBatcher(b *testing.B) {
	for _, format := range []string{string(shards.FormatRaw), string(shards.FormatPNG)} {
		b.Run(format, func(b *testing.B) {
			prefix := benchDataset(b, format)
			ctx := context.Background()
			d, err := Open(ctx, []string{shards.ManifestPath(prefix)}, Options{Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			bt, err := NewBatcher(ctx, d, BatchOptions{P: 16, K: 4, V: 2, Decode: true})
			if err != nil {
				b.Fatal(err)
			}
			defer bt.Close()
			if _, err := bt.Next(); err != nil { // start-up outside the timing
				b.Fatal(err)
			}
			views := 0
			start, cpu := time.Now(), cputime.Process()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batch, err := bt.Next()
				if err != nil {
					b.Fatal(err)
				}
				views += batch.Size()
			}
			b.StopTimer()
			b.ReportMetric(float64(views)/time.Since(start).Seconds(), "views/s")
			if used := cputime.Process() - cpu; used > 0 {
				// Views per second of CPU used by the whole process: what
				// one free core delivers, whatever else the machine runs.
				b.ReportMetric(float64(views)/used.Seconds(), "views/cpu-s")
			}
		})
	}
}

// BenchmarkDecodeView measures decoding one 32×32 RGB view.
func BenchmarkDecodeView(b *testing.B) {
	for _, format := range []string{string(shards.FormatRaw), string(shards.FormatPNG)} {
		b.Run(format, func(b *testing.B) {
			sp := dataSpec{views: 1, size: 32, format: shards.ViewFormat(format)}.withDefaults()
			rec := sp.record(b, 0, 0)
			dst := make([]uint8, 32*32*3)
			b.SetBytes(int64(len(dst)))
			for i := 0; i < b.N; i++ {
				if err := DecodeView(dst, rec, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
