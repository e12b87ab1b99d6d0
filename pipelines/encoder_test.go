package pipelines

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/internal/jpegturbo"
	"github.com/supcon/supcon/shards"
)

func TestEncoderValidate(t *testing.T) {
	cfg := treeConfig(t, "out")
	for _, tc := range []struct {
		encoder, format, want string
	}{
		{"", "png", ""},
		{"go", "jpeg", ""},
		{"fast", "png", ""},
		{"fast", "raw", ""},
		{"turbo", "png", `Encoder "turbo"`},
	} {
		c := cfg
		c.Encoder, c.Format, c.Quality = tc.encoder, shards.ViewFormat(tc.format), 95
		err := c.Validate()
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Encoder %q, %s: %v, want %q", tc.encoder, tc.format, err, tc.want)
		}
	}
	c := cfg
	c.Encoder, c.Format, c.Quality = "fast", "jpeg", 95
	if err := c.Validate(); jpegturbo.Available() != (err == nil) {
		t.Errorf("Encoder fast for JPEG, libjpeg-turbo in build %v: %v", jpegturbo.Available(), err)
	}
}

// The fast PNG encoder writes other bytes with the same pixels, and the
// manifest names it; the default names none.
func TestFastPNGEncoder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	std := treeConfig(t, filepath.Join(dir, "std"))
	fast := std
	fast.Output, fast.Encoder = filepath.Join(dir, "fast"), "fast"
	mStd, err := RunLocal(ctx, std, 2)
	if err != nil {
		t.Fatal(err)
	}
	mFast, err := RunLocal(ctx, fast, 2)
	if err != nil {
		t.Fatal(err)
	}
	if mStd.Encoder != "" || mFast.Encoder != "pngwrite+klauspost/compress" {
		t.Errorf("manifest encoders %q and %q", mStd.Encoder, mFast.Encoder)
	}
	a, b := readDataset(t, std.Output), readDataset(t, fast.Output)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d and %d records", len(a), len(b))
	}
	differ := 0
	for i := range a {
		for v := range a[i].Views {
			if !bytes.Equal(a[i].Views[v], b[i].Views[v]) {
				differ++
			}
			pa, err1 := png.Decode(bytes.NewReader(a[i].Views[v]))
			pb, err2 := png.Decode(bytes.NewReader(b[i].Views[v]))
			if err1 != nil || err2 != nil {
				t.Fatalf("record %s view %d: %v, %v", a[i].ID, v, err1, err2)
			}
			if !samePix(pa, pb) {
				t.Errorf("record %s view %d: pixels differ between encoders", a[i].ID, v)
			}
		}
	}
	if differ == 0 {
		t.Error("the fast encoder wrote the standard bytes: is it used?")
	}
}

func samePix(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}
