package main

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/augment"
)

func TestCorrupt(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(augTestdata, "rocket.jpg")
	tests := []struct {
		args []string
		out  string
		size image.Point
		say  string
	}{
		{[]string{"--corruption", "fog", "--severity", "3"}, "a.png", image.Pt(640, 427), "corrupt:fog,severity=3 (imagenet-c table, pixel parameters x1.91)"},
		{[]string{"--corruption", "gaussian_noise", "--severity", "5", "--size", "32", "--seed", "4"}, "b.png", image.Pt(32, 32), "cifar-10-c table, pixel parameters x1)"},
		{[]string{"--corruption", "jpeg_compression", "--severity", "1", "--size", "224"}, "c.jpg", image.Pt(224, 224), "imagenet-c table"},
	}
	for _, tt := range tests {
		out := filepath.Join(dir, tt.out)
		code, stdout, stderr := augRunCmd(t, append(append([]string{"corrupt"}, tt.args...), in, out)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		if !strings.HasPrefix(stdout, out+": ") || !strings.Contains(stdout, tt.say) {
			t.Errorf("%v: output %q, want it to say %q", tt.args, stdout, tt.say)
		}
		m, err := augReadImage(out)
		if err != nil {
			t.Fatal(err)
		}
		if m.Bounds().Size() != tt.size {
			t.Errorf("%v: size %v, want %v", tt.args, m.Bounds().Size(), tt.size)
		}
	}
	// The command writes what the policy gives in the pipeline.
	img, err := augReadImage(in)
	if err != nil {
		t.Fatal(err)
	}
	aug, err := augment.New("corrupt:fog,severity=3", augment.Options{Crop: augment.CropNone})
	if err != nil {
		t.Fatal(err)
	}
	want, err := aug.View(img, 0, "rocket.jpg", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := augReadImage(filepath.Join(dir, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(augment.ToRGBA(got).Pix, want.(*image.RGBA).Pix) {
		t.Error("supcon corrupt's fog differs from the policy corrupt:fog,severity=3")
	}
}

func TestCorruptErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(augTestdata, "rocket.jpg")
	out := filepath.Join(dir, "x.png")
	for _, tt := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{in, out}, 2, "--corruption and --severity are required"},
		{[]string{"--corruption", "smoke", "--severity", "2", in, out}, 2, `unknown corruption "smoke"`},
		{[]string{"--corruption", "fog", "--severity", "9", in, out}, 2, "severity: 9 out of range"},
		{[]string{"--corruption", "fog", "--severity", "2", in}, 2, "IN and OUT"},
		{[]string{"--corruption", "fog", "--severity", "2", in, filepath.Join(dir, "x.gif")}, 2, "unknown extension"},
		{[]string{"--corruption", "fog", "--severity", "2", filepath.Join(dir, "missing.png"), out}, 1, "missing.png"},
	} {
		code, _, stderr := augRunCmd(t, append([]string{"corrupt"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.say) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tt.args, code, stderr, tt.code, tt.say)
		}
	}
}

func TestPreviewCorruptions(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sheet.png")
	code, stdout, stderr := augRunCmd(t, "preview", "--corruptions", "--size", "32", "--out", out, filepath.Join(augTestdata, "chelsea.png"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "1 images x 14 corruptions x (clean + severities 1..5) at 32 px, shown x3") {
		t.Errorf("output %q", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	// label column + 6 cells of 96+4 px wide; header, two labels, 14 rows of 100 px high
	if cfg.Width != pvCorruptLabel+6*(96+pvGap)+pvGap || cfg.Height != pvHeader+2*pvLabel+14*(96+pvGap)+pvGap {
		t.Errorf("sheet %dx%d", cfg.Width, cfg.Height)
	}
	code, _, stderr = augRunCmd(t, "preview", "--corruptions", "--policy", "none", "--out", out, filepath.Join(augTestdata, "chelsea.png"))
	if code != 2 || !strings.Contains(stderr, "give no --policy") {
		t.Errorf("--corruptions with --policy: exit %d, %q", code, stderr)
	}
}
