package augment

import (
	"image"
	"math"
)

// LostStdDev is the grey-level standard deviation under which Lost calls a
// view lost.
const LostStdDev = 2.0

// Lost reports whether a view's content is gone: the standard deviation of
// its grey levels (PIL's L, as Grayscale computes them) is under
// LostStdDev. A view that a translation or cutout covered with fill, a
// constant crop, or one darkened or flattened to a single level is lost; a
// view with a strip of the picture left is not. Policies should make none
// at any size (docs/policies.md, "Sizes"); `supcon bench augment`,
// `supcon preview` and the pipeline count them.
func Lost(img image.Image) bool { return GreyStdDev(img) < LostStdDev }

// GreyStdDev returns the standard deviation of img's grey levels (PIL's L
// of its RGB), 0 for an empty image. It reads *image.RGBA and *image.Gray
// directly, other kinds through their colour model.
func GreyStdDev(img image.Image) float64 {
	b := img.Bounds()
	if b.Empty() {
		return 0
	}
	var hist [256]int64
	switch m := img.(type) {
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):m.PixOffset(b.Max.X, y)]
			for i := 0; i+3 < len(row); i += 4 {
				hist[luma(row[i], row[i+1], row[i+2])]++
			}
		}
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for _, v := range m.Pix[m.PixOffset(b.Min.X, y):m.PixOffset(b.Max.X, y)] {
				hist[v]++
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				hist[luma(uint8(r>>8), uint8(g>>8), uint8(bl>>8))]++
			}
		}
	}
	// The sums are whole numbers under 2^53 for any view size: exact.
	var n, s, ss float64
	for v, c := range hist {
		fc := float64(c)
		n += fc
		s += fc * float64(v)
		ss += fc * float64(v*v)
	}
	return math.Sqrt(max(0, ss/n-(s/n)*(s/n)))
}
