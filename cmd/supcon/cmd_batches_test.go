package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/shardstest"
)

// writeBatchesDataset writes classes × per images of 4 raw 2×2 gray views in
// 3 shards and returns the manifest's name.
func writeBatchesDataset(t *testing.T, classes, per int) string {
	t.Helper()
	var names []string
	counts := map[string]int64{}
	for c := 0; c < classes; c++ {
		names = append(names, fmt.Sprintf("class%d", c))
		counts[names[c]] = int64(per)
	}
	var recs []*shards.Multiview
	for i := 0; i < classes*per; i++ {
		m := &shards.Multiview{ID: fmt.Sprintf("img%03d", i), Label: int64(i % classes), ClassText: names[i%classes],
			Format: shards.FormatRaw, Height: 2, Width: 2, Channels: 1, Policy: "none"}
		for v := 0; v < 4; v++ {
			m.Views = append(m.Views, []byte{byte(i), byte(v), 1, 2})
		}
		recs = append(recs, m)
	}
	d := shardstest.Dataset{Prefix: filepath.Join(t.TempDir(), "toy"), Shards: 3, Classes: names,
		Manifest: shards.Manifest{Views: 4, Classes: names, ClassCounts: counts}}
	return d.MustWrite(t, recs)
}

// parseBatches decodes the command's output lines.
func parseBatches(t *testing.T, out string) []batchLine {
	t.Helper()
	var lines []batchLine
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		if s == "" {
			continue
		}
		var l batchLine
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("line %q: %v", s, err)
		}
		lines = append(lines, l)
	}
	return lines
}

