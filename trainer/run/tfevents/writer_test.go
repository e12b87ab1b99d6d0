package tfevents

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supcon/supcon/internal/gcstest"
	"github.com/supcon/supcon/internal/storage"
)

var dirs = []struct {
	name string
	dir  func(t *testing.T) string
}{
	{"local", func(t *testing.T) string { return filepath.Join(t.TempDir(), "run") }},
	{"gcs", func(t *testing.T) string { return "gs://" + gcstest.Start(t) + "/runs/r1" }},
}

// fixedClock starts at t0 and moves on a millisecond per call.
func fixedClock(t0 time.Time) func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return t0.Add(time.Duration(n-1) * time.Millisecond)
	}
}

// A file in a run folder, local or on gs://: named as TensorFlow names it,
// readable after each Flush with every event so far, and a second writer in
// the same second gets the next second's name.
func TestCreateFlushClose(t *testing.T) {
	ctx := context.Background()
	t0 := time.Unix(1700000000, 250e6)
	for _, d := range dirs {
		t.Run(d.name, func(t *testing.T) {
			dir := d.dir(t)
			w, err := Create(ctx, dir, Options{Host: "box", Now: fixedClock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			if want := storage.Join(dir, "events.out.tfevents.1700000000.box"); w.Path() != want {
				t.Errorf("path %s, want %s", w.Path(), want)
			}
			evs, err := ReadFile(ctx, w.Path())
			if err != nil || len(evs) != 1 || evs[0].FileVersion != FileVersion {
				t.Fatalf("just created: %+v, %v", evs, err)
			}
			if err := w.Scalars(1, Value{"train/loss", 2.5}, Value{"train/learning_rate", 0.1}); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			evs, err = ReadFile(ctx, w.Path())
			if err != nil || len(evs) != 2 || evs[1].Step != 1 || len(evs[1].Summary) != 2 || evs[1].Summary[0].Value != 2.5 {
				t.Fatalf("after Flush: %+v, %v", evs, err)
			}
			// A second writer started in the same second (a quick resume).
			w2, err := Create(ctx, dir, Options{Host: "box", Now: fixedClock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			if want := storage.Join(dir, "events.out.tfevents.1700000001.box"); w2.Path() != want {
				t.Errorf("second path %s, want %s", w2.Path(), want)
			}
			if err := w2.SessionStart(2); err != nil {
				t.Fatal(err)
			}
			for _, x := range []*Writer{w, w2} {
				if err := x.Close(ctx); err != nil {
					t.Fatal(err)
				}
				if err := x.Close(ctx); err != nil {
					t.Errorf("second Close: %v", err)
				}
			}
			if err := w.Scalars(3); err == nil {
				t.Error("Scalars after Close: no error")
			}
			evs, err = ReadFile(ctx, w2.Path())
			if err != nil || len(evs) != 2 || evs[1].SessionStatus != SessionStart || evs[1].Step != 2 {
				t.Fatalf("second file: %+v, %v", evs, err)
			}
			files, err := storage.Glob(ctx, storage.Join(dir, "*"))
			if err != nil || len(files) != 2 {
				t.Fatalf("files %v, %v (want the two event files and nothing else)", files, err)
			}
			if err := RemoveFiles(ctx, dir); err != nil {
				t.Fatal(err)
			}
			if files, err := storage.Glob(ctx, storage.Join(dir, "*")); err != nil || len(files) != 0 {
				t.Errorf("after RemoveFiles: %v, %v", files, err)
			}
		})
	}
}

func TestRemoveFilesLeavesOthers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"metrics.jsonl", FileName(time.Unix(5, 0), "h"), "sub/" + FileName(time.Unix(6, 0), "h")} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveFiles(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if err := RemoveFiles(ctx, filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing folder: %v", err)
	}
	var left []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			left = append(left, strings.TrimPrefix(p, dir+"/"))
		}
		return nil
	})
	if want := "metrics.jsonl sub/events.out.tfevents.0000000006.h"; strings.Join(left, " ") != want {
		t.Errorf("left %v, want %s", left, want)
	}
}

func TestIsEventFile(t *testing.T) {
	for name, want := range map[string]bool{
		"run/events.out.tfevents.1700000000.box": true,
		"gs://b/r/events.out.tfevents.1.h.v2":    true,
		"run/metrics.jsonl":                      false,
	} {
		if IsEventFile(name) != want {
			t.Errorf("IsEventFile(%q) = %v", name, !want)
		}
	}
}

// A local file gets its events without Flush once localFlushEvery has
// passed (here: at once), so that TensorBoard sees a run move.
func TestLocalFlushByItself(t *testing.T) {
	defer func(d time.Duration) { localFlushEvery = d }(localFlushEvery)
	localFlushEvery = 0
	ctx := context.Background()
	w, err := Create(ctx, t.TempDir(), Options{Host: "h"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	if err := w.Scalars(1, Value{"x", 1}); err != nil {
		t.Fatal(err)
	}
	evs, err := ReadFile(ctx, w.Path())
	if err != nil || len(evs) != 2 || evs[1].Step != 1 {
		t.Errorf("before Flush: %+v, %v", evs, err)
	}
}
