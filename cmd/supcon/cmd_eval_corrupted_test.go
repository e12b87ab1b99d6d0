package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer/input"
)

// writeSquaresTree writes shardstest.Squares' first views as 8×8 grey
// PNGs in a folder tree (one sub-folder per class), a source for augment.
func writeSquaresTree(t *testing.T, dir string, n int) {
	t.Helper()
	records, _ := shardstest.Squares(n, 4, 8, 1, 5)
	for _, r := range records {
		g := image.NewGray(image.Rect(0, 0, 8, 8))
		copy(g.Pix, r.Views[0])
		var b bytes.Buffer
		if err := png.Encode(&b, g); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, r.ClassText, r.ID+".png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readViews returns each record's first view, decoded, by id.
func readViews(t *testing.T, manifest string) map[string]image.Image {
	t.Helper()
	d, err := input.Open(context.Background(), []string{manifest}, input.Options{NoRotate: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Epoch(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := map[string]image.Image{}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(rec.Views[0]))
		if err != nil {
			t.Fatal(err)
		}
		out[rec.ID] = img
	}
}

// The corruption suite written by augment --corruptions (one Beam job)
// holds exactly the views eval makes on the fly from the clean test set
// (same seed, image id, view 0, epoch 0), so eval --corrupted writes the
// same predictions, byte for byte, as eval --corruptions.
func TestAugmentCorruptionSuiteMatchesEvalOnTheFly(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	writeSquaresTree(t, src, 24)
	common := []string{"--input", src, "--crop", "none", "--size", "8", "--channels", "1", "--shards", "2", "--format", "png", "--seed", "3"}
	test := filepath.Join(tmp, "test")
	if code, out, errOut := supcon(t, append([]string{"augment", "--output", test, "--policy", "none", "--views", "1"}, common...)...); code != 0 {
		t.Fatalf("clean: exit %d\n%s\n%s", code, out, errOut)
	}
	suite := filepath.Join(tmp, "test-c")
	code, out, errOut := supcon(t, append([]string{"augment", "--output", suite, "--corruptions", "gaussian_noise,contrast", "--severities", "1,5"}, common...)...)
	if code != 0 || !strings.Contains(out, "wrote 4 datasets, 96 records") ||
		!strings.Contains(out, suite+"-contrast-s5.manifest.json: corrupt:contrast,severity=5, 24 records") {
		t.Fatalf("suite: exit %d\n%s\n%s", code, out, errOut)
	}

	clean := readViews(t, shards.ManifestPath(test))
	for _, name := range []string{"gaussian_noise", "contrast"} {
		for _, sev := range []int{1, 5} {
			policy := fmt.Sprintf("corrupt:%s,severity=%d", name, sev)
			manifest := shards.ManifestPath(fmt.Sprintf("%s-%s-s%d", suite, name, sev))
			m, err := shards.ReadManifest(context.Background(), manifest)
			if err != nil || m.Policy != policy || m.Views != 1 || m.Seed != 3 {
				t.Fatalf("%s: %+v, %v; want policy %s, 1 view, seed 3", manifest, m, err, policy)
			}
			aug, err := augment.New(policy, augment.Options{Crop: augment.CropNone, Channels: 1})
			if err != nil {
				t.Fatal(err)
			}
			got := readViews(t, manifest)
			if len(got) != len(clean) {
				t.Fatalf("%s: %d records, the clean set %d", manifest, len(got), len(clean))
			}
			for id, img := range clean {
				want, err := aug.View(img, 3, id, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				g, ok := got[id].(*image.Gray)
				if !ok || !bytes.Equal(g.Pix, want.(*image.Gray).Pix) {
					t.Fatalf("%s: view of %s is not the on-the-fly corruption of the clean view", manifest, id)
				}
			}
		}
	}

	train := shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 32, 4, 8, 2, 4)
	run := filepath.Join(tmp, "run")
	if code, out, errOut := supcon(t, "train", "--data", train, "--out", run, "--model", "mlp", "--loss", "ce", "--p", "4", "--k", "4",
		"--views", "2", "--epochs", "1", "--mean", "0.5", "--std", "0.25"); code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	evalArgs := []string{"eval", "--run", run, "--data", shards.ManifestPath(test), "--batch", "16"}
	fly, pre := filepath.Join(tmp, "fly"), filepath.Join(tmp, "pre")
	if code, out, errOut := supcon(t, append(evalArgs, "--out", fly, "--seed", "3", "--corruptions", "gaussian_noise,contrast", "--severities", "1,5")...); code != 0 {
		t.Fatalf("eval on the fly: exit %d\n%s\n%s", code, out, errOut)
	}
	// The glob as the shell expands it: --corrupted last, the rest as arguments.
	if code, out, errOut := supcon(t, append(evalArgs, "--out", pre, "--corrupted", suite+"-contrast-s1.manifest.json", suite+"-contrast-s5",
		suite+"-gaussian_noise-s*.manifest.json")...); code != 0 {
		t.Fatalf("eval --corrupted: exit %d\n%s\n%s", code, out, errOut)
	}
	a, errA := os.ReadFile(filepath.Join(fly, "predictions.jsonl"))
	b, errB := os.ReadFile(filepath.Join(pre, "predictions.jsonl"))
	if errA != nil || errB != nil || len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("predictions differ (%v, %v)", errA, errB)
	}
	if code, _, errOut := supcon(t, append(evalArgs, "--out", pre, "--corrupted", shards.ManifestPath(test))...); code != 1 ||
		!strings.Contains(errOut, shards.ManifestPath(test)+`: its policy "none" is not a corruption`) {
		t.Fatalf("a clean set as --corrupted: exit %d, %s", code, errOut)
	}
}

func TestAugmentCorruptionSuiteUsageErrors(t *testing.T) {
	tree := "../../pipelines/testdata/tree"
	out := filepath.Join(t.TempDir(), "x")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--corruptions", "fog", "--crop", "center", "--policy", "none"}, "give no --policy"},
		{[]string{"--corruptions", "fog"}, "--crop random would crop"},
		{[]string{"--corruptions", "fog", "--crop", "center", "--epochs", "2"}, "a corrupted test set has one epoch"},
		{[]string{"--corruptions", "frost", "--crop", "center"}, "corruption frost is left out"},
		{[]string{"--corruptions", "fog", "--crop", "center", "--severities", "0-2"}, "severity"},
	} {
		code, _, errOut := supcon(t, append([]string{"augment", "--input", tree, "--output", out}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	code, _, errOut := supcon(t, "eval", "--run", "r", "--data", "x", "--out", "o", "--corruptions", "fog", "--corrupted", "y")
	if code != 2 || !strings.Contains(errOut, "not both") {
		t.Errorf("eval --corruptions and --corrupted: exit %d, %q", code, errOut)
	}
}

// With --crop center on colour photographs of several sizes, too, a
// suite's views are eval's on-the-fly corruption of the clean views.
func TestAugmentCorruptionSuiteCenterCrop(t *testing.T) {
	tmp := t.TempDir()
	common := []string{"--input", "../../pipelines/testdata/tree", "--crop", "center", "--size", "24", "--shards", "2", "--format", "png"}
	test := filepath.Join(tmp, "test")
	if code, out, errOut := supcon(t, append([]string{"augment", "--output", test, "--policy", "none", "--views", "1"}, common...)...); code != 0 {
		t.Fatalf("clean: exit %d\n%s\n%s", code, out, errOut)
	}
	suite := filepath.Join(tmp, "test-c")
	if code, out, errOut := supcon(t, append([]string{"augment", "--output", suite, "--corruptions", "motion_blur,snow", "--severities", "4"}, common...)...); code != 0 {
		t.Fatalf("suite: exit %d\n%s\n%s", code, out, errOut)
	}
	clean := readViews(t, shards.ManifestPath(test))
	for _, name := range []string{"motion_blur", "snow"} {
		got := readViews(t, shards.ManifestPath(suite+"-"+name+"-s4"))
		aug, err := augment.New("corrupt:"+name+",severity=4", augment.Options{Crop: augment.CropNone})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(clean) || len(got) != 6 {
			t.Fatalf("%s: %d records, the clean set %d, want 6", name, len(got), len(clean))
		}
		for id, img := range clean {
			want, err := aug.View(img, 0, id, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			g, ok := got[id].(*image.RGBA)
			if !ok || !bytes.Equal(g.Pix, want.(*image.RGBA).Pix) {
				t.Fatalf("%s: view of %s (%T) is not the on-the-fly corruption of the clean view", name, id, got[id])
			}
		}
	}
}
