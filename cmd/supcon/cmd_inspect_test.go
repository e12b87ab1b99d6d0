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

// makeDataset writes a 2-shard dataset of 6 raw multiview records.
func makeDataset(t *testing.T) (prefix string) {
	t.Helper()
	classes := []string{"cat", "dog"}
	var recs []*shards.Multiview
	for i := 0; i < 6; i++ {
		recs = append(recs, &shards.Multiview{ID: fmt.Sprintf("img%d", i), Label: int64(i % 2), ClassText: classes[i%2],
			Views: [][]byte{{1, 2, 3, 4}, {5, 6, 7, 8}}, Format: shards.FormatRaw, Height: 2, Width: 2, Channels: 1,
			Policy: "randaugment:n=2,m=9", Seed: 3, Epoch: 0})
	}
	d := shardstest.Dataset{Prefix: filepath.Join(t.TempDir(), "train"), Shards: 2, Classes: classes,
		Manifest: shards.Manifest{Views: 2, Policy: "randaugment:n=2,m=9", Seed: 3},
		Shard:    func(i int, _ *shards.Multiview) int { return i % 2 }}
	d.MustWrite(t, recs)
	return d.Prefix
}

func TestInspectSummary(t *testing.T) {
	prefix := makeDataset(t)
	code, out, errOut := supcon(t, "inspect", "--limit", "3", shards.ShardGlob(prefix))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("--limit 3 printed %d lines:\n%s", len(lines), out)
	}
	want := "train-00000-of-00002.tfrecord:0  id=img0 label=0 class=cat views=2 format=raw size=2x2x1 policy=randaugment:n=2,m=9 epoch=0 bytes="
	if !strings.Contains(lines[0], want) {
		t.Errorf("first line %q, want it to contain %q", lines[0], want)
	}
}

func TestInspectTensorFlowFileJSON(t *testing.T) {
	code, out, errOut := supcon(t, "inspect", "--json", "../../shards/testdata/singles.tfrecords")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `{"features":{"feature":{"int_feature":{"int64List":{"value":["42"]}}}}}
{"features":{"feature":{"float_feature":{"floatList":{"value":[3.14]}}}}}
{"features":{"feature":{"byte_feature":{"bytesList":{"value":["QEFCQ0Q="]}}}}}
`
	if out != want {
		t.Errorf("--json:\n%s\nwant\n%s", out, want)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !json.Valid([]byte(l)) {
			t.Errorf("not JSON: %s", l)
		}
	}
	code, out, _ = supcon(t, "inspect", "../../shards/testdata/singles.tfrecords")
	if code != 0 || !strings.Contains(out, `byte_feature bytes_list[1] ["@ABCD"]`) || !strings.Contains(out, "float_feature float_list[1] [3.14]") {
		t.Errorf("summary of a plain Example file: %d\n%s", code, out)
	}
}

func TestInspectVerify(t *testing.T) {
	prefix := makeDataset(t)
	code, out, errOut := supcon(t, "inspect", "--verify", shards.ManifestPath(prefix))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"OK: 2 files, 6 records (6 multiview, 0 other), 12 views", "label 0 cat: 3 records", "label 1 dog: 3 records", "2 shards match their manifest"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}

	// One flipped byte in the second record of shard 1: exit 1, naming file and offset.
	shard1 := shards.ShardPath(prefix, 1, 2, shards.None)
	data, _ := os.ReadFile(shard1)
	recLen := len(data) / 3
	data[recLen+20] ^= 0xff
	os.WriteFile(shard1, data, 0o644)
	code, _, errOut = supcon(t, "inspect", "--verify", shards.ShardGlob(prefix))
	want := fmt.Sprintf("%s: offset %d: data CRC mismatch", shard1, recLen)
	if code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("corrupt shard: exit %d, %q; want exit 1 and %q", code, errOut, want)
	}
}

func TestInspectVerifyAgainstManifest(t *testing.T) {
	prefix := makeDataset(t)
	// A shard replaced by another valid shard: CRCs pass, the manifest does not.
	shard0 := shards.ShardPath(prefix, 0, 2, shards.None)
	f, _ := os.Create(shard0)
	w := shards.NewWriter(f, shards.None)
	m := &shards.Multiview{ID: "x", ClassText: "cat", Views: [][]byte{{1, 2, 3, 4}}, Format: shards.FormatRaw, Height: 2, Width: 2, Channels: 1, Policy: "none"}
	data, _ := m.Marshal()
	w.Write(data)
	w.Close()
	f.Close()
	code, _, errOut := supcon(t, "inspect", "--verify", shards.ShardGlob(prefix))
	if code != 1 || !strings.Contains(errOut, `record "x": image/views/encoded: 1 views, but the dataset has 2`) {
		t.Errorf("wrong view count: exit %d, %q", code, errOut)
	}
}

func TestInspectErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"inspect"}, 2, "no input files"},
		{[]string{"inspect", "--verify", "--json", "x"}, 2, "takes neither"},
		{[]string{"inspect", "--compression", "lz4", "x"}, 2, `unknown compression "lz4"`},
		{[]string{"inspect", "/no/such/file.tfrecord"}, 1, "/no/such/file.tfrecord"},
		{[]string{"inspect", "/no/such/*.tfrecord"}, 1, "/no/such/*.tfrecord: no files match"},
	} {
		code, _, errOut := supcon(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
