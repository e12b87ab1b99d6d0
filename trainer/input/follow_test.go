package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/supcon/supcon/shards"
)

// slowWriter finalizes a dataset's shards one at a time, as a pipeline's
// writers finishing over time would: each shard appears under its final name
// by a rename, and the manifest comes last.
type slowWriter struct {
	sp     dataSpec
	prefix string
	n      int
	ids    [][]string // per shard, sorted
}

func newSlowWriter(sp dataSpec, prefix string, n int) *slowWriter {
	w := &slowWriter{sp: sp.withDefaults(), prefix: prefix, n: n, ids: make([][]string, n)}
	for c, m := range sp.counts {
		for i := 0; i < m; i++ {
			id := idOf(c, i)
			s := shards.ShardOf(id, n)
			w.ids[s] = append(w.ids[s], id)
		}
	}
	for _, ids := range w.ids {
		slices.Sort(ids)
	}
	return w
}

// shard writes shard i under a temporary name and renames it into place.
func (w *slowWriter) shard(t testing.TB, i int) error {
	ctx := context.Background()
	sw, err := shards.CreateShard(ctx, w.prefix, i, w.n, shards.None)
	if err != nil {
		return err
	}
	for _, id := range w.ids[i] {
		var c, k int
		fmt.Sscanf(id, "c%02d/%05d", &c, &k)
		data, err := w.sp.record(t, c, k).Marshal()
		if err != nil {
			return err
		}
		if err := sw.Write(data); err != nil {
			return err
		}
	}
	if err := sw.Close(); err != nil {
		return err
	}
	tmp, _ := sw.Result()
	return os.Rename(tmp.Path, shards.ShardPath(w.prefix, i, w.n, shards.None))
}

// finish writes the labels and, last, the manifest; Finalize keeps the
// shards already in place.
func (w *slowWriter) finish() error {
	var classes []string
	counts := map[string]int64{}
	for c, m := range w.sp.counts {
		classes = append(classes, fmt.Sprintf("class%02d", c))
		counts[classes[c]] = int64(m)
	}
	_, err := shards.Finalize(context.Background(), w.prefix, nil, shards.FinalizeOptions{
		NumShards: w.n, Labels: classes,
		Manifest: shards.Manifest{Views: w.sp.views, Classes: classes, ClassCounts: counts, Seed: 1},
	})
	return err
}

// Follow reads shards as the writer finalizes them: the reader is seen
// waiting for each next shard (and then for the manifest) before the writer
// finalizes it, and the run delivers every image once, in the batches a run
// over the finished dataset delivers.
func TestFollowWriterFinalizingOverTime(t *testing.T) {
	const n = 4
	sp := dataSpec{counts: even(4, 9), views: 3}
	prefix := t.TempDir() + "/data"
	w := newSlowWriter(sp, prefix, n)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	opt := Options{Seed: 4, Follow: true, Poll: time.Millisecond, Interleave: 2}
	d, err := Open(ctx, []string{prefix}, opt)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan int)
	d.follow.waiting = waiting
	if d.Files() != nil || d.Manifest() != nil {
		t.Fatal("an unfinished dataset has files or a manifest")
	}
	writerErr := make(chan error, 1)
	go func() {
		writerErr <- func() error {
			for i := 0; i <= n; i++ {
				if i > 0 {
					// Finalize the next shard only once the reader waits for it.
					for idx := -1; idx < i; {
						select {
						case idx = <-waiting:
						case <-ctx.Done():
							return fmt.Errorf("the reader never waited for shard %d", i)
						}
					}
				}
				if i == n {
					return w.finish()
				}
				if err := w.shard(t, i); err != nil {
					return err
				}
			}
			return nil
		}()
	}()

	bopt := BatchOptions{P: 2, K: 2, V: 2, Buffer: 8, Epochs: 1}
	b, err := NewBatcher(ctx, d, bopt)
	if err != nil {
		t.Fatal(err)
	}
	var followed []batchRecord
	for {
		bt, err := b.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		followed = append(followed, keep(bt))
	}
	b.Close()
	if err := <-writerErr; err != nil {
		t.Fatal(err)
	}
	if d.Manifest() == nil || len(d.Files()) != n {
		t.Errorf("after the run: manifest %v, %d files", d.Manifest() != nil, len(d.Files()))
	}
	used := map[string]int{}
	for _, bt := range followed {
		for _, r := range bt.Rows {
			if r.Copy == 0 && !r.Reused {
				used[r.ID]++
			}
		}
	}
	if len(used) != 4*9 {
		t.Errorf("followed run used %d images of %d", len(used), 4*9)
	}
	for id, c := range used {
		if c != 1 {
			t.Errorf("%s used %d times", id, c)
		}
	}

	// Following the finished dataset gives the same batches: the order of
	// a followed epoch does not depend on when shards appeared.
	again, _ := collect(t, []string{shards.ManifestPath(prefix)}, opt, bopt, 0)
	if !reflect.DeepEqual(again, followed) {
		t.Errorf("following the finished dataset gave other batches (%d vs %d)", len(again), len(followed))
	}
}
