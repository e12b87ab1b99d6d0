package shardstest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
)

// TestWriteSquares writes the toy dataset and checks what the shards
// package reads back: the manifest, the records and their placement.
func TestWriteSquares(t *testing.T) {
	ctx := context.Background()
	manifest := WriteSquares(t, t.TempDir(), 12, 3, 6, 2, 1)
	m, err := shards.ReadManifest(ctx, manifest)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, s := range m.Shards {
		n += s.Records
	}
	if m.Records != 12 || n != 12 || m.Views != 2 || m.Height != 6 {
		t.Fatalf("manifest %+v", m)
	}
	again, _ := Squares(12, 3, 6, 2, 1)
	other, _ := Squares(12, 3, 6, 2, 2)
	if string(again[5].Views[1]) == string(other[5].Views[1]) {
		t.Error("seeds 1 and 2 gave the same pixels")
	}
	if again[4].ID != "img0004" || again[4].Label != 1 || again[4].ClassText != "class1" {
		t.Errorf("record 4: %s label %d %s", again[4].ID, again[4].Label, again[4].ClassText)
	}
}

// TestWriteOwnShard places records with Dataset.Shard and reports a record
// that cannot be marshalled.
func TestWriteOwnShard(t *testing.T) {
	dir := t.TempDir()
	recs := []*shards.Multiview{
		{ID: "a", Views: [][]byte{{1}}, Format: shards.FormatRaw, Height: 1, Width: 1, Channels: 1, Policy: "none"},
		{ID: "b", Label: 1, Views: [][]byte{{2}}, Format: shards.FormatRaw, Height: 1, Width: 1, Channels: 1, Policy: "none"},
	}
	d := Dataset{Prefix: filepath.Join(dir, "x"), Shards: 2, Classes: []string{"p", "q"},
		Manifest: shards.Manifest{Views: 1}, Shard: func(i int, _ *shards.Multiview) int { return i }}
	d.MustWrite(t, recs)
	for i := range 2 {
		if _, err := os.Stat(shards.ShardPath(d.Prefix, i, 2, shards.None)); err != nil {
			t.Errorf("shard %d: %v", i, err)
		}
	}
	bad := Dataset{Prefix: filepath.Join(dir, "bad")}
	if _, err := bad.Write(context.Background(), []*shards.Multiview{{ID: "", Views: nil}}); err == nil || !strings.HasPrefix(err.Error(), "shardstest: ") {
		t.Errorf("an empty record: error %v", err)
	}
}
