package run

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supcon/supcon/internal/gcstest"
	"github.com/supcon/supcon/internal/storage"
)

// runDirs are the places a run directory is tested in: local disk and
// gs:// on the in-process fake GCS server.
var runDirs = []struct {
	name string
	dir  func(t *testing.T) Dir
}{
	{"local", func(t *testing.T) Dir { return Dir(filepath.Join(t.TempDir(), "run")) }},
	{"gcs", func(t *testing.T) Dir { return Dir("gs://" + gcstest.Start(t) + "/runs/r1") }},
}

// Checkpoints are listed by step, the latest found, a damaged newest one set
// aside for the one before, and old ones pruned, on local disk and gs://.
func TestCheckpointsLatestDamagedPrune(t *testing.T) {
	ctx := context.Background()
	for _, tc := range runDirs {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.dir(t)
			if paths, err := d.Checkpoints(ctx); err != nil || len(paths) != 0 {
				t.Fatalf("a new run lists checkpoints %v, %v", paths, err)
			}
			var want []string
			for _, step := range []int64{10, 1, 2} {
				want = append(want, toyCheckpoint(t, d, step))
			}
			want = []string{want[1], want[2], want[0]}
			// Neither a set-aside nor a temporary file is a checkpoint.
			for _, other := range []string{"step-000000003.ckpt.damaged", "step-000000004.ckpt.tmp-0123"} {
				if err := storage.WriteFile(ctx, d.Path(CheckpointDir+"/"+other), []byte("x")); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := d.Checkpoints(ctx); err != nil || !slices.Equal(got, want) {
				t.Fatalf("checkpoints %v, %v; want %v", got, err, want)
			}
			if latest, err := d.LatestCheckpoint(ctx); err != nil || latest != d.CheckpointPath(10) {
				t.Fatalf("latest %q, %v", latest, err)
			}
			if err := storage.WriteFile(ctx, d.CheckpointPath(10), []byte("SUPCONCK\x01 half a file")); err != nil {
				t.Fatal(err)
			}
			var warn bytes.Buffer
			ck, path, err := d.ReadLatest(ctx, &warn)
			if err != nil || ck.Step != 2 || path != d.CheckpointPath(2) || string(ck.Optimizer) != "state" {
				t.Fatalf("read latest: %v at %q, %v", ck, path, err)
			}
			if !strings.Contains(warn.String(), "set aside as .damaged") {
				t.Fatalf("no warning: %q", warn.String())
			}
			if _, err := storage.For(string(d)).Stat(ctx, d.CheckpointPath(10)+".damaged"); err != nil {
				t.Fatal(err)
			}
			if err := d.Prune(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if got, err := d.Checkpoints(ctx); err != nil || !slices.Equal(got, []string{d.CheckpointPath(2)}) {
				t.Fatalf("after pruning to 1: %v, %v", got, err)
			}
		})
	}
}

// A resumed metrics file keeps the whole lines up to the checkpoint's step
// and continues after them; JSON files read back as written.
func TestMetricsResumeAndJSON(t *testing.T) {
	ctx := context.Background()
	for _, tc := range runDirs {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.dir(t)
			if _, kept, err := d.ResumeMetrics(ctx, "m.jsonl", 5); err != nil || len(kept) != 0 {
				t.Fatalf("resuming a missing file: %v, %v", kept, err)
			}
			mw, err := d.CreateMetrics(ctx, "m.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			for step := int64(1); step <= 3; step++ {
				if err := mw.Write(Metric{Step: step, Loss: float64(step)}); err != nil {
					t.Fatal(err)
				}
			}
			// Flushed lines are in the file before it is closed (on gs://
			// too, where the object is rewritten).
			if err := mw.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if ms, err := ReadMetrics(ctx, d.Path("m.jsonl")); err != nil || len(ms) != 3 {
				t.Fatalf("after Flush the file holds %d lines, %v", len(ms), err)
			}
			if err := mw.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := mw.Close(ctx); err != nil {
				t.Fatalf("closing again: %v", err)
			}
			mw, kept, err := d.ResumeMetrics(ctx, "m.jsonl", 2)
			if err != nil || len(kept) != 2 || kept[1].Step != 2 {
				t.Fatalf("kept %v, %v", kept, err)
			}
			if err := mw.Write(Metric{Step: 3, Loss: 30}); err != nil {
				t.Fatal(err)
			}
			if err := mw.Close(ctx); err != nil {
				t.Fatal(err)
			}
			ms, err := ReadMetrics(ctx, d.Path("m.jsonl"))
			if err != nil || len(ms) != 3 || ms[2].Loss != 30 {
				t.Fatalf("metrics after resume: %v, %v", ms, err)
			}

			type rec struct{ A, B int }
			if err := d.WriteJSON(ctx, "x.json", rec{1, 2}); err != nil {
				t.Fatal(err)
			}
			var back rec
			if err := d.ReadJSON(ctx, "x.json", &back); err != nil || back != (rec{1, 2}) {
				t.Fatalf("read back %v, %v", back, err)
			}
			if err := d.ReadJSON(ctx, "missing.json", &back); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("a missing file: %v", err)
			}
		})
	}
}

// Paths inside a gs:// run keep the scheme; local ones are cleaned.
func TestPathKeepsScheme(t *testing.T) {
	for _, tc := range []struct {
		dir  Dir
		want string
	}{
		{"gs://bkt/runs/r1", "gs://bkt/runs/r1/checkpoints/step-000000007.ckpt"},
		{"gs://bkt/runs/r1/", "gs://bkt/runs/r1/checkpoints/step-000000007.ckpt"},
		{"./runs//r1", "runs/r1/checkpoints/step-000000007.ckpt"},
		{"/tmp/r1", "/tmp/r1/checkpoints/step-000000007.ckpt"},
	} {
		if got := tc.dir.CheckpointPath(7); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.dir, got, tc.want)
		}
	}
}
