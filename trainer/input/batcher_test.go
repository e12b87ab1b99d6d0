package input

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
)

// Every batch is exactly P classes × K images × V views, class-major, with V
// distinct stored views per row, and its pixels are those views, view-major.
func TestBatchComposition(t *testing.T) {
	tests := []struct {
		name    string
		data    dataSpec
		p, k, v int
		buffer  int
	}{
		{"raw balanced", dataSpec{shards: 4, counts: even(6, 12)}, 3, 4, 2, 0},
		{"png gray", dataSpec{shards: 3, counts: even(5, 8), format: shards.FormatPNG, channels: 1}, 2, 3, 3, 24},
		{"png rgb gzip", dataSpec{shards: 2, counts: even(4, 6), format: shards.FormatPNG, comp: shards.Gzip}, 4, 2, 1, 8},
		{"unbalanced", dataSpec{shards: 5, counts: []int{1, 2, 30, 7, 3, 11}}, 3, 4, 4, 0},
		{"all stored views", dataSpec{shards: 2, counts: even(3, 5), views: 2}, 2, 2, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := tc.data.withDefaults()
			prefix, labels := sp.write(t, t.TempDir())
			batches, _ := collect(t, []string{shards.ManifestPath(prefix)}, Options{Seed: 7},
				BatchOptions{P: tc.p, K: tc.k, V: tc.v, Buffer: tc.buffer, Decode: true, Epochs: 1}, 0)
			if len(batches) == 0 {
				t.Fatal("no batches")
			}
			size := sp.size * sp.size * sp.channels
			for _, b := range batches {
				if len(b.Rows) != tc.p*tc.k {
					t.Fatalf("batch %d: %d rows, want %d", b.Index, len(b.Rows), tc.p*tc.k)
				}
				seen := map[int64]bool{}
				for c := 0; c < tc.p; c++ {
					l := b.Rows[c*tc.k].Label
					if seen[l] {
						t.Errorf("batch %d: class %d in two slots", b.Index, l)
					}
					seen[l] = true
					for _, r := range b.Rows[c*tc.k : (c+1)*tc.k] {
						if r.Label != l || labels[r.ID] != l {
							t.Errorf("batch %d: row %s label %d in the slot of class %d", b.Index, r.ID, r.Label, l)
						}
					}
				}
				if len(b.Pixels) != tc.v*tc.p*tc.k*size {
					t.Fatalf("batch %d: %d pixel bytes, want %d", b.Index, len(b.Pixels), tc.v*tc.p*tc.k*size)
				}
				for i, r := range b.Rows {
					if len(r.Views) != tc.v || hasDup(r.Views) {
						t.Errorf("batch %d row %d: views %v, want %d distinct", b.Index, i, r.Views, tc.v)
					}
					for v, sv := range r.Views {
						s := v*len(b.Rows) + i
						want := pixels(r.ID, sv, sp.size, sp.channels)
						if !bytes.Equal(b.Pixels[s*size:(s+1)*size], want) {
							t.Errorf("batch %d sample %d: pixels are not view %d of %s", b.Index, s, sv, r.ID)
						}
					}
				}
			}
		})
	}
}

