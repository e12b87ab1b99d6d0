package shards

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/supcon/supcon/internal/gcstest"
)

func TestShardNames(t *testing.T) {
	if got := ShardPath("out/train", 3, 16, Gzip); got != "out/train-00003-of-00016.tfrecord.gz" {
		t.Errorf("ShardPath = %s", got)
	}
	if got := ShardPath("gs://b/d/val", 0, 1, None); got != "gs://b/d/val-00000-of-00001.tfrecord" {
		t.Errorf("ShardPath = %s", got)
	}
	if LabelsPath("out/train") != "out/train.labels.txt" || ManifestPath("out/train") != "out/train.manifest.json" {
		t.Errorf("labels or manifest path wrong")
	}
	for _, tc := range []struct {
		name string
		want ShardName
		ok   bool
	}{
		{"gs://b/x/train-00015-of-00016.tfrecord.zz", ShardName{"gs://b/x/train", 15, 16, Zlib}, true},
		{"out/val-00000-of-00001.tfrecord", ShardName{"out/val", 0, 1, None}, true},
		{"a-b-00002-of-00100000.tfrecord.gz", ShardName{"a-b", 2, 100000, Gzip}, true},
		{"train-00016-of-00016.tfrecord", ShardName{}, false},
		{"train-1-of-2.tfrecord", ShardName{}, false},
		{"train.tfrecord", ShardName{}, false},
		{"train-00000-of-00002.tfrecord.bz2", ShardName{}, false},
	} {
		got, ok := ParseShardPath(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseShardPath(%q) = %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	counts := make([]int, 4)
	for i := 0; i < 4000; i++ {
		counts[ShardOf(fmt.Sprintf("img/%d.jpg", i), 4)]++
	}
	for s, c := range counts {
		if c < 800 || c > 1200 {
			t.Errorf("ShardOf puts %d of 4000 ids in shard %d", c, s)
		}
	}
	if ShardOf("cats/1.jpg", 16) != ShardOf("cats/1.jpg", 16) {
		t.Errorf("ShardOf is not stable")
	}
}

// writeDataset writes records r0..r{n-1} to shards by ShardOf and finalizes.
func writeDataset(t *testing.T, prefix string, shards, records int, c Compression) *Manifest {
	t.Helper()
	ctx := context.Background()
	d, err := NewDatasetWriter(prefix, shards, c)
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]int64{}
	for i := 0; i < records; i++ {
		m := rawRecord(fmt.Sprintf("r%03d", i), int64(i%3), 2)
		data, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, ShardOf(m.ID, shards), data); err != nil {
			t.Fatal(err)
		}
		classes[m.ClassText]++
	}
	man, err := d.Finalize(ctx, []string{"classa", "classb", "classc"}, Manifest{Views: 2, Policy: "autoaugment:imagenet", Seed: 7, ClassCounts: classes})
	if err != nil {
		t.Fatal(err)
	}
	return man
}

