package pipelines

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Several bundles' spillers share one small budget from many goroutines at
// once: none waits forever, every record lands in exactly one run, and runs
// come back sorted. (A spiller waiting for budget held by another must not
// wait for a spiller that waits for it.)
func TestSpillersShareTheBudget(t *testing.T) {
	ctx := context.Background()
	prefix := filepath.Join(t.TempDir(), "ds")
	const bundles, goroutines, perGoroutine, shards = 4, 3, 40, 3
	done := make(chan []runRef, bundles)
	for b := 0; b < bundles; b++ {
		go func() {
			s := newRunSpiller(prefix, 3000) // about 4 records of ~700 bytes, shared by all
			var wg sync.WaitGroup
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perGoroutine; i++ {
						id := fmt.Sprintf("b%d/g%d/%03d", b, g, (i*37)%perGoroutine)
						s.Add(ctx, i%shards, keyedRecord{ID: id, Data: make([]byte, 600), Views: 1})
					}
				}()
			}
			wg.Wait()
			if err := s.Flush(ctx); err != nil {
				t.Error(err)
			}
			done <- s.Take()
		}()
	}
	var refs []runRef
	for b := 0; b < bundles; b++ {
		select {
		case r := <-done:
			refs = append(refs, r...)
		case <-time.After(time.Minute):
			t.Fatal("spillers sharing a budget are stuck")
		}
	}
	seen := map[string]int{}
	for _, ref := range refs {
		rr, err := openRun(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		last := ""
		for {
			r, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.ID < last {
				t.Errorf("run %s: %s after %s", ref.Path, r.ID, last)
			}
			last = r.ID
			seen[fmt.Sprintf("%d %s", ref.Shard, r.ID)]++
		}
		rr.Close()
	}
	if len(seen) != bundles*goroutines*perGoroutine {
		t.Errorf("%d distinct records in the runs, want %d", len(seen), bundles*goroutines*perGoroutine)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("record %s is in %d runs", k, n)
		}
	}
	if spillBudget.used != 0 {
		t.Errorf("%d bytes of budget still held", spillBudget.used)
	}
}

// A run whose file is not the one its reference names (truncated, or
// longer) is an error, never a shorter or longer shard.
func TestDamagedRunIsAnError(t *testing.T) {
	ctx := context.Background()
	name := filepath.Join(t.TempDir(), "run")
	recs := []keyedRecord{{ID: "a", Class: "c", Label: 2, Data: []byte("xyz"), Views: 1}, {ID: "b", Data: []byte("pq")}}
	ref, err := writeRun(ctx, name, 0, func(yield func(*keyedRecord) error) error {
		for i := range recs {
			if err := yield(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	readAll := func() error {
		return mergeRuns(ctx, []runRef{ref}, func(*keyedRecord) error { return nil })
	}
	if err := readAll(); err != nil {
		t.Fatalf("intact run: %v", err)
	}
	b, _ := os.ReadFile(name)
	for what, data := range map[string][]byte{"truncated": b[:len(b)-1], "longer": append(b, 0), "changed": append(append([]byte(nil), b[:len(b)-1]...), 'Z')} {
		os.WriteFile(name, data, 0o644)
		if err := readAll(); err == nil {
			t.Errorf("%s run: no error", what)
		}
	}
}

// A bundle that fails (its run cannot be written: the temporary folder is
// a file) gives its budget back, and the next bundle of the same DoFn
// writes its runs.
func TestFailedBundleGivesItsBudgetBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := treeConfig(t, filepath.Join(dir, "train"))
	cfg.RunBuffer = 4 << 10 // runs written, and failing, while units are processed
	src, _ := ParseSource(cfg.Input, cfg.Split)
	units, err := src.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := &processFn{Cfg: cfg}
	if err := f.Setup(); err != nil {
		t.Fatal(err)
	}
	bundle := func() (int, error) {
		runs := 0
		emit := func(int, string) { runs++ }
		f.StartBundle(ctx, emit, func(string) {})
		for _, u := range units {
			if err := f.ProcessElement(ctx, u, emit, func(string) {}); err != nil {
				return runs, err
			}
		}
		return runs, f.FinishBundle(ctx, emit, func(string) {})
	}
	os.WriteFile(filepath.Join(dir, "train.temp"), []byte("not a folder"), 0o644)
	if _, err := bundle(); err == nil || !strings.Contains(err.Error(), "train.temp") {
		t.Fatalf("a bundle that cannot write its runs: %v", err)
	}
	if spillBudget.used != 0 {
		t.Errorf("after a failed bundle %d bytes of budget are still held", spillBudget.used)
	}
	os.Remove(filepath.Join(dir, "train.temp"))
	if runs, err := bundle(); err != nil || runs == 0 {
		t.Errorf("the next bundle: %d runs, %v", runs, err)
	}
}
