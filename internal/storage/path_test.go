package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Join, Dir and Base keep the gs:// scheme that path.Join and path.Dir
// would collapse to "gs:/".
func TestPaths(t *testing.T) {
	for _, tc := range []struct {
		dir, name, joined, base string
	}{
		{"gs://bkt/runs", "r1", "gs://bkt/runs/r1", "r1"},
		{"gs://bkt/runs/", "r1", "gs://bkt/runs/r1", "r1"},
		{"gs://bkt", "x.json", "gs://bkt/x.json", "x.json"},
		{"/tmp/a", "b.txt", "/tmp/a/b.txt", "b.txt"},
		{"", "b.txt", "b.txt", "b.txt"},
	} {
		if got := Join(tc.dir, tc.name); got != tc.joined {
			t.Errorf("Join(%q, %q) = %q, want %q", tc.dir, tc.name, got, tc.joined)
		}
		if got := Base(tc.joined); got != tc.base {
			t.Errorf("Base(%q) = %q, want %q", tc.joined, got, tc.base)
		}
	}
	for in, want := range map[string]string{
		"gs://bkt/runs/r1": "gs://bkt/runs",
		"gs://bkt/x":       "gs://bkt",
		"gs://bkt":         "gs://bkt",
		"/tmp/a/b":         "/tmp/a",
		"a/b":              "a",
		"b":                "",
		"./b":              ".",
	} {
		if got := Dir(in); got != want {
			t.Errorf("Dir(%q) = %q, want %q", in, got, want)
		}
	}
}

// WriteFile replaces a file whole and leaves no temporary file behind.
func TestWriteFileLocal(t *testing.T) {
	ctx := context.Background()
	name := filepath.Join(t.TempDir(), "sub", "f.txt")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFile(ctx, name, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(ctx, name)
		if err != nil || string(got) != content {
			t.Fatalf("ReadFile = %q, %v; want %q", got, err, content)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(name))
	if err != nil || len(entries) != 1 {
		t.Errorf("folder holds %v (%v); want only f.txt", entries, err)
	}
	if !IsGCS("gs://b/o") || IsGCS("/gs:/b") {
		t.Error("IsGCS")
	}
}
