package input

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
)

// A Batcher started at a saved Position delivers exactly the batches an
// uninterrupted run delivers after that point, pixels included.
func TestResumeFromPosition(t *testing.T) {
	prefix, _ := dataSpec{shards: 3, counts: []int{7, 12, 5, 9, 3}, views: 3}.write(t, t.TempDir())
	in := []string{shards.ManifestPath(prefix)}
	opt := Options{Seed: 21, Interleave: 2}
	bopt := BatchOptions{P: 3, K: 2, V: 2, Buffer: 12, Decode: true, Epochs: 3}
	full, _ := collect(t, in, opt, bopt, 0)
	perEpoch := 0
	for _, b := range full {
		if b.Epoch == 0 {
			perEpoch++
		}
	}
	if perEpoch < 3 {
		t.Fatalf("only %d batches per epoch", perEpoch)
	}
	ctx := context.Background()
	for _, cut := range []int{1, perEpoch / 2, perEpoch, perEpoch + 2, len(full) - 1} {
		// Run up to the cut, save the position as a checkpoint would.
		d, err := Open(ctx, in, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewBatcher(ctx, d, bopt)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < cut; i++ {
			if _, err := b.Next(); err != nil {
				t.Fatal(err)
			}
		}
		saved, err := json.Marshal(b.Position())
		if err != nil {
			t.Fatal(err)
		}
		b.Close()

		var pos Position
		if err := json.Unmarshal(saved, &pos); err != nil {
			t.Fatal(err)
		}
		resumed := bopt
		resumed.Start = &pos
		got, _ := collect(t, in, opt, resumed, 0)
		if !reflect.DeepEqual(got, full[cut:]) {
			t.Errorf("resumed after %d batches at %s: %d batches, not the %d that followed", cut, saved, len(got), len(full)-cut)
		}
	}
}

// A position saved with other settings is refused.
func TestResumeRefusesOtherSettings(t *testing.T) {
	prefix, _ := dataSpec{shards: 2, counts: even(4, 6)}.write(t, t.TempDir())
	ctx := context.Background()
	d, err := Open(ctx, []string{shards.ManifestPath(prefix)}, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	base := Position{Epoch: 1, Batch: 2, Seed: 1, World: 1, Interleave: DefaultInterleave, P: 2, K: 2, V: 2, Buffer: 64}
	tests := []struct {
		name string
		edit func(*Position)
		want string
	}{
		{"same settings", func(*Position) {}, ""},
		{"other seed", func(p *Position) { p.Seed = 2 }, "other settings"},
		{"other K", func(p *Position) { p.K = 3 }, "other settings"},
		{"other world", func(p *Position) { p.World = 2 }, "other settings"},
		{"negative batch", func(p *Position) { p.Batch = -1 }, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pos := base
			tc.edit(&pos)
			b, err := NewBatcher(ctx, d, BatchOptions{P: 2, K: 2, V: 2, Start: &pos})
			if err == nil {
				if tc.want != "" {
					t.Errorf("no error, want %q", tc.want)
				}
				if got := b.Position(); got != base {
					t.Errorf("position %+v, want %+v", got, base)
				}
				b.Close()
				return
			}
			if tc.want == "" || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
