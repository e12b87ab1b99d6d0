package main

import (
	"regexp"
	"testing"
)

// bench pipeline prints one row per stage, then the runner's share and the total.
func TestBenchPipeline(t *testing.T) {
	code, stdout, stderr := supcon(t, "bench", "pipeline", "--input", "../../pipelines/testdata/tree", "--policy", "autoaugment:v0",
		"--size", "32", "--format", "jpeg", "--views", "2", "--shards", "2", "--runner", "direct", "--tmp", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, row := range []string{"read", "decode", "augment", "encode", `record\+write`, "sum of stages", `runner \(direct\)`, `total \(direct\)`} {
		if !regexp.MustCompile(`(?m)^ *` + row + `( +-?\d+\.\d\d){3}$`).MatchString(stdout) {
			t.Errorf("no row %q in\n%s", row, stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^\d+ images of \S+, policy autoaugment:v0, 2 views × 1 epochs, 32 px jpeg, encoder go$`).MatchString(stdout) {
		t.Errorf("no heading in\n%s", stdout)
	}
}

// Usage mistakes exit 2.
func TestBenchPipelineUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "pipeline"},
		{"bench", "pipeline", "--input", "x", "--runner", "dataflow"},
		{"bench", "pipeline", "--input", "x", "--views", "0"},
		{"bench", "pipeline", "--input", "x", "--encoder", "turbo"},
	} {
		if code, _, _ := supcon(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
