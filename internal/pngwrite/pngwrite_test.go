package pngwrite

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"testing"
)

// photo returns a 224×224 crop of a test photograph (augment/testdata) as
// opaque RGBA, the shape of the pipeline's views, or as Gray.
func photo(t testing.TB, gray bool) image.Image {
	t.Helper()
	f, err := os.Open("../../augment/testdata/coffee.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	r := image.Rect(0, 0, 224, 224)
	if gray {
		m := image.NewGray(r)
		draw.Draw(m, r, src, src.Bounds().Min.Add(image.Pt(100, 50)), draw.Src)
		return m
	}
	m := image.NewRGBA(r)
	draw.Draw(m, r, src, src.Bounds().Min.Add(image.Pt(100, 50)), draw.Src)
	return m
}

var levels = []struct {
	png  png.CompressionLevel
	zlib int
}{{png.DefaultCompression, -1}, {png.NoCompression, 0}, {png.BestSpeed, 1}, {png.BestCompression, 9}}

// With compress/zlib the bytes are image/png's; with klauspost's zlib the
// file decodes to the same pixels.
func TestEncode(t *testing.T) {
	for _, gray := range []bool{false, true} {
		m := photo(t, gray)
		for _, l := range levels {
			name := fmt.Sprintf("gray=%v/level=%d", gray, l.zlib)
			var want, got, fast bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: l.png}).Encode(&want, m); err != nil {
				t.Fatal(err)
			}
			if err := Encode(&got, m, l.zlib, Stdlib); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s: %d bytes differ from image/png's %d", name, got.Len(), want.Len())
			}
			if err := Encode(&fast, m, l.zlib, Klauspost); err != nil {
				t.Fatal(err)
			}
			back, err := png.Decode(&fast)
			if err != nil {
				t.Fatalf("%s: klauspost PNG does not decode: %v", name, err)
			}
			ref, _ := png.Decode(bytes.NewReader(want.Bytes()))
			if !samePixels(back, ref) {
				t.Errorf("%s: klauspost PNG decodes to other pixels", name)
			}
		}
	}
}

func TestEncodeUnsupported(t *testing.T) {
	if err := Encode(&bytes.Buffer{}, image.NewNRGBA(image.Rect(0, 0, 2, 2)), -1, Stdlib); err != ErrUnsupported {
		t.Errorf("NRGBA: %v, want ErrUnsupported", err)
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				r1, g1, b1, a1 := a.At(x, y).RGBA()
				r2, g2, b2, a2 := b.At(x, y).RGBA()
				if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
					return false
				}
			}
		}
	}
	return true
}

// A 224 px RGB view at each level: image/png, this writer with
// compress/zlib (same bytes) and with klauspost's zlib.
func BenchmarkEncode(b *testing.B) {
	m := photo(b, false)
	for _, l := range levels {
		for _, c := range []struct {
			name string
			enc  func(*bytes.Buffer) error
		}{
			{"image-png", func(w *bytes.Buffer) error { return (&png.Encoder{CompressionLevel: l.png}).Encode(w, m) }},
			{"stdlib", func(w *bytes.Buffer) error { return Encode(w, m, l.zlib, Stdlib) }},
			{"klauspost", func(w *bytes.Buffer) error { return Encode(w, m, l.zlib, Klauspost) }},
		} {
			b.Run(fmt.Sprintf("level=%d/%s", l.zlib, c.name), func(b *testing.B) {
				var w bytes.Buffer
				for b.Loop() {
					w.Reset()
					if err := c.enc(&w); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(w.Len()), "bytes")
			})
		}
	}
}
