package pipelines

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

// A bundle of the augment step writes its runs, then fails before the
// runner commits it (its worker is lost, say); the runner discards its
// outputs and retries the bundle on a fresh DoFn. A shard writer is retried
// too. The test drives the DoFns as a runner does: the retried bundle's
// runs have new names, only the committed references are merged, and the
// shards are byte-identical to the golden ones, with no run left behind.
func TestRetriedBundleAfterItsRuns(t *testing.T) {
	ctx := context.Background()
	const name = "mnist-raw-none-v2-e2-s5"
	cfg := goldenConfigs(t, writeMNIST(t, goldenMNISTImages))[name]
	cfg.Output = filepath.Join(t.TempDir(), "ds")
	cfg.RunBuffer = 64 << 10 // several runs per shard and attempt
	src, err := ParseSource(cfg.Input, cfg.Split)
	if err != nil {
		t.Fatal(err)
	}
	units, err := src.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rejects []string
	// bundle runs one attempt at a bundle of every unit on a new DoFn and
	// returns the run references it emitted, by shard.
	bundle := func() map[int][]string {
		f := &processFn{Cfg: cfg}
		if err := f.Setup(); err != nil {
			t.Fatal(err)
		}
		out := map[int][]string{}
		emit := func(shard int, ref string) { out[shard] = append(out[shard], ref) }
		reject := func(r string) { rejects = append(rejects, r) }
		f.StartBundle(ctx, emit, reject)
		for _, u := range units {
			if err := f.ProcessElement(ctx, u, emit, reject); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.FinishBundle(ctx, emit, reject); err != nil {
			t.Fatal(err)
		}
		return out
	}
	failed := bundle() // the runner loses this attempt after its runs are written
	rejects = nil
	committed := bundle()

	failedPaths := map[string]bool{}
	for _, refs := range failed {
		for _, s := range refs {
			r, err := decodeRunRef(s)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(r.Path); err != nil {
				t.Fatalf("the failed attempt's run: %v", err)
			}
			failedPaths[r.Path] = true
		}
	}
	var results []string
	for shard, refs := range committed {
		for _, s := range refs {
			if r, _ := decodeRunRef(s); failedPaths[r.Path] {
				t.Fatalf("the retry reused the failed attempt's run name %s", r.Path)
			}
		}
		if len(refs) < 2 {
			t.Fatalf("shard %d: %d runs, want several", shard, len(refs))
		}
		w := &writeShardFn{Cfg: cfg}
		if shard == 0 { // a shard writer attempt whose result is lost: it is retried
			if err := w.ProcessElement(ctx, shard, iterate(refs), func(string) {}); err != nil {
				t.Fatal(err)
			}
		}
		var out string
		if err := w.ProcessElement(ctx, shard, iterate(refs), func(s string) { out = s }); err != nil {
			t.Fatal(err)
		}
		results = append(results, out)
	}
	sort.Strings(results)
	if err := (&finalizeFn{Cfg: cfg}).ProcessElement(ctx, nil, iterate(results), iterate(rejects)); err != nil {
		t.Fatal(err)
	}
	got, err := readManifestSums(cfg.Output)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := strings.Join(got, "\n"), strings.Join(readGolden(t)[name], "\n"); g != w {
		t.Errorf("after a retried bundle, shards differ from the golden ones:\n%s\nwant\n%s", g, w)
	}
	if left, _ := storage.Glob(ctx, filepath.Join(shards.TempDir(cfg.Output), "*")); len(left) != 0 {
		t.Errorf("left in the temporary folder: %v", left)
	}
}
