package jpegturbo

import (
	"bytes"
	"errors"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"strings"
	"testing"
)

// photos are augment/testdata's JPEGs (provenance in its README).
var photos = []string{"astronaut.jpg", "coffee.jpg", "rocket.jpg"}

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../augment/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func toRGBA(m image.Image) *image.RGBA {
	r := image.NewRGBA(image.Rect(0, 0, m.Bounds().Dx(), m.Bounds().Dy()))
	draw.Draw(r, r.Rect, m, m.Bounds().Min, draw.Src)
	return r
}

// Without the build tag every call says libjpeg-turbo is not there.
func TestUnavailable(t *testing.T) {
	if Available() {
		t.Skip("libjpeg-turbo is in this build")
	}
	if _, err := Decode([]byte{0xff, 0xd8}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Decode: %v", err)
	}
	if err := Encode(&bytes.Buffer{}, image.NewGray(image.Rect(0, 0, 1, 1)), 90); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Encode: %v", err)
	}
}

func TestVersion(t *testing.T) {
	if v := Version(); Available() != strings.HasPrefix(v, "libjpeg") {
		t.Errorf("Version %q with libjpeg-turbo in build %v", v, Available())
	}
}

// Decoded pixels are image/jpeg's within the fixed-point rounding of the
// IDCT and the colour conversion (libjpeg merges chroma replication and
// conversion in one step): measured, 99.5% of samples within ±1, none
// beyond ±4, on these photos.
func TestDecodeMatchesImageJPEG(t *testing.T) {
	if !Available() {
		t.Skip("needs -tags turbojpeg and cgo")
	}
	for _, name := range photos {
		data := read(t, name)
		got, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := toRGBA(ref)
		if got.Rect != want.Rect {
			t.Fatalf("%s: %v, want %v", name, got.Rect, want.Rect)
		}
		hist := map[int]int{}
		for i := range got.Pix {
			d := int(got.Pix[i]) - int(want.Pix[i])
			hist[max(d, -d)]++
		}
		far := 0
		for d, n := range hist {
			if d > 4 {
				t.Errorf("%s: %d samples differ by %d from image/jpeg", name, n, d)
			}
			if d > 1 {
				far += n
			}
		}
		if far > len(got.Pix)/100 {
			t.Errorf("%s: %d of %d samples differ by more than 1 from image/jpeg (%v)", name, far, len(got.Pix), hist)
		}
		t.Logf("%s: |libjpeg-turbo − image/jpeg| counts %v", name, hist)
	}
}

// A view encoded by libjpeg-turbo is as close to the view as image/jpeg's.
func TestEncodePSNR(t *testing.T) {
	if !Available() {
		t.Skip("needs -tags turbojpeg and cgo")
	}
	for _, name := range photos {
		ref, _ := jpeg.Decode(bytes.NewReader(read(t, name)))
		view := image.NewRGBA(image.Rect(0, 0, 224, 224))
		draw.Draw(view, view.Rect, ref, ref.Bounds().Min.Add(image.Pt(40, 30)), draw.Src)
		for _, m := range []image.Image{view, toGray(view)} {
			var a, b bytes.Buffer
			if err := Encode(&a, m, 95); err != nil {
				t.Fatal(err)
			}
			if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 95}); err != nil {
				t.Fatal(err)
			}
			ma, err := jpeg.Decode(&a)
			if err != nil {
				t.Fatalf("%s: image/jpeg cannot read libjpeg-turbo's JPEG: %v", name, err)
			}
			mb, _ := jpeg.Decode(&b)
			pa, pb := psnr(toRGBA(m), toRGBA(ma)), psnr(toRGBA(m), toRGBA(mb))
			t.Logf("%s %T: PSNR libjpeg-turbo %.2f dB, image/jpeg %.2f dB", name, m, pa, pb)
			if pa < pb-0.5 {
				t.Errorf("%s %T: PSNR %.2f dB, image/jpeg's %.2f", name, m, pa, pb)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	if !Available() {
		t.Skip("needs -tags turbojpeg and cgo")
	}
	data := read(t, "coffee.jpg")
	for name, in := range map[string][]byte{"empty": nil, "not jpeg": []byte("hello"), "header only": data[:100]} {
		if _, err := Decode(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := Encode(&bytes.Buffer{}, image.NewRGBA(image.Rect(0, 0, 2, 2)), 0); err == nil {
		t.Error("quality 0: no error")
	}
}

func toGray(m image.Image) *image.Gray {
	g := image.NewGray(m.Bounds())
	draw.Draw(g, g.Rect, m, m.Bounds().Min, draw.Src)
	return g
}

func psnr(a, b *image.RGBA) float64 {
	var se float64
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		se += d * d
	}
	return 10 * math.Log10(255*255/(se/float64(len(a.Pix)*3/4)))
}

// Decoding a photo and encoding a 224 px view at quality 95, against
// image/jpeg in the same run.
func BenchmarkCodecs(b *testing.B) {
	data := read(b, "coffee.jpg")
	ref, _ := jpeg.Decode(bytes.NewReader(data))
	view := image.NewRGBA(image.Rect(0, 0, 224, 224))
	draw.Draw(view, view.Rect, ref, image.Pt(40, 30), draw.Src)
	var w bytes.Buffer
	b.Run("decode/image-jpeg", func(b *testing.B) {
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/image-jpeg", func(b *testing.B) {
		for b.Loop() {
			w.Reset()
			if err := jpeg.Encode(&w, view, &jpeg.Options{Quality: 95}); err != nil {
				b.Fatal(err)
			}
		}
	})
	if !Available() {
		return
	}
	b.Run("decode/libjpeg-turbo", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/libjpeg-turbo", func(b *testing.B) {
		for b.Loop() {
			w.Reset()
			if err := Encode(&w, view, 95); err != nil {
				b.Fatal(err)
			}
		}
	})
}
