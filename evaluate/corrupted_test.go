package evaluate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer"
)

// writeCorrupted writes a corrupted copy of raw gray test records, each
// view made as the augment pipeline makes it (the policy
// corrupt:name,severity=sev, crop none, view 0 of epoch 0 under seed),
// with the given manifest policy, and returns its manifest.
func writeCorrupted(t *testing.T, prefix string, records []*shards.Multiview, classes []string, name string, sev int, seed int64, policy string) string {
	t.Helper()
	aug, err := corrupter(name, sev, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []*shards.Multiview
	for _, r := range records {
		img, err := aug.View(hwcImage(r.Views[0], r.Width, r.Height, 1), seed, r.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		px := augment.AppendHWC(make([]uint8, 0, r.Width*r.Height), img, 1)
		c := *r
		c.Views, c.Policy, c.Seed = [][]byte{px}, policy, seed
		out = append(out, &c)
	}
	d := shardstest.Dataset{Prefix: prefix, Shards: 4, Classes: classes,
		Manifest: shards.Manifest{Views: 1, Height: 8, Width: 8, Channels: 1, Policy: policy, Seed: seed}}
	return d.MustWrite(t, out)
}

// Scoring pre-corrupted copies of the test data (Corrupted) gives the same
// predictions, byte for byte, and the same figures as corrupting on the
// fly; datasets that are not corrupted copies of the test data are
// rejected with the file named.
func TestEvalPreCorruptedEqualsOnTheFly(t *testing.T) {
	tmp := t.TempDir()
	data := shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 32, 4, 8, 2, 4)
	records, classes := shardstest.Squares(24, 4, 8, 1, 5)
	test := shardstest.Dataset{Prefix: filepath.Join(tmp, "test", "toy"), Shards: 4, Classes: classes,
		Manifest: shards.Manifest{Views: 1, Height: 8, Width: 8, Channels: 1, Policy: "none"}}.MustWrite(t, records)
	dir := filepath.Join(tmp, "run")
	cfg := toyConfig(data)
	cfg.Model, cfg.Epochs, cfg.Loss = "mlp", 1, loss.CrossEntropy
	if _, err := trainer.Train(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	const seed = 3
	names, sevs := []string{"gaussian_noise", "contrast"}, []int{1, 5} // not in augment.Corruptions' order
	for _, n := range names {
		for _, s := range sevs {
			writeCorrupted(t, filepath.Join(tmp, "c", fmt.Sprintf("toy-%s-s%d", n, s)), records, classes, n, s, seed, fmt.Sprintf("corrupt:%s,severity=%d", n, s))
		}
	}
	ec := DefaultEvalConfig()
	ec.Test, ec.Batch, ec.Seed = []string{test}, 16, seed
	ec.Corruptions, ec.Severities = []string{"gaussian_noise", "contrast"}, sevs
	fly, err := Eval(context.Background(), dir, filepath.Join(tmp, "fly"), ec, nil)
	if err != nil {
		t.Fatal(err)
	}
	ec.Corruptions, ec.Severities, ec.Seed = nil, nil, 0 // all from the manifests
	ec.Corrupted = []string{filepath.Join(tmp, "c", "toy-gaussian_noise-s*.manifest.json"), filepath.Join(tmp, "c", "toy-contrast-s1"),
		filepath.Join(tmp, "c", "toy-contrast-s5.manifest.json")}
	pre, err := Eval(context.Background(), dir, filepath.Join(tmp, "pre"), ec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pre.Config.Corruptions, []string{"gaussian_noise", "contrast"}) || !slices.Equal(pre.Config.Severities, sevs) || pre.Config.Seed != seed {
		t.Fatalf("corruptions %v at %v, seed %d from the manifests", pre.Config.Corruptions, pre.Config.Severities, pre.Config.Seed)
	}
	b1, err1 := os.ReadFile(filepath.Join(tmp, "fly", PredictionsFile))
	b2, err2 := os.ReadFile(filepath.Join(tmp, "pre", PredictionsFile))
	if err1 != nil || err2 != nil || !bytes.Equal(b1, b2) || len(b1) == 0 {
		t.Fatalf("predictions differ (%v, %v)", err1, err2)
	}
	if !reflect.DeepEqual(fly.Corrupted, pre.Corrupted) || !reflect.DeepEqual(fly.BySeverity, pre.BySeverity) ||
		!reflect.DeepEqual(fly.Clean, pre.Clean) || pre.Evaluated != 5*24 {
		t.Fatalf("reports differ: on the fly %+v, pre-corrupted %+v", fly.BySeverity, pre.BySeverity)
	}

	// Not corrupted copies of the test data.
	bad := filepath.Join(tmp, "bad")
	clean := writeCorrupted(t, filepath.Join(bad, "clean"), records, classes, "fog", 1, seed, "none")
	fewer := writeCorrupted(t, filepath.Join(bad, "fewer"), records[1:], classes, "fog", 1, seed, "corrupt:fog,severity=1")
	renamed := append([]*shards.Multiview{{}}, records[1:]...)
	*renamed[0] = *records[0]
	renamed[0].ID = "img9999"
	moved := writeCorrupted(t, filepath.Join(bad, "moved"), renamed, classes, "fog", 1, seed, "corrupt:fog,severity=1")
	other := writeCorrupted(t, filepath.Join(bad, "other-s2"), records, classes, "fog", 2, seed, "corrupt:snow,severity=2")
	for _, tc := range []struct {
		corrupted []string
		want      []string
	}{
		{[]string{clean}, []string{clean, `policy "none" is not a corruption`}},
		{[]string{fewer}, []string{fewer, "23 records, the test data 24: it is not a corrupted copy"}},
		{[]string{moved}, []string{moved, `24 records, the test data 24; "img0000" is in the test data only`}},
		{[]string{fewer, other}, []string{"snow comes at severities [2] but fog at [1]"}},
		{[]string{filepath.Join(bad, "nothing-*.manifest.json")}, []string{"nothing-*.manifest.json matches no manifest"}},
	} {
		ec.Corrupted = tc.corrupted
		_, err := Eval(context.Background(), dir, filepath.Join(tmp, "bad-out"), ec, nil)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Corrupted %v: %v; want %q", tc.corrupted, err, w)
			}
		}
	}
	ec.Corrupted, ec.Corruptions, ec.Severities = []string{other}, []string{"fog"}, []int{1}
	if _, err := Eval(context.Background(), dir, filepath.Join(tmp, "bad-out"), ec, nil); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("Corrupted and Corruptions: %v", err)
	}
}