func readIDs(t *testing.T, inputs ...string) []string {
	t.Helper()
	r, err := OpenRecords(context.Background(), inputs, MultiReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ids []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		m, err := UnmarshalMultiview(rec)
		if err != nil {
			t.Fatalf("%s offset %d: %v", r.File(), r.Offset(), err)
		}
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	return ids
}

func wantIDs(n int) []string {
	var ids []string
	for i := 0; i < n; i++ {
		ids = append(ids, fmt.Sprintf("r%03d", i))
	}
	return ids
}

func TestDatasetWriteAndRead(t *testing.T) {
	for _, c := range []Compression{None, Gzip} {
		dir := t.TempDir()
		prefix := filepath.Join(dir, "train")
		man := writeDataset(t, prefix, 4, 50, c)
		if man.Records != 50 || len(man.Shards) != 4 || man.Format != ManifestFormat || man.Compression != c {
			t.Errorf("manifest: %+v", man)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		var names []string
		for _, f := range files {
			names = append(names, filepath.Base(f))
		}
		want := []string{"train-00000-of-00004.tfrecord" + c.Ext(), "train-00001-of-00004.tfrecord" + c.Ext(),
			"train-00002-of-00004.tfrecord" + c.Ext(), "train-00003-of-00004.tfrecord" + c.Ext(), "train.labels.txt", "train.manifest.json"}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("files = %v, want %v (no temporary files left)", names, want)
		}
		for _, s := range man.Shards {
			b, err := os.ReadFile(filepath.Join(dir, s.Name))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != s.SHA256 || int64(len(b)) != s.Bytes {
				t.Errorf("%s: manifest says %d bytes sha %s; file has %d bytes sha %x", s.Name, s.Bytes, s.SHA256, len(b), sum)
			}
		}
		if got := readIDs(t, ShardGlob(prefix)); strings.Join(got, ",") != strings.Join(wantIDs(50), ",") {
			t.Errorf("read back %v", got)
		}
		if got := readIDs(t, ManifestPath(prefix)); len(got) != 50 {
			t.Errorf("reading through the manifest gave %d records", len(got))
		}
		labels, err := ReadLabels(context.Background(), LabelsPath(prefix))
		if err != nil || strings.Join(labels, ",") != "classa,classb,classc" {
			t.Errorf("labels = %v, %v", labels, err)
		}
		m2, err := ReadManifest(context.Background(), ManifestPath(prefix))
		if err != nil || m2.Records != 50 || m2.ClassCounts["classa"] != 17 {
			t.Errorf("manifest read back: %+v, %v", m2, err)
		}
	}
}

// Finalize after simulated failures: a failed attempt's leftover, a retried
// shard with two finished attempts, a shard an earlier Finalize already
// renamed, and a shard nobody wrote. The result is exactly N correct shards.
func TestFinalizeAfterFailures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	prefix := filepath.Join(dir, "ds")
	const n = 4
	write := func(i int, ids ...string) TempShard {
		w, err := CreateShard(ctx, prefix, i, n, None)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			data, _ := rawRecord(id, 0, 1).Marshal()
			if err := w.Write(data); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		res, ok := w.Result()
		if !ok {
			t.Fatal("no result after Close")
		}
		return res
	}
	// Shard 0: a failed attempt (a partial file never closed) and a good one.
	failed, err := CreateShard(ctx, prefix, 0, n, None)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := rawRecord("partial", 0, 1).Marshal()
	failed.Write(data)
	if _, ok := failed.Result(); ok {
		t.Fatal("an unclosed attempt has a result")
	}
	s0 := write(0, "a", "b")
	// Shard 1: retried, both attempts finished with the same content.
	s1a, s1b := write(1, "c"), write(1, "c")
	// Shard 2: written, then renamed into place by an earlier, interrupted Finalize.
	s2 := write(2, "d", "e", "f")
	if err := storage.Local.Rename(ctx, s2.Path, ShardPath(prefix, 2, n, None)); err != nil {
		t.Fatal(err)
	}
	// Shard 3: nobody wrote it.
	done := []TempShard{s0, s1a, s1b, s2}
	man, err := Finalize(ctx, prefix, done, FinalizeOptions{NumShards: n, Manifest: Manifest{Views: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if man.Records != 6 {
		t.Errorf("manifest counts %d records, want 6", man.Records)
	}
	wantCounts := []int64{2, 1, 3, 0}
	for i, s := range man.Shards {
		if s.Records != wantCounts[i] {
			t.Errorf("shard %d: %d records, want %d", i, s.Records, wantCounts[i])
		}
	}
	if _, err := os.Stat(TempDir(prefix)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary folder left behind: %v", err)
	}
	if got := strings.Join(readIDs(t, ShardGlob(prefix)), ","); got != "a,b,c,d,e,f" {
		t.Errorf("records = %s, want a,b,c,d,e,f (no partial, no duplicate)", got)
	}
	// Running Finalize again (say the process died before it returned) changes nothing.
	first, _ := os.ReadFile(ManifestPath(prefix))
	if _, err := Finalize(ctx, prefix, done, FinalizeOptions{NumShards: n, Manifest: Manifest{Views: 1}}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(ManifestPath(prefix))
	if string(first) != string(second) {
		t.Errorf("second Finalize changed the manifest:\n%s\n%s", first, second)
	}
}

func TestFinalizeRejectsBadAttempts(t *testing.T) {
	ctx := context.Background()
	prefix := filepath.Join(t.TempDir(), "ds")
	if _, err := Finalize(ctx, prefix, []TempShard{{Index: 5, Path: "x"}}, FinalizeOptions{NumShards: 2}); err == nil || !strings.Contains(err.Error(), "shard 5 of 2") {
		t.Errorf("out-of-range attempt: %v", err)
	}
	if _, err := Finalize(ctx, prefix, []TempShard{{Index: 0, Path: prefix + ".temp/gone"}}, FinalizeOptions{NumShards: 1}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("vanished attempt: %v", err)
	}
	if _, err := os.Stat(ManifestPath(prefix)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed Finalize wrote a manifest")
	}
}

func TestDatasetWriterAbort(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, _ := NewDatasetWriter(filepath.Join(dir, "ds"), 2, None)
	data, _ := rawRecord("x", 0, 1).Marshal()
	if err := d.Write(ctx, 1, data); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(ctx, 2, data); err == nil {
		t.Errorf("shard 2 of 2 accepted")
	}
	if err := d.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("Abort left %v", left)
	}
}

func TestMultiReaderErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := OpenRecords(ctx, []string{filepath.Join(dir, "*.tfrecord")}, MultiReaderOptions{}); err == nil || !strings.Contains(err.Error(), "no files match") {
		t.Errorf("empty glob: %v", err)
	}
	if _, err := OpenRecords(ctx, []string{filepath.Join(dir, "missing.tfrecord")}, MultiReaderOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	good := frame(t, None, []byte("one"), []byte("two"))
	bad := append([]byte(nil), good...)
	bad[len(bad)-1] ^= 1
	os.WriteFile(filepath.Join(dir, "a.tfrecord"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "b.tfrecord"), bad, 0o644)
	r, err := OpenRecords(ctx, []string{filepath.Join(dir, "*.tfrecord")}, MultiReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
		n++
	}
	want := fmt.Sprintf("%s: offset 19: data CRC mismatch", filepath.Join(dir, "b.tfrecord"))
	if n != 3 || !strings.Contains(err.Error(), want) || r.Offset() != 19 || r.File() != filepath.Join(dir, "b.tfrecord") {
		t.Errorf("after %d records: %v (file %s offset %d), want %q", n, err, r.File(), r.Offset(), want)
	}
	if _, again := r.Next(); again != err {
		t.Errorf("error not sticky: %v", again)
	}
}

// The same dataset code on gs://, against the in-process fake server.
func TestDatasetOnGCS(t *testing.T) {
	bucket := gcstest.Start(t)
	ctx := context.Background()
	prefix := "gs://" + bucket + "/data/train"
	man := writeDataset(t, prefix, 3, 20, Gzip)
	if man.Records != 20 {
		t.Fatalf("manifest: %+v", man)
	}
	files, err := storage.Glob(ctx, "gs://"+bucket+"/data/*")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimPrefix(f.Name, "gs://"+bucket+"/data/"))
	}
	want := "train-00000-of-00003.tfrecord.gz train-00001-of-00003.tfrecord.gz train-00002-of-00003.tfrecord.gz train.labels.txt train.manifest.json"
	if strings.Join(names, " ") != want {
		t.Errorf("gs:// listing = %v, want %s (temporary objects deleted; * does not cross /)", names, want)
	}
	if left, _ := storage.Glob(ctx, "gs://"+bucket+"/data/train.temp/*"); len(left) != 0 {
		t.Errorf("temporary objects left: %v", left)
	}
	if got := readIDs(t, ShardGlob(prefix)); strings.Join(got, ",") != strings.Join(wantIDs(20), ",") {
		t.Errorf("read back from gs:// %v", got)
	}
	if got := readIDs(t, ManifestPath(prefix)); len(got) != 20 {
		t.Errorf("reading through the gs:// manifest gave %d records", len(got))
	}
	if _, err := storage.For(prefix).Stat(ctx, prefix+"-nope"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat of a missing object: %v", err)
	}
	if _, err := storage.Open(ctx, "gs://"+bucket); err == nil || !strings.Contains(err.Error(), "names a bucket") {
		t.Errorf("storage.Open of a bucket: %v", err)
	}
}
