package main

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/supcon/supcon/augment"
)

// augTestdata is the augment package's photographs, seen from this folder.
const augTestdata = "../../augment/testdata"

// augRunCmd runs the binary's dispatcher in-process.
func augRunCmd(t *testing.T, args ...string) (code int, out, errOut string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &streams{Out: &o, Err: &e})
	return code, o.String(), e.String()
}

func TestApply(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(augTestdata, "rocket.jpg")
	tests := []struct {
		name string
		args []string
		out  string
		size image.Point
		gray bool
	}{
		{"training view png", []string{"--policy", "autoaugment:imagenet", "--seed", "3", "--view", "2"}, "a.png", image.Pt(224, 224), false},
		{"jpeg", []string{"--policy", "randaugment:n=2,m=9,convention=tv", "--size", "64"}, "b.jpg", image.Pt(64, 64), false},
		{"gray center", []string{"--policy", "none", "--crop", "center", "--size", "50", "--channels", "1"}, "c.png", image.Pt(50, 50), true},
		{"crop none", []string{"--policy", "ops:rotate=30,posterize=4", "--crop", "none"}, "d.png", image.Pt(640, 427), false},
	}
	for _, tt := range tests {
		out := filepath.Join(dir, tt.out)
		code, stdout, stderr := augRunCmd(t, append(append([]string{"apply"}, tt.args...), in, out)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.name, code, stderr)
		}
		if !strings.HasPrefix(stdout, out+": ") {
			t.Errorf("%s: output %q", tt.name, stdout)
		}
		m, err := augReadImage(out)
		if err != nil {
			t.Fatal(err)
		}
		if m.Bounds().Size() != tt.size {
			t.Errorf("%s: size %v, want %v", tt.name, m.Bounds().Size(), tt.size)
		}
		if _, isGray := m.(*image.Gray); isGray != tt.gray {
			t.Errorf("%s: decoded %T", tt.name, m)
		}
	}
}

