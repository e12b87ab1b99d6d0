package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/ahead"
)

// epochManifests returns which epochs of the epoch-ahead dataset at prefix
// have a manifest on disk.
func epochManifests(t *testing.T, prefix string, epochs int) []int {
	t.Helper()
	var have []int
	for e := range epochs {
		if _, err := storage.For(prefix).Stat(t.Context(), shards.ManifestPath(ahead.EpochPrefix(prefix, e))); err == nil {
			have = append(have, e)
		}
	}
	return have
}

// metricSteps returns the step of every line of a run's metrics.jsonl.
func metricSteps(t *testing.T, run string) int {
	t.Helper()
	b, err := storage.ReadFile(t.Context(), storage.Join(run, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), `"step":`)
}

// losses returns the loss of every line of a run's metrics.jsonl.
func losses(t *testing.T, run string) string {
	t.Helper()
	b, err := storage.ReadFile(t.Context(), storage.Join(run, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(regexp.MustCompile(`"loss":[^,]*`).FindAllString(string(b), -1), "\n")
}

// The producer (augment --ahead) and the consumer (train --follow) of
// docs/streaming.md as two commands running at once: the trainer finishes,
// logs every step, and the producer never holds more than K + A epochs.
func TestAugmentAheadTrainFollow(t *testing.T) {
	const epochs, keep, aheadN = 4, 1, 1
	dir := t.TempDir()
	data, runDir := filepath.Join(dir, "d"), filepath.Join(dir, "run")
	aug := []string{"augment", "--input", "../../pipelines/testdata/tree", "--output", data, "--views", "2", "--size", "4",
		"--shards", "1", "--format", "raw", "--channels", "1", "--seed", "5", "--epochs", "4",
		"--ahead", "1", "--keep", "1", "--poll", "10ms"}
	train := []string{"train", "--data", data, "--follow", "--follow-poll", "10ms", "--out", runDir,
		"--model", "mlp", "--p", "2", "--k", "2", "--views", "2", "--epochs", "4", "--seed", "3"}

	type result struct {
		code     int
		out, err string
	}
	var wg sync.WaitGroup
	var augRes, trainRes result
	done := make(chan struct{})
	maxOnDisk := 0
	augDone := make(chan struct{})
	wg.Add(3)
	go func() {
		defer wg.Done()
		defer close(augDone)
		augRes.code, augRes.out, augRes.err = supcon(t, aug...)
	}()
	go func() {
		defer wg.Done()
		defer close(done)
		// As docs/streaming.md says: the trainer starts once the producer
		// has written its index (without it, it would follow PREFIX as an
		// ordinary dataset being written).
		for {
			if _, err := storage.For(data).Stat(t.Context(), ahead.IndexPath(data)); err == nil {
				break
			}
			select {
			case <-augDone:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
		trainRes.code, trainRes.out, trainRes.err = supcon(t, train...)
	}()
	go func() { // the disk bound, sampled while both run
		defer wg.Done()
		for {
			maxOnDisk = max(maxOnDisk, len(epochManifests(t, data, epochs)))
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	wg.Wait()
	if augRes.code != 0 {
		t.Fatalf("augment: exit %d\n%s\n%s", augRes.code, augRes.out, augRes.err)
	}
	if trainRes.code != 0 || !strings.Contains(trainRes.out, "done: 8 steps, 4 epochs") {
		t.Fatalf("train: exit %d\n%s\n%s", trainRes.code, trainRes.out, trainRes.err)
	}
	if maxOnDisk > keep+aheadN {
		t.Errorf("up to %d epochs on disk at once; want at most K+A = %d", maxOnDisk, keep+aheadN)
	}
	// The producer started the last epoch once the trainer had finished
	// epochs 0..2, after deleting those below 3-K.
	if have := epochManifests(t, data, epochs); len(have) != keep+1 || have[len(have)-1] != epochs-1 {
		t.Errorf("epochs on disk at the end: %v; want the last %d", have, keep+1)
	}
	// 6 images in 3 classes, P=2, K=2: 2 steps an epoch, each logged.
	if n := metricSteps(t, runDir); n != 8 {
		t.Errorf("metrics.jsonl has %d steps; want 8", n)
	}
}

// A following trainer stopped mid-run resumes from its checkpoint and its
// published progress, and finishes the run.
func TestTrainFollowResume(t *testing.T) {
	dir := t.TempDir()
	data, runDir := filepath.Join(dir, "d"), filepath.Join(dir, "run")
	code, out, errOut := supcon(t, "augment", "--input", "../../pipelines/testdata/tree", "--output", data, "--views", "2", "--size", "4",
		"--shards", "1", "--format", "raw", "--channels", "1", "--seed", "5", "--epochs", "4", "--ahead", "4")
	if code != 0 {
		t.Fatalf("augment: exit %d\n%s\n%s", code, out, errOut)
	}
	train := []string{"train", "--data", data, "--follow", "--follow-poll", "10ms", "--out", runDir,
		"--model", "mlp", "--p", "2", "--k", "2", "--views", "2", "--epochs", "4", "--seed", "3"}
	code, out, errOut = supcon(t, append(train, "--stop-after", "3")...)
	if code != 0 || !strings.Contains(out, "stopped (--resume continues): 3 steps") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = supcon(t, append(train, "--resume")...)
	if code != 0 || !strings.Contains(out, "done: 8 steps, 4 epochs") {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := metricSteps(t, runDir); n != 8 {
		t.Errorf("metrics.jsonl has %d steps; want 8", n)
	}
	// The same losses as the run that did not stop: the resumed run reads
	// epochs 1..3 again though its input had published them read.
	whole := filepath.Join(dir, "whole")
	if code, out, errOut = supcon(t, append(train[:len(train):len(train)], "--out", whole)...); code != 0 {
		t.Fatalf("whole run: exit %d\n%s\n%s", code, out, errOut)
	}
	if a, b := losses(t, runDir), losses(t, whole); a != b {
		t.Errorf("resumed losses\n%s\nwant\n%s", a, b)
	}
	p, err := ahead.ReadProgress(t.Context(), data)
	if err != nil || p.Finished < 3 {
		t.Errorf("progress %+v, %v: want at least 3 epochs finished", p, err)
	}
}

// supcon stream runs both sides in one command.
func TestStreamCommand(t *testing.T) {
	dir := t.TempDir()
	data, runDir := filepath.Join(dir, "d"), filepath.Join(dir, "run")
	code, out, errOut := supcon(t, "stream", "--input", "../../pipelines/testdata/tree", "--output", data, "--views", "2", "--size", "4",
		"--shards", "1", "--format", "raw", "--channels", "1", "--seed", "5", "--epochs", "4", "--ahead", "1", "--keep", "1", "--poll", "10ms",
		"--", "--follow-poll", "10ms", "--out", runDir, "--model", "mlp", "--p", "2", "--k", "2", "--views", "2", "--epochs", "4", "--seed", "3")
	if code != 0 || !strings.Contains(out, "done: 8 steps, 4 epochs") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if have := epochManifests(t, data, 4); len(have) != 2 || have[1] != 3 {
		t.Errorf("epochs on disk at the end: %v; want 2 and 3", have)
	}
	for _, tc := range [][]string{{"stream", "--output", data}, {"stream", "--output", data, "--"}} {
		if code, _, errOut := supcon(t, tc...); code != 2 {
			t.Errorf("%v: exit %d, %s", tc, code, errOut)
		}
	}
}
