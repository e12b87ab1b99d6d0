package pipelines

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/ahead"
)

// batchShards runs the single batch job of cfg and returns its manifest.
func batchShards(t *testing.T, cfg Config) *shards.Manifest {
	t.Helper()
	cfg.Output = filepath.Join(t.TempDir(), "batch")
	sum, err := Run(context.Background(), cfg, "prism", nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum.Manifest
}

// checkEpochsMatch compares each epoch's shards with the batch job's: the
// file of shard i of epoch e has the bytes of shard e·N+i of the batch.
func checkEpochsMatch(t *testing.T, cfg Config, batch *shards.Manifest, epochs []int) {
	t.Helper()
	for _, e := range epochs {
		m, err := shards.ReadManifest(context.Background(), shards.ManifestPath(ahead.EpochPrefix(cfg.Output, e)))
		if err != nil {
			t.Fatalf("epoch %d: %v", e, err)
		}
		if len(m.Shards) != cfg.Shards {
			t.Fatalf("epoch %d has %d shards, want %d", e, len(m.Shards), cfg.Shards)
		}
		for i, sh := range m.Shards {
			want := batch.Shards[e*cfg.Shards+i]
			if sh.SHA256 != want.SHA256 || sh.Records != want.Records || sh.Bytes != want.Bytes {
				t.Errorf("epoch %d shard %s (%d records, sha %s) differs from batch shard %s (%d records, sha %s)",
					e, sh.Name, sh.Records, sh.SHA256[:12], want.Name, want.Records, want.SHA256[:12])
			}
		}
		for _, r := range readDataset(t, ahead.EpochPrefix(cfg.Output, e)) {
			if r.Epoch != int64(e) {
				t.Errorf("epoch %d holds record %s of epoch %d", e, r.ID, r.Epoch)
			}
		}
	}
}

// epochsOnDisk counts the epochs of which any file (or temporary folder) exists.
func epochsOnDisk(t *testing.T, prefix string, epochs int) int {
	t.Helper()
	n := 0
	for e := 0; e < epochs; e++ {
		var files []storage.FileInfo
		for _, pat := range []string{ahead.EpochPrefix(prefix, e) + "-*", ahead.EpochPrefix(prefix, e) + ".*"} {
			f, err := storage.Glob(context.Background(), pat)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f...)
		}
		if len(files) > 0 {
			n++
		}
	}
	return n
}

// Each epoch of epoch-ahead production is byte-identical to the batch job's.
func TestEpochsMatchBatch(t *testing.T) {
	cfg := treeConfig(t, "")
	cfg.Epochs = 3
	batch := batchShards(t, cfg)
	cfg.Output = filepath.Join(t.TempDir(), "train")
	sums, err := RunEpochs(context.Background(), cfg, "prism", EpochOptions{Ahead: cfg.Epochs, Keep: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != cfg.Epochs {
		t.Fatalf("%d epoch summaries, want %d", len(sums), cfg.Epochs)
	}
	checkEpochsMatch(t, cfg, batch, []int{0, 1, 2})
	ix, err := ahead.ReadIndex(context.Background(), cfg.Output)
	if err != nil {
		t.Fatal(err)
	}
	if *ix != (ahead.Index{Epochs: 3, Done: 3}) {
		t.Errorf("index %+v", ix)
	}
}

// The producer stays within Ahead epochs of a consumer and the disk holds
// at most Keep+Ahead epochs.
func TestEpochsAheadAndKeep(t *testing.T) {
	for _, tc := range []struct{ ahead, keep int }{{1, 0}, {2, 1}} {
		t.Run(fmt.Sprintf("ahead%d-keep%d", tc.ahead, tc.keep), func(t *testing.T) {
			ctx := context.Background()
			cfg := treeConfig(t, filepath.Join(t.TempDir(), "train"))
			cfg.Epochs = 4
			errc := make(chan error, 1)
			go func() {
				_, err := RunEpochs(ctx, cfg, "prism", EpochOptions{Ahead: tc.ahead, Keep: tc.keep, Poll: 5 * time.Millisecond}, nil)
				errc <- err
			}()
			for c := 0; c < cfg.Epochs; {
				// The consumer: read the index, check the bounds, finish
				// the next epoch once it is there.
				if n := epochsOnDisk(t, cfg.Output, cfg.Epochs); n > tc.keep+tc.ahead {
					t.Fatalf("%d epochs on disk, want at most %d", n, tc.keep+tc.ahead)
				}
				ix, err := ahead.ReadIndex(ctx, cfg.Output)
				if err == nil && ix.Done > c+tc.ahead {
					t.Fatalf("producer done with %d epochs while the consumer finished %d", ix.Done, c)
				}
				if err == nil && ix.Done > c {
					if _, err := shards.ReadManifest(ctx, shards.ManifestPath(ahead.EpochPrefix(cfg.Output, c))); err != nil {
						t.Fatalf("epoch %d: %v", c, err)
					}
					c++
					if err := ahead.WriteProgress(ctx, cfg.Output, ahead.Progress{Finished: c}); err != nil {
						t.Fatal(err)
					}
				}
				select {
				case err := <-errc:
					if c < cfg.Epochs-1 || err != nil {
						t.Fatalf("producer ended at consumer epoch %d: %v", c, err)
					}
					errc <- nil
				case <-time.After(2 * time.Millisecond):
				}
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A producer cancelled mid-epoch leaves no partial epoch visible, and a
// restarted one finishes with the same bytes as the batch job.
func TestEpochsRestart(t *testing.T) {
	cfg := treeConfig(t, "")
	cfg.Epochs = 3
	batch := batchShards(t, cfg)
	cfg.Output = filepath.Join(t.TempDir(), "train")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // cancel once epoch 1 has begun writing
		for ctx.Err() == nil {
			if f, _ := storage.Glob(ctx, filepath.Join(shards.TempDir(ahead.EpochPrefix(cfg.Output, 1)), "*")); len(f) > 0 {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	_, err := RunEpochs(ctx, cfg, "prism", EpochOptions{Ahead: cfg.Epochs, Keep: -1}, nil)
	if !errors.Is(err, context.Canceled) && err != nil {
		t.Logf("first producer: %v", err)
	}
	ix, rerr := ahead.ReadIndex(context.Background(), cfg.Output)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil || ix.Done == cfg.Epochs {
		t.Fatalf("producer was not cancelled mid-run (index %+v, err %v)", ix, err)
	}
	// Every epoch visible (with a manifest) is whole: the batch job's bytes.
	// The index may lag the last manifest, never lead it.
	var visible []int
	for e := 0; e < cfg.Epochs; e++ {
		if _, err := storage.Local.Stat(context.Background(), shards.ManifestPath(ahead.EpochPrefix(cfg.Output, e))); err == nil {
			visible = append(visible, e)
			if e > ix.Done {
				t.Errorf("epoch %d has a manifest, the index says %d done", e, ix.Done)
			}
		}
	}
	if len(visible) == cfg.Epochs {
		t.Fatalf("every epoch is visible after the cancellation")
	}
	checkEpochsMatch(t, cfg, batch, visible)
	sums, err := RunEpochs(context.Background(), cfg, "prism", EpochOptions{Ahead: cfg.Epochs, Keep: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != cfg.Epochs-ix.Done {
		t.Errorf("restart ran %d epochs, want %d (from epoch %d)", len(sums), cfg.Epochs-ix.Done, ix.Done)
	}
	checkEpochsMatch(t, cfg, batch, []int{0, 1, 2})
}
