package input

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/ahead"
)

// Behind is how an epoch-ahead consumer fell behind its producer: the time
// it waited for an epoch to be finalized and the training epochs that
// re-read (echoed) an augmentation epoch already read.
type Behind struct {
	Waited time.Duration
	Echoed int
}

// aheadFollower reads an epoch-ahead dataset (docs/streaming.md): training
// epoch t reads the next augmentation epoch once its manifest is there;
// when it is not, it waits or (Options.Echo) re-reads the last one read.
// Training epochs past the producer's last epoch echo it. It publishes,
// from rank 0, how many augmentation epochs it has finished reading.
type aheadFollower struct {
	prefix string
	opt    Options
	fsys   storage.FileSystem
	epochs int // augmentation epochs the producer makes

	mu        sync.Mutex
	next      int // next augmentation epoch to read
	prev      int // augmentation epoch the last training epoch read; -1 before
	published int
	first     *shards.Manifest // the first epoch read's, for describing the data
	mans      map[int]*shards.Manifest
	counts    map[string]int64
	behind    Behind
	chosen    map[int]int // training epoch -> the augmentation epoch it reads
}

// openAhead starts reading the epoch-ahead dataset at prefix whose index
// exists, from the first epoch the consumer has not finished (its
// published progress), waiting for that epoch's manifest.
func openAhead(ctx context.Context, prefix string, ix *ahead.Index, opt Options) (*aheadFollower, error) {
	p, err := ahead.ReadProgress(ctx, prefix)
	if err != nil {
		return nil, err
	}
	a := &aheadFollower{prefix: prefix, opt: opt, fsys: storage.For(prefix), epochs: ix.Epochs,
		next: min(p.Finished, ix.Epochs-1), prev: -1, published: p.Finished, mans: map[int]*shards.Manifest{}, counts: map[string]int64{}, chosen: map[int]int{}}
	for {
		m, err := a.manifest(ctx, a.next)
		if err != nil || m != nil {
			a.first = m
			return a, err
		}
		if err := a.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

// manifest returns epoch e's manifest, or nil while it is not finalized.
func (a *aheadFollower) manifest(ctx context.Context, e int) (*shards.Manifest, error) {
	if m := a.mans[e]; m != nil {
		return m, nil
	}
	mp := shards.ManifestPath(ahead.EpochPrefix(a.prefix, e))
	if _, err := a.fsys.Stat(ctx, mp); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("following %s: %w", a.prefix, err)
	}
	m, err := shards.ReadManifest(ctx, mp)
	if err != nil {
		return nil, err
	}
	a.mans[e] = m
	for name, n := range shardCounts(m, mp) {
		a.counts[name] = n
	}
	return m, nil
}

// choose returns the manifest of the augmentation epoch training epoch t
// reads, after publishing that the previous one is finished (training
// epochs are read one after the other). A training epoch opened again
// (describing the data reads epoch 0 once more) reads the same epoch.
func (a *aheadFollower) choose(ctx context.Context, t int) (*shards.Manifest, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if e, ok := a.chosen[t]; ok && a.mans[e] != nil {
		return a.mans[e], nil
	}
	if a.prev >= 0 && a.prev+1 > a.published && a.opt.Rank == 0 {
		if err := ahead.WriteProgress(ctx, a.prefix, ahead.Progress{Finished: a.prev + 1}); err != nil {
			return nil, fmt.Errorf("following %s: publishing progress: %w", a.prefix, err)
		}
		a.published = a.prev + 1
	}
	if err := a.resumeAt(ctx, t); err != nil {
		return nil, err
	}
	for {
		if a.next < a.epochs {
			m, err := a.manifest(ctx, a.next)
			if err != nil {
				return nil, err
			}
			if m != nil {
				delete(a.mans, a.prev) // an echo re-reads only the last epoch read
				a.prev = a.next
				a.next++
				a.chosen = map[int]int{t: a.prev}
				return m, nil
			}
		}
		if a.prev >= 0 && (a.next >= a.epochs || a.opt.Echo) {
			a.behind.Echoed++
			a.chosen = map[int]int{t: a.prev}
			return a.mans[a.prev], nil
		}
		if err := a.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

// resumeAt makes a waiting consumer (no Echo) read augmentation epoch t
// for training epoch t when that epoch is still there, as it does when it
// never stops: a resumed trainer starts before the epochs its input had
// read ahead of its checkpoint. Otherwise reading goes on in order.
func (a *aheadFollower) resumeAt(ctx context.Context, t int) error {
	if a.opt.Echo || t == a.next || t >= a.epochs {
		return nil
	}
	m, err := a.manifest(ctx, t)
	if m != nil {
		a.next = t
	}
	return err
}

// sleep waits one polling interval for epoch a.next, counting the time.
func (a *aheadFollower) sleep(ctx context.Context) error {
	start := time.Now()
	err := sleepCtx(ctx, a.opt.Poll)
	a.behind.Waited += time.Since(start)
	if err != nil {
		return fmt.Errorf("following %s: waiting for epoch %d: %w", a.prefix, a.next, err)
	}
	return nil
}

// count returns a shard's record count from its epoch's manifest.
func (a *aheadFollower) count(name string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts[name]
}

// rankFiles returns the rank's shards of one epoch, in index order.
func (a *aheadFollower) rankFiles(m *shards.Manifest) []string {
	var mine []string
	for i, n := range m.ShardPaths(shards.ManifestPath(a.prefix)) {
		if i%a.opt.World == a.opt.Rank {
			mine = append(mine, n)
		}
	}
	return mine
}

// Behind returns how far an epoch-ahead consumer fell behind its producer
// so far (zero for every other dataset).
func (d *Dataset) Behind() Behind {
	if d == nil || d.ahead == nil {
		return Behind{}
	}
	d.ahead.mu.Lock()
	defer d.ahead.mu.Unlock()
	return d.ahead.behind
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
