package input

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/supcon/supcon/shards"
)

// Streaming a dataset many times larger than the buffer holds at most Buffer
// records in the pool (4·Buffer while looking for P classes), and the live
// heap, measured after a collection every few batches, stays far below the
// dataset's size.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes an 80 MB dataset")
	}
	const buffer = 32
	sp := dataSpec{shards: 16, counts: even(8, 400), views: 2, size: 64}.withDefaults()
	prefix, labels := sp.write(t, t.TempDir())
	recordBytes := int64(sp.views * sp.size * sp.size * sp.channels)
	dataBytes := int64(len(labels)) * recordBytes

	ctx := context.Background()
	d, err := Open(ctx, []string{shards.ManifestPath(prefix)}, Options{Seed: 1, Interleave: 8, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, uint64(0)
	b, err := NewBatcher(ctx, d, BatchOptions{P: 4, K: 2, V: 2, Buffer: buffer, Decode: true, Epochs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := 0; ; i++ {
		_, err := b.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i%8 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	st := b.Stats()
	if st.Images != int64(len(labels)) {
		t.Fatalf("used %d images of %d", st.Images, len(labels))
	}
	if st.PeakPool > 4*buffer {
		t.Errorf("the pool held %d records, buffer %d", st.PeakPool, buffer)
	}
	growth := int64(peak) - int64(base)
	t.Logf("dataset %d MB, pool at most %d records, live heap growth at most %.1f MB", dataBytes>>20, st.PeakPool, float64(growth)/(1<<20))
	if growth > dataBytes/6 {
		t.Errorf("heap grew by %d bytes reading %d bytes of data: not bounded", growth, dataBytes)
	}
}
