package augment

import (
	"image"
	"math"
	"math/rand/v2"
)

// randomCrop draws the rectangle of a random resized crop of a w×h image
// (docs/policies.md, "One training view"): area fraction U(minArea, 1), aspect ratio
// U(3/4, 4/3) (uniform under TF, log-uniform under torchvision), side
// lengths rounded half to even, up to 100 attempts; TF also rejects crops
// covering less than 10% of the image. The fallback is the centred square of
// the short side.
func randomCrop(r *rand.Rand, w, h int, minArea float64, conv Convention) image.Rectangle {
	area := float64(w) * float64(h)
	for range 100 {
		target := area * uniform(r, minArea, 1)
		var ratio float64
		if conv == TV {
			ratio = math.Exp(uniform(r, math.Log(3.0/4), math.Log(4.0/3)))
		} else {
			ratio = uniform(r, 3.0/4, 4.0/3)
		}
		cw := int(math.RoundToEven(math.Sqrt(target * ratio)))
		ch := int(math.RoundToEven(math.Sqrt(target / ratio)))
		if cw <= 0 || ch <= 0 || cw > w || ch > h {
			continue
		}
		if conv == TF && float64(cw)*float64(ch) < 0.1*area {
			continue
		}
		x := r.IntN(w - cw + 1)
		y := r.IntN(h - ch + 1)
		return image.Rect(x, y, x+cw, y+ch)
	}
	return centerSquare(w, h, 1)
}

// centerSquare returns the centred square whose side is frac of the short
// side of a w×h image (at least one pixel).
func centerSquare(w, h int, frac float64) image.Rectangle {
	s := max(int(float64(min(w, h))*frac+0.5), 1)
	s = min(s, w, h)
	x, y := (w-s)/2, (h-s)/2
	return image.Rect(x, y, x+s, y+s)
}
