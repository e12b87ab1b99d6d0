package augment

import (
	"fmt"
	"image"
	"image/draw"

	"github.com/disintegration/gift"
)

// Cutout fills the square of side 2·Pad centred at Center, clipped to the
// image, with the grey level Fill (TF's cutout; 128 in its policies): rows
// Center.Y-Pad .. Center.Y+Pad-1 and the same columns. The policies draw
// Center uniformly over the image's pixels.
type Cutout struct {
	Pad    int
	Center image.Point
	Fill   uint8
}

// Bounds returns the bounds of the result: the source's size.
func (Cutout) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o Cutout) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "cutout=PAD@X:Y".
func (o Cutout) String() string {
	return fmt.Sprintf("cutout=%d@%d:%d", o.Pad, o.Center.X, o.Center.Y)
}

func (o Cutout) apply(dst, src *image.RGBA) {
	copyRGBA(dst, src)
	r := image.Rect(o.Center.X-o.Pad, o.Center.Y-o.Pad, o.Center.X+o.Pad, o.Center.Y+o.Pad).Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst.Pix[y*dst.Stride+4*r.Min.X : y*dst.Stride+4*r.Max.X]
		for i := 0; i+3 < len(row); i += 4 {
			row[i], row[i+1], row[i+2] = o.Fill, o.Fill, o.Fill
		}
	}
}