// TestApplyMatchesLibrary: apply --crop none with an ops: policy writes
// exactly the library's result, and a training view is the pipeline's.
func TestApplyMatchesLibrary(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(augTestdata, "chelsea.png")
	src, err := augReadImage(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args        []string
		opt         augment.Options
		spec, id    string
		seed        int64
		view, epoch int
	}{
		{[]string{"--crop", "none", "--policy", "ops:shearx=0.2,equalize"}, augment.Options{Crop: augment.CropNone},
			"ops:shearx=0.2,equalize", "chelsea.png", 0, 0, 0},
		{[]string{"--policy", "trivialaugment", "--seed", "9", "--id", "cat", "--view", "1", "--epoch", "4", "--size", "96"},
			augment.Options{Size: 96}, "trivialaugment", "cat", 9, 1, 4},
	} {
		out := filepath.Join(dir, "x.png")
		if code, _, stderr := augRunCmd(t, append(append([]string{"apply"}, tt.args...), in, out)...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		got, err := augReadImage(out)
		if err != nil {
			t.Fatal(err)
		}
		a, err := augment.New(tt.spec, tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		want, err := a.View(src, tt.seed, tt.id, tt.view, tt.epoch)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(augment.ToRGBA(got).Pix, want.(*image.RGBA).Pix) {
			t.Errorf("%v: the written image differs from augment's View", tt.args)
		}
	}
}

func TestApplyErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(augTestdata, "rocket.jpg")
	out := filepath.Join(dir, "o.png")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{in, out}, 2, "--policy is required"},
		{[]string{"--policy", "autoaugment:foo", in, out}, 2, `unknown autoaugment policy "foo"`},
		{[]string{"--policy", "none", in}, 2, "apply takes IN and OUT, got 1"},
		{[]string{"--policy", "none", in, filepath.Join(dir, "o.bmp")}, 2, `unknown extension ".bmp"`},
		{[]string{"--policy", "none", "--crop", "middle", in, out}, 2, `--crop: augment: unknown crop mode "middle"`},
		{[]string{"--policy", "none", "--size", "0", in, out}, 2, "size 0"},
		{[]string{"--policy", "none", filepath.Join(dir, "missing.jpg"), out}, 1, "missing.jpg"},
		{[]string{"--policy", "none", filepath.Join(augTestdata, "README.md"), out}, 1, "decode"},
	}
	for _, tt := range tests {
		code, _, stderr := augRunCmd(t, append([]string{"apply"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("apply %v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

func TestPreview(t *testing.T) {
	out := filepath.Join(t.TempDir(), "grid.png")
	code, stdout, stderr := augRunCmd(t, "preview", "--policy", "simaugment:strength=1,blur=1", "--views", "3", "--size", "40",
		"--out", out, filepath.Join(augTestdata, "rocket.jpg"), filepath.Join(augTestdata, "chelsea.png"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m, err := augReadImage(out)
	if err != nil {
		t.Fatal(err)
	}
	// 4 cells of 40 + 4 px gaps per row; header 22, two rows of 15 + 44, gap 4.
	if want := image.Pt(4+4*44, 22+2*(44+15)+4); m.Bounds().Size() != want {
		t.Errorf("sheet size %v, want %v", m.Bounds().Size(), want)
	}
	if !strings.Contains(stdout, "2 images x (original + 3 views), policy simaugment:strength=1,blur=1") ||
		!strings.Contains(stdout, "lost views: 0 of 6 (") {
		t.Errorf("output %q", stdout)
	}
	// A policy that translates every view out of its frame: all lost, each
	// cell outlined in red.
	code, stdout, stderr = augRunCmd(t, "preview", "--policy", "ops:translatex=1000", "--views", "2", "--size", "32",
		"--out", out, filepath.Join(augTestdata, "rocket.jpg"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "lost views: 2 of 2 (") {
		t.Errorf("output %q", stdout)
	}
	if m, err = augReadImage(out); err != nil {
		t.Fatal(err)
	}
	// cell of view 1: x from 4+2·36, y from 22+15; its top-left corner is red, its centre fill grey.
	if r, g, b, _ := m.At(4+2*36, 22+15).RGBA(); r>>8 != 220 || g>>8 != 30 || b>>8 != 30 {
		t.Errorf("lost cell corner = %d,%d,%d, want the red outline", r>>8, g>>8, b>>8)
	}
	if r, _, _, _ := m.At(4+2*36+16, 22+15+16).RGBA(); r>>8 != 128 {
		t.Errorf("lost cell centre = %d, want fill 128", r>>8)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--policy", "none", "--out", out}, "at least one IMAGE"},
		{[]string{"--policy", "none", "x.jpg"}, "--out is required"},
		{[]string{"--policy", "none", "--views", "0", "--out", out, "x.jpg"}, "--views 0"},
	} {
		if code, _, stderr := augRunCmd(t, append([]string{"preview"}, tt.args...)...); code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("preview %v: exit %d, %q; want usage error %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestBenchAugment(t *testing.T) {
	code, stdout, stderr := augRunCmd(t, "bench", "augment", "--policy", "autoaugment:cifar10", "--size", "32",
		"--images", augTestdata, "--seconds", "0.2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	re := regexp.MustCompile(`^policy autoaugment:cifar10, size 32, 4 images from \S+: \d+ views in \d+\.\d\d s = \d+\.\d images/s per core( \(\d+\.\d per CPU-second\))?\n` +
		`lost views: \d+ of 200 \(\d+\.\d%\): views whose content is gone \(grey-level std under 2: all fill, or flat\)\n$`)
	if !re.MatchString(stdout) {
		t.Errorf("output %q", stdout)
	}
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--policy", "none", "--images", empty}, 1, "no .jpg, .png"},
		{[]string{"--policy", "none", "--images", filepath.Join(empty, "nope")}, 1, "run from the repository root or pass --images"},
		{[]string{"--policy", "none", "--seconds", "0"}, 2, "--seconds 0"},
		{[]string{"--size", "32"}, 2, "--policy is required"},
	} {
		if code, _, stderr := augRunCmd(t, append([]string{"bench", "augment"}, tt.args...)...); code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("bench augment %v: exit %d, %q; want %d, %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
