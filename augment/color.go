package augment

import (
	"image"
	"image/draw"
	"math"
	"sync"

	"github.com/disintegration/gift"
)

// Grayscale replaces each pixel by its luma, PIL's convert("L") tiled to
// three channels (torchvision's RandomGrayscale on PIL images). gift's
// Grayscale uses float weights on 16-bit samples and can differ by one
// level, so it is not used.
type Grayscale struct{}

// Bounds returns the bounds of the result: the source's size.
func (Grayscale) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the grey src to dst.
func (o Grayscale) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "grayscale".
func (Grayscale) String() string { return "grayscale" }

func (Grayscale) apply(dst, src *image.RGBA) {
	w := 4 * src.Rect.Dx()
	for y := 0; y < src.Rect.Dy(); y++ {
		in := src.Pix[y*src.Stride : y*src.Stride+w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for i := 0; i+3 < len(in); i += 4 {
			l := luma(in[i], in[i+1], in[i+2])
			out[i], out[i+1], out[i+2], out[i+3] = l, l, l, 0xff
		}
	}
}

// Hue shifts the hue by Shift turns (-0.5..0.5), as torchvision's
// adjust_hue on PIL images: convert to PIL's 8-bit HSV, add
// int8(Shift·255) to H modulo 256, convert back (libImaging/Convert.c
// rgb2hsv and hsv2rgb).
type Hue struct{ Shift float64 }

// Bounds returns the bounds of the result: the source's size.
func (Hue) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o Hue) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "hue=SHIFT".
func (o Hue) String() string { return "hue=" + fmtArg(o.Shift) }

func (o Hue) apply(dst, src *image.RGBA) {
	shift := uint8(int8(o.Shift * 255)) // numpy: np.int8(hue_factor * 255), then uint8 wrap-around
	w := 4 * src.Rect.Dx()
	for y := 0; y < src.Rect.Dy(); y++ {
		in := src.Pix[y*src.Stride : y*src.Stride+w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for i := 0; i+3 < len(in); i += 4 {
			h, s, v := rgbToHSV(in[i], in[i+1], in[i+2])
			out[i], out[i+1], out[i+2] = hsvToRGB(h+shift, s, v)
			out[i+3] = 0xff
		}
	}
}

// rgbToHSV is Convert.c's rgb2hsv_row (float and double arithmetic as in C).
func rgbToHSV(r, g, b uint8) (uint8, uint8, uint8) {
	maxc := max(r, g, b)
	minc := min(r, g, b)
	if maxc == minc {
		return 0, 0, maxc
	}
	cr := float32(maxc - minc)
	s := cr / float32(maxc)
	// C computes all three of rc, gc, bc; each branch needs two.
	var h float32
	switch {
	case r == maxc:
		bc := float32(maxc-b) / cr
		gc := float32(maxc-g) / cr
		h = bc - gc
	case g == maxc:
		rc := float32(maxc-r) / cr
		bc := float32(maxc-b) / cr
		h = float32(2.0 + float64(rc) - float64(bc))
	default:
		gc := float32(maxc-g) / cr
		rc := float32(maxc-r) / cr
		h = float32(4.0 + float64(gc) - float64(rc))
	}
	// fmod(h/6 + 1, 1) in C: the argument lies in (0.83, 1.84), where the
	// exact fmod is a conditional subtraction (also exact).
	hv := float64(h)/6.0 + 1.0
	if hv >= 1 {
		hv--
	}
	h = float32(hv)
	return clip8i(int(float64(h) * 255.0)), clip8i(int(float64(s) * 255.0)), maxc
}

// hsvTables hold the parts of hsv2rgb that depend on one channel only.
var hsvTables = sync.OnceValue(func() *struct {
	i  [256]int
	f  [256]float32
	fs [256]float32
} {
	t := new(struct {
		i  [256]int
		f  [256]float32
		fs [256]float32
	})
	for h := 0; h < 256; h++ {
		t.i[h] = int(math.Floor(float64(float32(h)) * 6.0 / 255.0))
		t.f[h] = float32(float64(float32(h))*6.0/255.0 - float64(float32(t.i[h])))
		t.fs[h] = float32(float64(float32(h)) / 255.0)
	}
	return t
})

// hsvToRGB is Convert.c's hsv2rgb (float and double arithmetic as in C).
func hsvToRGB(h, s, v uint8) (uint8, uint8, uint8) {
	if s == 0 {
		return v, v, v
	}
	t := hsvTables()
	i, f, fs := t.i[h], t.f[h], t.fs[s]
	fv := float64(float32(v))
	p := clip8i(int(math.Round(fv * (1.0 - float64(fs)))))
	q := clip8i(int(math.Round(fv * (1.0 - float64(fs*f)))))
	tt := clip8i(int(math.Round(fv * (1.0 - float64(fs)*(1.0-float64(f))))))
	switch i % 6 {
	case 0:
		return v, tt, p
	case 1:
		return q, v, p
	case 2:
		return p, v, tt
	case 3:
		return p, q, v
	case 4:
		return tt, p, v
	default:
		return v, p, q
	}
}

// clip8i clamps an int to 0..255.
func clip8i(v int) uint8 { return uint8(min(max(v, 0), 255)) }
