package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
)

// readAll reads one epoch's records and returns their ids in order.
func readAll(t *testing.T, d *Dataset, epoch, shuffle int) ([]string, ReadStats) {
	t.Helper()
	r, err := d.Epoch(context.Background(), epoch, shuffle)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ids []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return ids, r.Stats()
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.ID)
	}
}

// Ranks get disjoint sets of shards that together cover every shard, and
// read only their own shards' records.
func TestRanksDisjointCoverEveryShard(t *testing.T) {
	const n = 7
	prefix, labels := dataSpec{shards: n, counts: even(5, 11)}.write(t, t.TempDir())
	ctx := context.Background()
	all, err := shards.ExpandInputs(ctx, []string{shards.ManifestPath(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	for _, world := range []int{1, 2, 3, 4, 7} {
		owner := map[string]int{}
		ids := map[string]int{}
		for rank := 0; rank < world; rank++ {
			d, err := Open(ctx, []string{shards.ShardGlob(prefix)}, Options{Seed: 9, Rank: rank, World: world})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range d.Files() {
				if o, dup := owner[f]; dup {
					t.Errorf("world %d: %s read by ranks %d and %d", world, f, o, rank)
				}
				owner[f] = rank
			}
			got, _ := readAll(t, d, 1, 8)
			for _, id := range got {
				ids[id]++
				if s := shards.ShardOf(id, n); s%world != rank {
					t.Errorf("world %d rank %d read %s of shard %d", world, rank, id, s)
				}
			}
		}
		if len(owner) != len(all) {
			t.Errorf("world %d: ranks cover %d of %d shards", world, len(owner), len(all))
		}
		if len(ids) != len(labels) {
			t.Errorf("world %d: ranks read %d of %d images", world, len(ids), len(labels))
		}
		for id, c := range ids {
			if c != 1 {
				t.Errorf("world %d: %s read %d times", world, id, c)
			}
		}
	}
	for _, o := range []Options{{World: 8}, {Rank: 2, World: 2}, {Rank: -1, World: 2}} {
		if _, err := Open(ctx, []string{shards.ShardGlob(prefix)}, o); err == nil {
			t.Errorf("rank %d of world %d: no error", o.Rank, o.World)
		}
	}
}

// A dataset of several augmentation epochs is read one augmentation epoch
// per training epoch, cycling; each rank sees the same images in each.
func TestAugmentationEpochs(t *testing.T) {
	const n, E = 3, 2
	prefix, labels := dataSpec{shards: n, counts: even(3, 8), epochs: E}.write(t, t.TempDir())
	ctx := context.Background()
	for _, world := range []int{1, 2} {
		var perRank []map[string]bool
		for rank := 0; rank < world; rank++ {
			d, err := Open(ctx, []string{shards.ManifestPath(prefix)}, Options{Seed: 2, Rank: rank, World: world})
			if err != nil {
				t.Fatal(err)
			}
			var ids []map[string]bool
			for epoch := 0; epoch < 3; epoch++ {
				r, err := d.Epoch(ctx, epoch, 0)
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for {
					rec, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if rec.Epoch != int64(epoch%E) || seen[rec.ID] {
						t.Errorf("world %d rank %d epoch %d: %s of augmentation epoch %d (seen before: %v)", world, rank, epoch, rec.ID, rec.Epoch, seen[rec.ID])
					}
					seen[rec.ID] = true
				}
				r.Close()
				ids = append(ids, seen)
			}
			if !reflect.DeepEqual(ids[0], ids[1]) || !reflect.DeepEqual(ids[0], ids[2]) {
				t.Errorf("world %d rank %d: the epochs cover other images", world, rank)
			}
			perRank = append(perRank, ids[0])
		}
		total := 0
		for _, ids := range perRank {
			total += len(ids)
		}
		if total != len(labels) {
			t.Errorf("world %d: ranks read %d images of %d", world, total, len(labels))
		}
	}
}

// Every record is read once per epoch whatever the interleave, rotation and
// shuffle buffer; the order depends on the seed and the epoch only.
func TestReaderOrder(t *testing.T) {
	prefix, labels := dataSpec{shards: 4, counts: even(4, 10)}.write(t, t.TempDir())
	ctx := context.Background()
	tests := []struct {
		name    string
		opt     Options
		shuffle int
	}{
		{"one shard at a time", Options{Interleave: 1, NoRotate: true}, 0},
		{"interleave 3", Options{Interleave: 3}, 0},
		{"rotated, shuffled", Options{}, 16},
		{"shuffle buffer above the data", Options{}, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Open(ctx, []string{shards.ManifestPath(prefix)}, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			first, st := readAll(t, d, 0, tc.shuffle)
			again, _ := readAll(t, d, 0, tc.shuffle)
			other, _ := readAll(t, d, 1, tc.shuffle)
			if !slices.Equal(first, again) {
				t.Error("the same epoch read twice gave another order")
			}
			if slices.Equal(first, other) {
				t.Error("epochs 0 and 1 gave the same order")
			}
			seen := map[string]bool{}
			for _, id := range first {
				seen[id] = true
			}
			if len(first) != len(labels) || len(seen) != len(labels) {
				t.Errorf("read %d records (%d distinct), want %d", len(first), len(seen), len(labels))
			}
			if st.Records != int64(len(labels)) || st.Shards != 4 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// corrupt flips a byte in the middle of a file.
func corrupt(t *testing.T, name string) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Damaged framing and invalid records stop the Reader under Fail, with an
// error naming the shard, and are skipped and counted under Skip.
func TestCorruptPolicy(t *testing.T) {
	dir := t.TempDir()
	prefix, labels := dataSpec{shards: 3, counts: even(3, 12)}.write(t, dir)
	bad := shards.ShardPath(prefix, 1, 3, shards.None)
	corrupt(t, bad)

	// A shard of valid framing holding one record that is not multiview.
	other := dir + "/other-00000-of-00001.tfrecord"
	f, err := os.Create(other)
	if err != nil {
		t.Fatal(err)
	}
	w := shards.NewWriter(f, shards.None)
	for i, rec := range [][]byte{mustMarshal(t, dataSpec{}.withDefaults().record(t, 0, 100)),
		(&shards.Example{Features: map[string]shards.Feature{"x": shards.Int64Feature(1)}}).Marshal(),
		mustMarshal(t, dataSpec{}.withDefaults().record(t, 0, 101))} {
		if err := w.Write(rec); err != nil {
			t.Fatal(i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	tests := []struct {
		name      string
		inputs    []string
		policy    CorruptPolicy
		wantErr   string
		corrupt   int64
		badRecord int64
	}{
		{"framing, fail", []string{shards.ManifestPath(prefix)}, Fail, bad, 0, 0},
		{"framing, skip", []string{shards.ManifestPath(prefix)}, Skip, "", 1, 0},
		{"schema, fail", []string{other}, Fail, other + " record 1", 0, 0},
		{"schema, skip", []string{other}, Skip, "", 0, 1},
	}
	for _, tc := range tests {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s, %d workers", tc.name, workers), func(t *testing.T) {
				corruptCase(t, tc.inputs, Options{Corrupt: tc.policy, Workers: workers}, tc.wantErr, tc.corrupt, tc.badRecord, len(labels))
			})
		}
	}
}

// corruptCase reads an epoch and checks the error, or the skip counts.
func corruptCase(t *testing.T, inputs []string, opt Options, wantErr string, corrupt, badRecord int64, total int) {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, inputs, opt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Epoch(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		if _, err = r.Next(); err != nil {
			break
		}
		n++
	}
	if wantErr != "" {
		if err == io.EOF || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one naming %q", err, wantErr)
		}
		if strings.HasSuffix(wantErr, ".tfrecord") && !errors.Is(err, shards.ErrCorrupt) {
			t.Errorf("error %v does not match shards.ErrCorrupt", err)
		}
		return
	}
	if err != io.EOF {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.CorruptShards != corrupt || st.BadRecords != badRecord || st.LastSkipped == "" || st.Records != int64(n) {
		t.Errorf("stats %+v, want %d corrupt shards and %d bad records", st, corrupt, badRecord)
	}
	if corrupt > 0 && n >= total {
		t.Errorf("read %d records of %d with a shard damaged", n, total)
	}
}

func mustMarshal(t *testing.T, m *shards.Multiview) []byte {
	t.Helper()
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return data
}
