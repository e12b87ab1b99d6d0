package input

import (
	"context"
	"io"
	"slices"
	"testing"

	"github.com/supcon/supcon/shards"
)

// InOrder delivers every view of every record once, in the Reader's order,
// the pixels normalised as NormalizeHWC does, whatever the batch size.
func TestInOrderEveryRecordOnce(t *testing.T) {
	ctx := context.Background()
	sp := dataSpec{shards: 3, counts: []int{5, 3, 4}, views: 3, size: 4, channels: 3}.withDefaults()
	prefix, _ := sp.write(t, t.TempDir())
	d, err := Open(ctx, []string{shards.ManifestPath(prefix)}, Options{NoRotate: true})
	if err != nil {
		t.Fatal(err)
	}
	// What the Reader gives, view by view.
	r, err := d.Epoch(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	mean, std := []float32{0.5, 0.4, 0.3}, []float32{0.2, 0.25, 0.3}
	type sample struct {
		label int
		x     []float32
	}
	var all []sample
	px := make([]uint8, 4*4*3)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for v := range rec.Views {
			x := make([]float32, len(px))
			if err := DecodeView(px, &rec.Multiview, v); err != nil {
				t.Fatal(err)
			}
			if err := NormalizeHWC(x, px, 16, 3, mean, std); err != nil {
				t.Fatal(err)
			}
			all = append(all, sample{int(rec.Label), x})
		}
	}
	for _, tc := range []struct {
		name         string
		batch, views int
	}{
		{"one sample per batch", 1, 0},
		{"batches cut records", 4, 0},
		{"one batch", 100, 0},
		{"first view only", 5, 1},
		{"two views", 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []sample
			for i, s := range all {
				if tc.views == 0 || i%3 < tc.views {
					want = append(want, s)
				}
			}
			it, err := d.InOrder(ctx, InOrderOptions{Batch: tc.batch, Views: tc.views, Height: 4, Width: 4, Channels: 3, Mean: mean, Std: std})
			if err != nil {
				t.Fatal(err)
			}
			defer it.Close()
			var got []sample
			for {
				b, err := it.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if b.Len < 1 || b.Len > tc.batch || len(b.Labels) != b.Len || len(b.X) != tc.batch*len(px) {
					t.Fatalf("batch of %d samples, %d labels, %d values", b.Len, len(b.Labels), len(b.X))
				}
				for i := 0; i < tc.batch; i++ {
					x := b.X[i*len(px) : (i+1)*len(px)]
					if i >= b.Len {
						if slices.ContainsFunc(x, func(v float32) bool { return v != 0 }) {
							t.Fatalf("padding sample %d is not zero", i)
						}
						continue
					}
					got = append(got, sample{b.Labels[i], slices.Clone(x)})
				}
			}
			if it.Records() != 12 || len(got) != len(want) {
				t.Fatalf("%d records, %d samples; want 12 records, %d samples", it.Records(), len(got), len(want))
			}
			for i := range want {
				if got[i].label != want[i].label || !slices.Equal(got[i].x, want[i].x) {
					t.Fatalf("sample %d differs from the Reader's", i)
				}
			}
		})
	}
}

// A view of another size than asked is an error naming the image.
func TestInOrderWrongSize(t *testing.T) {
	ctx := context.Background()
	prefix, _ := dataSpec{shards: 1, counts: []int{2}}.withDefaults().write(t, t.TempDir())
	d, err := Open(ctx, []string{shards.ManifestPath(prefix)}, Options{NoRotate: true})
	if err != nil {
		t.Fatal(err)
	}
	it, err := d.InOrder(ctx, InOrderOptions{Batch: 2, Height: 5, Width: 5, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if _, err := it.Next(); err == nil || err.Error() != "image c00/00000 is 4×4×3, want 5×5×3" {
		t.Fatalf("got %v", err)
	}
	if _, err := d.InOrder(ctx, InOrderOptions{Batch: 0, Height: 4, Width: 4, Channels: 3}); err == nil {
		t.Fatal("a batch of 0 samples was accepted")
	}
}
