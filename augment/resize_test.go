package augment

import (
	"image"
	"testing"
)

// TestFastResizeMatchesPIL compares the packed 13-bit bilinear resize with
// PIL's exact 22-bit computation (resizePIL) on the photographs, at the
// sizes and scales views use: no sample may differ by more than one level,
// and few may differ at all.
func TestFastResizeMatchesPIL(t *testing.T) {
	imgs := photos(t)
	total, off := 0, 0
	for i, img := range imgs {
		for _, c := range []struct {
			r    image.Rectangle
			size int
		}{
			{image.Rect(0, 0, 300, 300), 224},
			{image.Rect(17, 5, 400, 290), 224},
			{image.Rect(100, 100, 160, 140), 224}, // upscale
			{image.Rect(0, 0, 451, 300), 32},
			{image.Rect(3, 9, 133, 40), 32},
		} {
			want := newRGBA(c.size, c.size)
			resizePIL(want, toRGBA(img, c.r), Bilinear)
			got := newRGBA(c.size, c.size)
			resizeFast(got, img, c.r, false)
			for j := range got.Pix {
				d := int(got.Pix[j]) - int(want.Pix[j])
				if d != 0 {
					off++
				}
				if d > 1 || d < -1 {
					t.Fatalf("image %d crop %v -> %d: sample %d is %d, PIL %d", i, c.r, c.size, j, got.Pix[j], want.Pix[j])
				}
			}
			total += len(got.Pix) * 3 / 4
		}
	}
	// mirrored output is the flip of the plain one, also when the height
	// does not change (the copy path).
	for _, r := range []image.Rectangle{image.Rect(0, 0, 301, 200), image.Rect(5, 5, 229, 229), image.Rect(0, 0, 7, 1)} {
		for _, size := range []image.Point{{224, 224}, {33, 17}, {r.Dx(), r.Dy()}} {
			plain, mirrored := newRGBA(size.X, size.Y), newRGBA(size.X, size.Y)
			resizeFast(plain, imgs[0], r, false)
			resizeFast(mirrored, imgs[0], r, true)
			flipInPlace(plain)
			sameImage(t, "mirrored resize", mirrored, plain)
		}
	}
	frac := float64(off) / float64(total)
	t.Logf("fast bilinear vs PIL: %d of %d samples (%.3f%%) differ by one level", off, total, 100*frac)
	if frac > 0.01 {
		t.Errorf("%.3f%% of samples differ from PIL, want under 1%%", 100*frac)
	}
}

// blurFloat is SimCLR's blur in float32 with a single rounding at the end,
// the reference for GaussianBlur's fixed-point passes.
func blurFloat(src *image.RGBA, o GaussianBlur) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	k := o.taps(h)
	r := len(k) / 2
	tmp := make([]float32, 4*w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				var a float32
				for t := -r; t <= r; t++ {
					if x+t >= 0 && x+t < w {
						a += k[t+r] * float32(src.Pix[y*src.Stride+4*(x+t)+c])
					}
				}
				tmp[4*(y*w+x)+c] = a
			}
		}
	}
	out := newRGBA(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				var a float32
				for t := -r; t <= r; t++ {
					if y+t >= 0 && y+t < h {
						a += k[t+r] * tmp[4*((y+t)*w+x)+c]
					}
				}
				out.Pix[y*out.Stride+4*x+c] = roundClip(a)
			}
			out.Pix[y*out.Stride+4*x+3] = 0xff
		}
	}
	return out
}

func TestBlurMatchesFloat(t *testing.T) {
	img := photos(t)[3]
	src := newRGBA(224, 224)
	resizeFast(src, img, image.Rect(100, 50, 400, 350), false)
	off := 0
	for _, sigma := range []float64{0.1, 0.7, 1.3, 2} {
		o := GaussianBlur{Sigma: sigma}
		got, want := run(o, src), blurFloat(src, o)
		for i := range got.Pix {
			d := int(got.Pix[i]) - int(want.Pix[i])
			if d > 1 || d < -1 {
				t.Fatalf("sigma %v: sample %d is %d, float %d", sigma, i, got.Pix[i], want.Pix[i])
			}
			if d != 0 {
				off++
			}
		}
	}
	t.Logf("blur: %d of %d samples differ from float by one level", off, 4*224*224*3)
}
