package shards

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/internal/storage"
)

func TestFindManifest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeDataset(t, filepath.Join(dir, "with"), 2, 6, None)
	writeDataset(t, filepath.Join(dir, "without"), 2, 6, None)
	if err := os.Remove(ManifestPath(filepath.Join(dir, "without"))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		shard, want string
	}{
		{ShardPath(filepath.Join(dir, "with"), 1, 2, None), ManifestPath(filepath.Join(dir, "with"))},
		{ShardPath(filepath.Join(dir, "without"), 1, 2, None), ""},
		{filepath.Join(dir, "with.labels.txt"), ""},
		{ShardPath(filepath.Join(dir, "absent"), 0, 1, Gzip), ""},
	} {
		m, mp, err := FindManifest(ctx, tc.shard)
		if err != nil || mp != tc.want || (m != nil) != (tc.want != "") {
			t.Errorf("FindManifest(%s) = %v, %q, %v; want %q", tc.shard, m != nil, mp, err, tc.want)
		}
		if m != nil && len(m.Shards) != 2 {
			t.Errorf("FindManifest(%s) read %d shards, want 2", tc.shard, len(m.Shards))
		}
	}
}

func TestFinalizeRecordsTool(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "ds")
	for _, tool := range []string{"supcon v1.2.3", ""} {
		m, err := Finalize(context.Background(), prefix, nil, FinalizeOptions{NumShards: 1, Tool: tool, Manifest: Manifest{Tool: "ignored"}})
		if err != nil {
			t.Fatal(err)
		}
		read, err := ReadManifest(context.Background(), ManifestPath(prefix))
		if err != nil || m.Tool != tool || read.Tool != tool {
			t.Errorf("tool %q: manifest says %q, file says %q (%v)", tool, m.Tool, read.Tool, err)
		}
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		damage  func(t *testing.T, prefix string)
		wantErr string // "" for a sound dataset
		checked int    // shards compared with the manifest
	}{
		{"sound", func(*testing.T, string) {}, "", 2},
		{"no manifest", func(t *testing.T, p string) { remove(t, ManifestPath(p)) }, "", 0},
		{"flipped byte", func(t *testing.T, p string) { flip(t, ShardPath(p, 1, 2, None), 30) }, "offset", 0},
		{"wrong sha", func(t *testing.T, p string) {
			editManifest(t, p, func(m *Manifest) { m.Shards[0].SHA256 = strings.Repeat("0", 64) })
		}, "but the manifest says", 0},
		{"wrong count", func(t *testing.T, p string) { editManifest(t, p, func(m *Manifest) { m.Shards[1].Records++ }) }, "records, but the manifest says", 0},
		{"wrong views", func(t *testing.T, p string) { editManifest(t, p, func(m *Manifest) { m.Views = 3 }) }, "dataset has 3 per record", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "ds")
			writeDataset(t, prefix, 2, 7, None)
			tc.damage(t, prefix)
			files, err := ExpandInputs(ctx, []string{ShardGlob(prefix)})
			if err != nil {
				t.Fatal(err)
			}
			var done []string
			v, err := Verify(ctx, files, VerifyOptions{FileDone: func(f storage.FileInfo) { done = append(done, f.Name) }})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Verify: %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Verification{Files: 2, Records: 7, Multiview: 7, Views: 14, Bytes: v.Bytes, ManifestShards: tc.checked,
				Classes: []ClassCount{{0, "classa", 3}, {1, "classb", 2}, {2, "classc", 2}}}
			if got, _ := json.Marshal(v); string(got) != mustJSON(t, want) || v.Bytes <= 0 || len(done) != 2 {
				t.Errorf("Verify = %s (%d files done), want %s", got, len(done), mustJSON(t, want))
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func remove(t *testing.T, name string) {
	t.Helper()
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, name string, at int) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[at] ^= 0xff
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func editManifest(t *testing.T, prefix string, edit func(*Manifest)) {
	t.Helper()
	m, err := ReadManifest(context.Background(), ManifestPath(prefix))
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ManifestPath(prefix), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