func TestBatchesPrintsBalancedBatches(t *testing.T) {
	data := writeBatchesDataset(t, 4, 6)
	code, out, errOut := supcon(t, "batches", "--data", data, "--p", "2", "--k", "3", "--views", "2", "--seed", "5", "--count", "3", "--decode")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := parseBatches(t, out)
	if len(lines) != 3 {
		t.Fatalf("%d batches, want 3:\n%s", len(lines), out)
	}
	for i, l := range lines {
		if l.Batch != i || len(l.IDs) != 6 || len(l.Labels) != 6 || len(l.Views) != 6 || len(l.Images) != 6 {
			t.Fatalf("batch %d: %+v", i, l)
		}
		for r := 0; r < 6; r++ {
			if l.Labels[r] != l.Labels[r/3*3] || len(l.Views[r]) != 2 || l.Views[r][0] == l.Views[r][1] {
				t.Errorf("batch %d row %d: label %d, views %v", i, r, l.Labels[r], l.Views[r])
			}
		}
		if l.Labels[0] == l.Labels[3] {
			t.Errorf("batch %d: one class in both slots", i)
		}
	}
	var sum batchesSummary
	if err := json.Unmarshal([]byte(errOut), &sum); err != nil {
		t.Fatalf("summary %q: %v", errOut, err)
	}
	if sum.Position.Batch != 3 || sum.Stats.Batches != 3 || sum.Stats.ClassSlots != 6 {
		t.Errorf("summary %+v", sum)
	}
	// Same flags, same output.
	if _, again, _ := supcon(t, "batches", "--data", data, "--p", "2", "--k", "3", "--views", "2", "--seed", "5", "--count", "3"); again != out {
		t.Error("a second run printed other batches")
	}
	// Following the (finished) dataset reads every image once in its epoch.
	prefix := strings.TrimSuffix(data, ".manifest.json")
	code, out, errOut = supcon(t, "batches", "--data", prefix, "--follow", "--poll", "1ms", "--p", "2", "--k", "3", "--views", "2")
	if code != 0 {
		t.Fatalf("--follow: exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(errOut), &sum); err != nil || sum.Stats.Images != 24 || sum.Stats.Read.Shards != 3 {
		t.Errorf("--follow: summary %q (%v)", errOut, err)
	}
}

// Ranks see disjoint images that together make the dataset.
func TestBatchesRanks(t *testing.T) {
	data := writeBatchesDataset(t, 3, 8)
	seen := map[string][]int{} // the ranks that used each image
	for rank := 0; rank < 2; rank++ {
		code, out, errOut := supcon(t, "batches", "--data", data, "--p", "2", "--k", "2", "--views", "1", "--rank", fmt.Sprint(rank), "--world", "2")
		if code != 0 {
			t.Fatalf("rank %d: exit %d: %s", rank, code, errOut)
		}
		for _, l := range parseBatches(t, out) {
			copies := map[int]bool{}
			for _, r := range append(l.Copies, l.Reused...) {
				copies[r] = true
			}
			for r, id := range l.IDs {
				if !copies[r] {
					seen[id] = append(seen[id], rank)
				}
			}
		}
	}
	if len(seen) != 24 {
		t.Errorf("ranks used %d of 24 images", len(seen))
	}
	for id, ranks := range seen {
		if len(ranks) != 1 {
			t.Errorf("%s used by ranks %v, want exactly one use", id, ranks)
		}
	}
}

// --resume with the summary a run printed continues where it stopped.
func TestBatchesResume(t *testing.T) {
	data := writeBatchesDataset(t, 4, 6)
	args := []string{"batches", "--data", data, "--p", "2", "--k", "2", "--views", "2", "--seed", "8"}
	_, whole, _ := supcon(t, append(args, "--count", "4")...)
	_, _, summary := supcon(t, append(args, "--count", "2")...)
	saved := filepath.Join(t.TempDir(), "position.json")
	if err := os.WriteFile(saved, []byte(summary), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rest, errOut := supcon(t, append(args, "--count", "2", "--resume", saved)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := strings.SplitAfterN(whole, "\n", 3)[2]
	if rest != want {
		t.Errorf("resumed run printed\n%s\nwant\n%s", rest, want)
	}
	if code, _, errOut := supcon(t, "batches", "--data", data, "--p", "2", "--k", "3", "--views", "2", "--resume", saved); code != 1 || !strings.Contains(errOut, "other settings") {
		t.Errorf("resume with other K: exit %d, %q", code, errOut)
	}
}

func TestBatchesErrors(t *testing.T) {
	data := writeBatchesDataset(t, 3, 4)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no data", []string{"--p", "2", "--k", "2", "--views", "2"}, 2, "no --data"},
		{"zero k", []string{"--data", data, "--p", "2", "--views", "2"}, 1, "each must be at least 1"},
		{"rank out of world", []string{"--data", data, "--p", "2", "--k", "2", "--views", "2", "--rank", "2", "--world", "2"}, 1, "want 0 <= rank < world"},
		{"negative count", []string{"--data", data, "--p", "2", "--k", "2", "--views", "2", "--count", "-1"}, 2, "--count -1 is negative"},
		{"negative epochs", []string{"--data", data, "--p", "2", "--k", "2", "--views", "2", "--epochs", "-1"}, 1, "-1 epochs is negative"},
		{"bad policy", []string{"--data", data, "--p", "2", "--k", "2", "--views", "2", "--corrupt", "ignore"}, 2, "want fail or skip"},
		{"stray argument", []string{"--data", data, "--p", "2", "--k", "2", "--views", "2", "extra"}, 2, "unexpected arguments"},
		{"too many classes", []string{"--data", data, "--p", "4", "--k", "2", "--views", "2"}, 1, "the dataset has 3 classes, a batch needs P = 4"},
		{"too many views", []string{"--data", data, "--p", "2", "--k", "2", "--views", "5"}, 1, "stores 4 views"},
		{"missing data", []string{"--data", data + ".nope*", "--p", "2", "--k", "2", "--views", "2"}, 1, "no files match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := supcon(t, append([]string{"batches"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, %q; want %d and %q", code, errOut, tc.code, tc.want)
			}
		})
	}
}