func hasDup(xs []int) bool {
	seen := map[int]bool{}
	for _, x := range xs {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

// An epoch uses every image exactly once as an original row, and the views
// chosen for an image change from epoch to epoch.
func TestEpochUsesEveryImageOnce(t *testing.T) {
	tests := []struct {
		name   string
		counts []int
		buffer int
	}{
		{"even", even(5, 9), 0},
		{"uneven small buffer", []int{3, 17, 1, 8, 12, 5}, 12},
		{"one big class", []int{40, 2, 2, 2}, 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix, labels := dataSpec{shards: 3, counts: tc.counts, views: 6}.write(t, t.TempDir())
			batches, st := collect(t, []string{shards.ShardGlob(prefix)}, Options{Seed: 3},
				BatchOptions{P: 3, K: 2, V: 2, Buffer: tc.buffer, Epochs: 2}, 0)
			used := map[int]map[string]int{0: {}, 1: {}}
			views := map[int]map[string][]int{0: {}, 1: {}}
			for _, b := range batches {
				for _, r := range b.Rows {
					if r.Copy == 0 && !r.Reused {
						used[b.Epoch][r.ID]++
						views[b.Epoch][r.ID] = r.Views
					}
				}
			}
			changed := 0
			for e := 0; e < 2; e++ {
				if len(used[e]) != len(labels) {
					t.Errorf("epoch %d used %d images, the data has %d", e, len(used[e]), len(labels))
				}
				for id, n := range used[e] {
					if n != 1 {
						t.Errorf("epoch %d used %s %d times", e, id, n)
					}
				}
			}
			for id := range labels {
				if !reflect.DeepEqual(views[0][id], views[1][id]) {
					changed++
				}
			}
			if changed < len(labels)/2 {
				t.Errorf("only %d of %d images got other views in epoch 1", changed, len(labels))
			}
			if st.Images != int64(2*len(labels)) || st.Read.Records != int64(2*len(labels)) {
				t.Errorf("stats: %d images used, %d records read; want %d", st.Images, st.Read.Records, 2*len(labels))
			}
		})
	}
}

// When each class's images come in multiples of K and the pool holds the
// whole dataset, every class slot gets K distinct images (or is a reused
// class at the epoch's end); a class with fewer than K images is padded with
// copies of its own images.
func TestKDistinctImagesPerClass(t *testing.T) {
	const P, K = 3, 4
	prefix, _ := dataSpec{shards: 2, counts: even(7, 3*K), views: 8}.write(t, t.TempDir())
	batches, st := collect(t, []string{shards.ManifestPath(prefix)}, Options{Seed: 11},
		BatchOptions{P: P, K: K, V: 2, Buffer: 7 * 3 * K, Epochs: 1}, 0)
	for _, b := range batches {
		for c := 0; c < P; c++ {
			ids := map[string]bool{}
			for _, r := range b.Rows[c*K : (c+1)*K] {
				ids[r.ID] = true
			}
			if len(ids) != K {
				t.Errorf("batch %d class slot %d: %d distinct images, want %d", b.Index, c, len(ids), K)
			}
		}
	}
	if st.PaddedSlots != 0 || st.CopyRows != 0 || st.FullSlots+st.ReusedSlots != st.ClassSlots {
		t.Errorf("stats %+v: want every slot full or reused", st)
	}

	// Class 0 has one image: its slots are that image and K-1 copies of it,
	// and the copies get other stored views (8 stored, 2 used).
	prefix, _ = dataSpec{shards: 2, counts: []int{1, 20, 20}, views: 8}.write(t, t.TempDir())
	batches, st = collect(t, []string{shards.ManifestPath(prefix)}, Options{Seed: 11},
		BatchOptions{P: 3, K: K, V: 2, Epochs: 1}, 0)
	found := false
	for _, b := range batches {
		for c := 0; c < 3; c++ {
			rows := b.Rows[c*K : (c+1)*K]
			if rows[0].Label != 0 || rows[0].Reused {
				continue
			}
			found = true
			seenViews := map[int]bool{}
			for i, r := range rows {
				if r.ID != rows[0].ID || r.Image != rows[0].Image || r.Copy != i {
					t.Errorf("batch %d row %d: %+v, want copy %d of %s", b.Index, i, r, i, rows[0].ID)
				}
				for _, v := range r.Views {
					seenViews[v] = true
				}
			}
			if len(seenViews) != 2*K {
				t.Errorf("batch %d: the copies use %d distinct stored views, want %d", b.Index, len(seenViews), 2*K)
			}
		}
	}
	if !found || st.PaddedSlots == 0 || st.CopyRows < K-1 {
		t.Errorf("padded class not seen (found %v, stats %+v)", found, st)
	}
}

// Copies of one image are never positives of each other; views of one row
// and rows of distinct images of a class are.
func TestDuplicatesNeverPositives(t *testing.T) {
	const P, K, V = 2, 4, 2
	prefix, _ := dataSpec{shards: 2, counts: []int{2, 1, 9, 3}, views: 4}.write(t, t.TempDir())
	ctx := context.Background()
	d, err := Open(ctx, []string{shards.ManifestPath(prefix)}, Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBatcher(ctx, d, BatchOptions{P: P, K: K, V: V, Epochs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var mask []bool
	var labels, keys []int
	copies := 0
	for {
		bt, err := b.Next()
		if err != nil {
			break
		}
		n := bt.Size()
		mask = bt.PositiveMask(mask)
		labels = bt.SampleLabels(labels)
		keys = bt.ImageKeys(keys)
		for i := 0; i < n; i++ {
			ri := i % len(bt.Rows)
			for j := 0; j < n; j++ {
				rj := j % len(bt.Rows)
				want := i != j && labels[i] == labels[j] && (ri == rj || keys[i] != keys[j])
				if mask[i*n+j] != want {
					t.Fatalf("batch %d samples %d,%d (rows %+v, %+v): positive %v, want %v", bt.Index, i, j, bt.Rows[ri], bt.Rows[rj], mask[i*n+j], want)
				}
				if ri != rj && bt.Rows[ri].ID == bt.Rows[rj].ID && mask[i*n+j] {
					t.Fatalf("batch %d: copies of %s are positives", bt.Index, bt.Rows[ri].ID)
				}
			}
			if ri == i && bt.Rows[ri].Copy > 0 {
				copies++
			}
		}
		// A slot of K distinct images gives every sample K·V−1 positives.
		for c := 0; c < P; c++ {
			distinct := map[string]bool{}
			for _, r := range bt.Rows[c*K : (c+1)*K] {
				distinct[r.ID] = true
			}
			if len(distinct) != K {
				continue
			}
			pos := 0
			for j := 0; j < n; j++ {
				if mask[c*K*n+j] {
					pos++
				}
			}
			if pos != K*V-1 {
				t.Errorf("batch %d: anchor of a full class has %d positives, want %d", bt.Index, pos, K*V-1)
			}
		}
	}
	if copies == 0 {
		t.Fatal("the data made no copies: the test checks nothing")
	}
}

// Stats add up: every slot is full, padded or reused; rows are images,
// copies or reused; the pool never exceeds its buffer.
func TestBalanceStats(t *testing.T) {
	tests := []struct {
		name        string
		counts      []int
		p, k        int
		buffer      int
		wantBalance float64 // the least Balance expected
		maxPeak     int     // the largest pool allowed
	}{
		{"balanced", even(8, 16), 4, 4, 128, 0.8, 128},
		{"imbalanced", []int{1, 1, 2, 40, 40, 3}, 3, 4, 32, 0, 4 * 32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix, labels := dataSpec{shards: 3, counts: tc.counts}.write(t, t.TempDir())
			batches, st := collect(t, []string{shards.ManifestPath(prefix)}, Options{Seed: 1},
				BatchOptions{P: tc.p, K: tc.k, V: 2, Buffer: tc.buffer, Epochs: 1}, 0)
			var copies, reused, images int64
			perClass := map[int64]int64{}
			for _, b := range batches {
				for _, r := range b.Rows {
					perClass[r.Label]++
					switch {
					case r.Reused:
						reused++
					case r.Copy > 0:
						copies++
					default:
						images++
					}
				}
			}
			minRows, maxRows := int64(1<<62), int64(0)
			for _, n := range perClass {
				minRows, maxRows = min(minRows, n), max(maxRows, n)
			}
			want := Stats{Read: st.Read, Epoch: 0, Batches: int64(len(batches)), Images: images,
				ClassSlots: int64(len(batches) * tc.p), FullSlots: st.FullSlots, PaddedSlots: st.PaddedSlots,
				ReusedSlots: st.ReusedSlots, CopyRows: copies, ReusedRows: reused, PeakPool: st.PeakPool,
				Classes: len(perClass), MinClassRows: minRows, MaxClassRows: maxRows}
			if st != want {
				t.Errorf("stats\n%+v\nwant\n%+v", st, want)
			}
			if st.FullSlots+st.PaddedSlots+st.ReusedSlots != st.ClassSlots || images != int64(len(labels)) {
				t.Errorf("slots do not add up: %+v", st)
			}
			if st.PeakPool > tc.maxPeak || st.PeakPool == 0 {
				t.Errorf("peak pool %d, want at most %d", st.PeakPool, tc.maxPeak)
			}
			if st.Balance() < tc.wantBalance || (tc.wantBalance == 0 && st.PaddedSlots == 0) {
				t.Errorf("balance %.3f (stats %+v)", st.Balance(), st)
			}
		})
	}
}

// Same seed, same batches and pixels, whatever the number of parsing and
// decoding workers, the prefetch depth or the dataset's folder; another
// seed, other batches.
func TestDeterminism(t *testing.T) {
	prefix, _ := dataSpec{shards: 4, counts: []int{9, 14, 3, 20, 7}, format: shards.FormatPNG}.write(t, t.TempDir())
	in := []string{shards.ShardGlob(prefix)}
	base, _ := collect(t, in, Options{Seed: 42, Workers: 1}, BatchOptions{P: 3, K: 3, V: 2, Buffer: 20, Decode: true, Epochs: 2, Workers: 1, Prefetch: 1}, 0)
	tests := []struct {
		name string
		opt  Options
		bopt BatchOptions
		same bool
	}{
		{"4 workers", Options{Seed: 42, Workers: 4}, BatchOptions{Workers: 4, Prefetch: 5}, true},
		{"again", Options{Seed: 42}, BatchOptions{Workers: 2}, true},
		{"other seed", Options{Seed: 43}, BatchOptions{Workers: 2}, false},
	}
	// The same data in another folder gives the same batches.
	moved, _ := dataSpec{shards: 4, counts: []int{9, 14, 3, 20, 7}, format: shards.FormatPNG}.write(t, t.TempDir())
	got, _ := collect(t, []string{shards.ShardGlob(moved)}, Options{Seed: 42}, BatchOptions{P: 3, K: 3, V: 2, Buffer: 20, Decode: true, Epochs: 2}, 0)
	if !reflect.DeepEqual(got, base) {
		t.Error("the dataset in another folder gave other batches")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bopt := tc.bopt
			bopt.P, bopt.K, bopt.V, bopt.Buffer, bopt.Decode, bopt.Epochs = 3, 3, 2, 20, true, 2
			got, _ := collect(t, in, tc.opt, bopt, 0)
			if same := reflect.DeepEqual(got, base); same != tc.same {
				t.Errorf("same batches: %v, want %v", same, tc.same)
			}
		})
	}
}

// Options the data cannot satisfy are clear errors.
func TestBatcherErrors(t *testing.T) {
	prefix, _ := dataSpec{shards: 2, counts: even(3, 4), views: 2}.write(t, t.TempDir())
	bare, _ := dataSpec{shards: 2, counts: even(3, 4), views: 2}.write(t, t.TempDir())
	if err := os.Remove(shards.ManifestPath(bare)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name   string
		inputs []string
		bopt   BatchOptions
		want   string
	}{
		{"P above classes (manifest)", []string{shards.ManifestPath(prefix)}, BatchOptions{P: 4, K: 1, V: 1}, "the dataset has 3 classes, a batch needs P = 4"},
		{"V above views (manifest)", []string{shards.ManifestPath(prefix)}, BatchOptions{P: 2, K: 1, V: 3}, "stores 2 views per record"},
		{"buffer below P·K", []string{shards.ManifestPath(prefix)}, BatchOptions{P: 2, K: 2, V: 1, Buffer: 3}, "cannot hold a batch"},
		{"zero K", []string{shards.ManifestPath(prefix)}, BatchOptions{P: 2, V: 1}, "each must be at least 1"},
		{"P above classes (manifest beside glob)", []string{shards.ShardGlob(prefix)}, BatchOptions{P: 4, K: 1, V: 1}, "the dataset has 3 classes"},
		{"P above classes (no manifest)", []string{shards.ShardGlob(bare)}, BatchOptions{P: 4, K: 1, V: 1}, "the data offers 3 classes"},
		{"V above views (no manifest)", []string{shards.ShardGlob(bare)}, BatchOptions{P: 2, K: 1, V: 3}, "stores 2 views, V = 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Open(ctx, tc.inputs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := NewBatcher(ctx, d, tc.bopt)
			if err == nil {
				_, err = b.Next()
				b.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			var fe *FewClassesError
			if strings.Contains(tc.want, "offers") && !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FewClassesError", err)
			}
		})
	}
}
