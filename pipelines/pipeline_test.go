package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/supcon/supcon/shards"
)

func TestMain(m *testing.M) {
	// Beam's runners log every job step at INFO; tests want only problems.
	beamlog.LogLevel = "warn"
	ptest.MainWithDefault(m, "prism")
}

// treeConfig is a small, fast configuration over testdata/tree.
func treeConfig(t *testing.T, output string) Config {
	t.Helper()
	cfg := Config{Input: "testdata/tree", Output: output, Policy: "randaugment:n=2,m=9", Views: 2, Epochs: 2, Shards: 2,
		Size: 24, Channels: 3, Format: "png", Seed: 42, Compression: "none"}
	if err := ResolveLabels(context.Background(), &cfg, ""); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// readDataset returns every record of a dataset, by manifest.
func readDataset(t *testing.T, prefix string) []*shards.Multiview {
	t.Helper()
	r, err := shards.OpenRecords(context.Background(), []string{shards.ManifestPath(prefix)}, shards.MultiReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []*shards.Multiview
	for {
		data, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		m, err := shards.UnmarshalMultiview(data)
		if err != nil {
			t.Fatalf("%s offset %d: %v", r.File(), r.Offset(), err)
		}
		copied := *m
		copied.Views = nil
		for _, v := range m.Views {
			copied.Views = append(copied.Views, append([]byte(nil), v...))
		}
		out = append(out, &copied)
	}
}

var wantTree = map[string]string{ // id -> class
	"cat/chelsea.png":             "cat",
	"cat/chelsea-gray16.png":      "cat",
	"cup/coffee.jpg":              "cup",
	"cup/coffee.bmp":              "cup",
	"space/astronaut.gif":         "space",
	"space/launch/pad/rocket.jpg": "space",
}

var wantRejected = map[string]string{ // id -> part of the reason
	"cat/empty.jpg":     "empty file (0 bytes)",
	"cup/truncated.jpg": "corrupt jpeg image",
	"space/fake.jpg":    "corrupt jpeg image: header",
	"space/notes.txt":   "not a decodable image",
}

// checkTreeDataset checks the exact records and rejections of a run over testdata/tree.
func checkTreeDataset(t *testing.T, cfg Config) {
	t.Helper()
	recs := readDataset(t, cfg.Output)
	if len(recs) != len(wantTree)*cfg.Epochs {
		t.Fatalf("%d records, want %d", len(recs), len(wantTree)*cfg.Epochs)
	}
	labels := map[string]int64{"cat": 0, "cup": 1, "space": 2}
	seen := map[string]int{}
	for _, m := range recs {
		class, ok := wantTree[m.ID]
		if !ok {
			t.Errorf("unexpected record %q", m.ID)
			continue
		}
		seen[fmt.Sprintf("%s@%d", m.ID, m.Epoch)]++
		if m.ClassText != class || m.Label != labels[class] || len(m.Views) != cfg.Views || m.Width != cfg.Size ||
			m.Height != cfg.Size || m.Channels != 3 || m.Format != "png" || m.Seed != cfg.Seed || m.Policy != "randaugment:n=2,m=9,convention=tf" && m.Policy != cfg.Policy {
			t.Errorf("record %+v", *m)
		}
	}
	for id := range wantTree {
		for e := 0; e < cfg.Epochs; e++ {
			if seen[fmt.Sprintf("%s@%d", id, e)] != 1 {
				t.Errorf("%s epoch %d appears %d times", id, e, seen[fmt.Sprintf("%s@%d", id, e)])
			}
		}
	}
	// Every shard is sorted by id, and epoch e fills shards e*N..e*N+N-1.
	man, err := shards.ReadManifest(context.Background(), shards.ManifestPath(cfg.Output))
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Shards) != cfg.Shards*cfg.Epochs || man.Records != int64(len(recs)) || man.Rejected != int64(len(wantRejected)) {
		t.Errorf("manifest: %d shards, %d records, %d rejected", len(man.Shards), man.Records, man.Rejected)
	}
	if strings.Join(man.Classes, ",") != "cat,cup,space" || man.ClassCounts["cup"] != 2*int64(cfg.Epochs) {
		t.Errorf("manifest classes %v counts %v", man.Classes, man.ClassCounts)
	}
	for i, p := range man.ShardPaths(shards.ManifestPath(cfg.Output)) {
		r, err := shards.OpenRecords(context.Background(), []string{p}, shards.MultiReaderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for {
			data, err := r.Next()
			if err != nil {
				break
			}
			m, _ := shards.UnmarshalMultiview(data)
			ids = append(ids, m.ID)
			if int(m.Epoch) != i/cfg.Shards {
				t.Errorf("shard %d holds epoch %d", i, m.Epoch)
			}
		}
		r.Close()
		if !sort.StringsAreSorted(ids) {
			t.Errorf("shard %d is not sorted by id: %v", i, ids)
		}
	}
	// The rejected inputs, each with its reason.
	b, err := storage.ReadFile(context.Background(), RejectedPath(cfg.Output))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(wantRejected) {
		t.Fatalf("rejected:\n%s", b)
	}
	for _, l := range lines {
		var r rejection
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if want, ok := wantRejected[r.ID]; !ok || !strings.Contains(r.Reason, want) || !strings.HasSuffix(r.Source, r.ID) {
			t.Errorf("rejection %+v", r)
		}
	}
}

// The pipeline on prism, with passert on its outputs.
func TestAugmentFolderTreeOnPrism(t *testing.T) {
	cfg := treeConfig(t, filepath.Join(t.TempDir(), "train"))
	p, s := beam.NewPipelineWithRoot()
	written, rejected := Build(s, cfg)
	passert.Count(s, rejected, "rejected", len(wantRejected))
	passert.Count(s, written, "written shards", cfg.Shards*cfg.Epochs)
	ptest.RunAndValidate(t, p)
	checkTreeDataset(t, cfg)
}

// Same inputs and seed give byte-identical shards on prism and direct.
func TestDeterministicAcrossRunners(t *testing.T) {
	dir := t.TempDir()
	var sums [][]string
	for _, runner := range []string{"prism", "direct"} {
		cfg := treeConfig(t, filepath.Join(dir, runner, "train"))
		sum, err := Run(context.Background(), cfg, runner, nil)
		if err != nil {
			t.Fatalf("%s: %v", runner, err)
		}
		if sum.Images != int64(len(wantTree)) || sum.Rejected != int64(len(wantRejected)) || sum.Views != int64(len(wantTree)*cfg.Views*cfg.Epochs) {
			t.Errorf("%s summary %+v", runner, sum)
		}
		checkTreeDataset(t, cfg)
		var shas []string
		for _, sh := range sum.Manifest.Shards {
			shas = append(shas, sh.Name+" "+sh.SHA256)
		}
		sums = append(sums, shas)
	}
	if strings.Join(sums[0], "\n") != strings.Join(sums[1], "\n") {
		t.Errorf("prism and direct differ:\n%s\n--\n%s", strings.Join(sums[0], "\n"), strings.Join(sums[1], "\n"))
	}
	a, _ := os.ReadFile(filepath.Join(dir, "prism", "train.manifest.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "direct", "train.manifest.json"))
	if string(a) != strings.ReplaceAll(string(b), "/direct/", "/prism/") {
		t.Errorf("manifests differ:\n%s\n%s", a, b)
	}
}

// Leftovers of earlier failed attempts (partial temporary files, a stale
// shard already renamed into place) are removed or replaced, and exactly N
// correct shards remain.
func TestLeftoverAttemptsAreCleanedUp(t *testing.T) {
	dir := t.TempDir()
	cfg := treeConfig(t, filepath.Join(dir, "train"))
	cfg.Epochs = 1
	tmp := shards.TempDir(cfg.Output)
	os.MkdirAll(tmp, 0o755)
	for i := 0; i < 3; i++ { // partial attempts of a crashed earlier run
		os.WriteFile(filepath.Join(tmp, fmt.Sprintf("train-0000%d-of-00002.tfrecord.attempt-dead%d", i%2, i)), []byte("partial"), 0o644)
	}
	// Runs of a killed earlier run, never referenced by this one.
	os.WriteFile(runPath(cfg.Output, 0, "deadbeefdeadbeef", 1), []byte("\x01xpartial run"), 0o644)
	os.WriteFile(runPath(cfg.Output, 1, "merge00000000dead", 3), nil, 0o644)
	// A shard that an interrupted earlier run had already renamed into place.
	os.WriteFile(shards.ShardPath(cfg.Output, 1, 2, shards.None), []byte("stale shard of an earlier attempt"), 0o644)
	if _, err := Run(context.Background(), cfg, "prism", nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := "train-00000-of-00002.tfrecord train-00001-of-00002.tfrecord train.labels.txt train.manifest.json train.rejected.jsonl"
	if strings.Join(names, " ") != want {
		t.Errorf("output folder: %v, want %s", names, want)
	}
	checkTreeDataset(t, cfg)
}

// --labels fixes classes: an image of a class not in the list is rejected.
func TestFixedLabels(t *testing.T) {
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.txt")
	os.WriteFile(labels, []byte("space\ncat\n"), 0o644)
	cfg := treeConfig(t, filepath.Join(dir, "val"))
	cfg.Epochs, cfg.Views, cfg.Policy = 1, 1, "none"
	if err := ResolveLabels(context.Background(), &cfg, labels); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), cfg, "prism", nil); err != nil {
		t.Fatal(err)
	}
	recs := readDataset(t, cfg.Output)
	for _, m := range recs {
		if want := map[string]int64{"space": 0, "cat": 1}[m.ClassText]; m.Label != want || m.ClassText == "cup" {
			t.Errorf("record %s: class %s label %d", m.ID, m.ClassText, m.Label)
		}
	}
	b, _ := os.ReadFile(RejectedPath(cfg.Output))
	if !strings.Contains(string(b), `"id":"cup/coffee.jpg"`) || !strings.Contains(string(b), `class \"cup\" is not in the labels`) {
		t.Errorf("rejected:\n%s", b)
	}
	if got, _ := os.ReadFile(shards.LabelsPath(cfg.Output)); string(got) != "space\ncat\n" {
		t.Errorf("labels.txt = %q", got)
	}
}

// The plain Go loop writes the same bytes as the pipeline.
func TestRunLocalMatchesPipeline(t *testing.T) {
	dir := t.TempDir()
	a := treeConfig(t, filepath.Join(dir, "beam", "train"))
	b := treeConfig(t, filepath.Join(dir, "loop", "train"))
	sa, err := Run(context.Background(), a, "prism", nil)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := RunLocal(context.Background(), b, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range mb.Shards {
		if sa.Manifest.Shards[i] != mb.Shards[i] {
			t.Errorf("shard %d: beam %+v, loop %+v", i, sa.Manifest.Shards[i], mb.Shards[i])
		}
	}
	checkTreeDataset(t, b)
}
