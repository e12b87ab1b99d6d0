package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"

	"github.com/supcon/supcon/shards"
)

func TestMain(m *testing.M) {
	flag.Parse()
	beamlog.LogLevel = "warn"
	beam.Init() // as main does: in-process runners need the worker harness
	os.Exit(m.Run())
}

func TestAugmentCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "train")
	code, stdout, stderr := supcon(t, "augment", "--input", "../../pipelines/testdata/tree", "--output", out,
		"--policy", "randaugment:n=2,m=9", "--views", "3", "--size", "16", "--shards", "2", "--format", "raw", "--channels", "1", "--seed", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"wrote 6 records (6 images x 1 epochs, 18 views) in 2 shards", "rejected 4", "lost views: 0 of 18 (", "manifest: " + out + ".manifest.json", out + ".rejected.jsonl"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "3 classes, policy randaugment:n=2,m=9") {
		t.Errorf("stderr: %s", stderr)
	}
	code, stdout, _ = supcon(t, "inspect", "--verify", shards.ManifestPath(out))
	if code != 0 || !strings.Contains(stdout, "OK: 2 files, 6 records (6 multiview, 0 other), 18 views") {
		t.Errorf("verify: %d\n%s", code, stdout)
	}
}

func TestAugmentUsageErrors(t *testing.T) {
	tree := "../../pipelines/testdata/tree"
	out := filepath.Join(t.TempDir(), "x")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"augment", "--output", out}, 2, "pipelines: Input is empty"},
		{[]string{"augment", "--input", tree}, 2, "pipelines: Output is empty"},
		{[]string{"augment", "--input", tree, "--output", out, "--runner", "spark"}, 2, `--runner: pipelines: unknown runner "spark"`},
		{[]string{"augment", "--input", tree, "--output", out, "--format", "tiff"}, 2, `invalid value "tiff" for flag -format: shards: unknown view format "tiff"`},
		{[]string{"augment", "--input", tree, "--output", out, "--compression", "lz4"}, 2, `Compression: shards: unknown compression "lz4"`},
		{[]string{"augment", "--input", tree, "--output", out, "--crop", "middle"}, 2, `Crop: augment: unknown crop mode "middle"`},
		{[]string{"augment", "--input", tree, "--output", out, "--views", "0"}, 2, "pipelines: Views 0: want at least 1"},
		{[]string{"augment", "--input", tree, "--output", out, "--policy", "autoaugment:nope"}, 2, `pipelines: Policy "autoaugment:nope"`},
		{[]string{"augment", "--input", "imagenet:/x", "--output", out}, 2, `unknown source kind "imagenet"`},
		{[]string{"augment", "--input", "/no/such/dir", "--output", out}, 1, "/no/such/dir"},
		{[]string{"augment", "--input", tree, "--output", out, "--labels", "/no/labels.txt"}, 1, "/no/labels.txt"},
	} {
		code, _, stderr := supcon(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d %q, want %d and %q", tc.args[1:], code, stderr, tc.code, tc.want)
		}
	}
}
