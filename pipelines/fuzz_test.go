package pipelines

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseSource: any --input either parses to a source that prints back
// to an equivalent input, or is an error; never a panic.
func FuzzParseSource(f *testing.F) {
	for _, s := range []string{"data/train", "cifar10:/d", "mnist:gs://b/m", "tfrecord:*.tfrecord", "gs://b/x/", "x:y", ":", ""} {
		f.Add(s, "train")
	}
	f.Fuzz(func(t *testing.T, input, split string) {
		src, err := ParseSource(input, split)
		if err != nil {
			return
		}
		again, err := ParseSource(src.String(), src.Split)
		if err != nil || again != src {
			t.Fatalf("ParseSource(%q) = %+v, but its String %q parses to %+v, %v", input, src, src.String(), again, err)
		}
	})
}

// FuzzDecodeImage: any bytes decode to an image or give a reason; never a panic.
func FuzzDecodeImage(f *testing.F) {
	for _, p := range []string{"tree/cat/chelsea.png", "tree/cup/coffee.jpg", "tree/space/astronaut.gif", "tree/cup/coffee.bmp", "tree/space/fake.jpg"} {
		if b, err := os.ReadFile(filepath.Join("testdata", p)); err == nil {
			f.Add(b[:min(len(b), 4096)])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := decodeImage(data)
		if err == nil && (img == nil || img.Bounds().Empty()) {
			t.Fatalf("no error and no image")
		}
		if err != nil && err.Error() == "" {
			t.Fatalf("an error without a reason")
		}
	})
}

// FuzzTFRecordSource: any file as a tfrecord: source yields images and
// rejections with reasons; never a panic, never an error for the unit.
func FuzzTFRecordSource(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x03\x00\x00\x00\x00\x00\x00\x00\xb0\x99\x49\x0efoo\x61\x8a\xbe\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		name := filepath.Join(dir, "x.tfrecord")
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		err := readTFRecordImages(context.Background(), name, func(si sourceImage) error {
			if si.ID == "" || si.Data == nil {
				t.Fatalf("image without id or data: %+v", si)
			}
			return nil
		}, func(r rejection) {
			if r.Reason == "" || !strings.Contains(r.Source, "x.tfrecord") {
				t.Fatalf("rejection %+v", r)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
