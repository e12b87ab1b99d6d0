package input

import (
	"context"
	"errors"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"io/fs"
	"sync"
	"time"

	"github.com/supcon/supcon/shards"
)

// follower watches a dataset the pipeline is still writing. Shards appear
// under their final names only once finalized (an atomic rename locally;
// on GCS an object exists only after its writer closed it), and the manifest
// appears last, so a shard present under its final name is complete.
type follower struct {
	prefix string
	fsys   storage.FileSystem
	rank   int
	world  int
	poll   time.Duration

	mu       sync.Mutex
	n        int // number of shards, learned from the first shard's name
	comp     shards.Compression
	manifest *shards.Manifest

	// waiting, when set (by tests), is told without blocking the index of
	// the shard shard waits for, each time it goes to sleep.
	waiting chan<- int
}

func newFollower(prefix string, opt Options) *follower {
	return &follower{prefix: prefix, fsys: storage.For(prefix), rank: opt.Rank, world: opt.World, poll: opt.Poll}
}

// complete returns the manifest if it has been seen, else nil.
func (f *follower) complete() *shards.Manifest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.manifest
}

// rankFiles returns the rank's shards of a complete dataset per
// augmentation epoch (see share). A manifest that share rejects leaves every
// shard in one group, split by index.
func (f *follower) rankFiles(m *shards.Manifest) [][]string {
	names := m.ShardPaths(shards.ManifestPath(f.prefix))
	groups, err := share(names, max(m.Epochs, 1), f.rank, f.world)
	if err != nil {
		groups, _ = share(names, 1, f.rank, 1)
		var mine []string
		for i, n := range groups[0] {
			if i%f.world == f.rank {
				mine = append(mine, n)
			}
		}
		groups = [][]string{mine}
	}
	return groups
}

// wait blocks until the manifest appears.
func (f *follower) wait(ctx context.Context) (*shards.Manifest, error) {
	for {
		m, err := f.look(ctx)
		if m != nil || err != nil {
			return m, err
		}
		if err := f.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

// shard returns the rank's j-th shard (dataset index rank + j·world) once it
// is finalized; ok is false when the dataset has no such shard.
func (f *follower) shard(ctx context.Context, j int) (name string, ok bool, err error) {
	idx := f.rank + j*f.world
	for {
		m, err := f.look(ctx)
		if err != nil {
			return "", false, err
		}
		if m != nil {
			paths := m.ShardPaths(shards.ManifestPath(f.prefix))
			if idx >= len(paths) {
				return "", false, nil
			}
			return paths[idx], true, nil
		}
		f.mu.Lock()
		n, comp := f.n, f.comp
		f.mu.Unlock()
		if n > 0 && idx < n {
			name := shards.ShardPath(f.prefix, idx, n, comp)
			if _, err := f.fsys.Stat(ctx, name); err == nil {
				return name, true, nil
			} else if !errors.Is(err, fs.ErrNotExist) {
				return "", false, fmt.Errorf("following %s: %w", f.prefix, err)
			}
		}
		// Beyond the last shard, wait for the manifest: it confirms the
		// dataset is complete.
		if f.waiting != nil {
			select {
			case f.waiting <- idx:
			default:
			}
		}
		if err := f.sleep(ctx); err != nil {
			return "", false, err
		}
	}
}

// look checks for the manifest and, until the shard count is known, for any
// finalized shard to learn it from.
func (f *follower) look(ctx context.Context) (*shards.Manifest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.manifest != nil {
		return f.manifest, nil
	}
	mp := shards.ManifestPath(f.prefix)
	if _, err := f.fsys.Stat(ctx, mp); err == nil {
		m, err := shards.ReadManifest(ctx, mp)
		if err != nil {
			return nil, err
		}
		f.manifest = m
		return m, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("following %s: %w", f.prefix, err)
	}
	if f.n == 0 {
		matches, err := f.fsys.Glob(ctx, shards.ShardGlob(f.prefix))
		if err != nil {
			return nil, fmt.Errorf("following %s: %w", f.prefix, err)
		}
		for _, m := range matches {
			if s, ok := shards.ParseShardPath(m.Name); ok {
				if f.world > s.Count {
					return nil, fmt.Errorf("following %s: %d shards cannot give each of %d ranks at least one", f.prefix, s.Count, f.world)
				}
				f.n, f.comp = s.Count, s.Compression
				break
			}
		}
	}
	return nil, nil
}

// sleep waits one polling interval or until ctx is done.
func (f *follower) sleep(ctx context.Context) error {
	t := time.NewTimer(f.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("following %s: %w", f.prefix, ctx.Err())
	case <-t.C:
		return nil
	}
}
