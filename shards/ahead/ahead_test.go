package ahead

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func TestProgressAndIndex(t *testing.T) {
	ctx := context.Background()
	prefix := filepath.Join(t.TempDir(), "ds")
	if p, err := ReadProgress(ctx, prefix); err != nil || p.Finished != 0 {
		t.Fatalf("no progress file: got %+v, %v; want nothing finished", p, err)
	}
	if _, err := ReadIndex(ctx, prefix); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no index: got %v, want fs.ErrNotExist", err)
	}
	if err := WriteProgress(ctx, prefix, Progress{Finished: 3}); err != nil {
		t.Fatal(err)
	}
	if err := WriteIndex(ctx, prefix, &Index{Epochs: 5, Done: 4, Deleted: 1}); err != nil {
		t.Fatal(err)
	}
	p, err := ReadProgress(ctx, prefix)
	if err != nil || p.Finished != 3 {
		t.Errorf("progress %+v, %v; want 3 finished", p, err)
	}
	ix, err := ReadIndex(ctx, prefix)
	if err != nil || *ix != (Index{Epochs: 5, Done: 4, Deleted: 1}) {
		t.Errorf("index %+v, %v", ix, err)
	}
	b, _ := os.ReadFile(ProgressPath(prefix))
	if string(b) != `{"epochs_finished":3}` {
		t.Errorf("progress file %q", b)
	}
}

// DeleteEpoch removes one epoch's files and no other's, even an epoch whose
// number starts with the same digits.
func TestDeleteEpoch(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "ds")
	for _, tc := range []struct {
		epoch int
		files []string
	}{
		{1, []string{"-00000-of-00002.tfrecord", "-00001-of-00002.tfrecord", ".manifest.json", ".labels.txt", ".rejected.jsonl"}},
		{10000, []string{"-00000-of-00001.tfrecord", ".manifest.json"}},
		{100000, []string{"-00000-of-00001.tfrecord", ".manifest.json"}},
	} {
		for _, f := range tc.files {
			if err := os.WriteFile(EpochPrefix(prefix, tc.epoch)+f, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, e := range []int{1, 10000} {
		if err := DeleteEpoch(context.Background(), EpochPrefix(prefix, e)); err != nil {
			t.Fatal(err)
		}
	}
	left, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(left)
	want := []string{EpochPrefix(prefix, 100000) + "-00000-of-00001.tfrecord", EpochPrefix(prefix, 100000) + ".manifest.json"}
	if len(left) != len(want) || left[0] != want[0] || left[1] != want[1] {
		t.Errorf("left %q, want %q", left, want)
	}
}
