package augment

import (
	"fmt"
	"image"
	"image/draw"

	"github.com/disintegration/gift"
)

// ColorJitter is a colour jitter with its random draws fixed: the four
// adjustments Brightness, Contrast, Saturation (PIL's Color) factors and a
// Hue shift, applied in Order (a permutation of 0 brightness, 1 contrast,
// 2 saturation, 3 hue), each clipping its result: torchvision's
// ColorJitter on PIL images, and SupCon's PyTorch-style color_jitter_rand.
// A factor of 1 and a shift of 0 skip that adjustment.
type ColorJitter struct {
	Brightness, Contrast, Saturation, Hue float64
	Order                                 [4]int
}

// Bounds returns the bounds of the result: the source's size.
func (ColorJitter) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the jittered src to dst.
func (o ColorJitter) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "jitter=B:C:S:H/ORDER", e.g. "jitter=1.2:0.9:1:0.05/2310".
func (o ColorJitter) String() string {
	return fmt.Sprintf("jitter=%s:%s:%s:%s/%d%d%d%d", fmtArg(o.Brightness), fmtArg(o.Contrast),
		fmtArg(o.Saturation), fmtArg(o.Hue), o.Order[0], o.Order[1], o.Order[2], o.Order[3])
}

// steps returns the adjustments in order, leaving out neutral ones.
func (o ColorJitter) steps() []Op {
	var ops []Op
	for _, i := range o.Order {
		switch {
		case i == 0 && o.Brightness != 1:
			ops = append(ops, Brightness{Factor: o.Brightness})
		case i == 1 && o.Contrast != 1:
			ops = append(ops, Contrast{Factor: o.Contrast})
		case i == 2 && o.Saturation != 1:
			ops = append(ops, Color{Factor: o.Saturation})
		case i == 3 && o.Hue != 0:
			ops = append(ops, Hue{Shift: o.Hue})
		}
	}
	return ops
}

func (o ColorJitter) apply(dst, src *image.RGBA) {
	steps := o.steps()
	if len(steps) == 0 {
		copyRGBA(dst, src)
		return
	}
	// ping-pong between dst and one scratch image, ending in dst.
	tmp := getScratch(src.Rect.Dx(), src.Rect.Dy())
	defer putScratch(tmp)
	bufs := [2]*image.RGBA{dst, tmp}
	if len(steps)%2 == 0 {
		bufs = [2]*image.RGBA{tmp, dst}
	}
	in := src
	for i, op := range steps {
		out := bufs[i%2]
		op.apply(out, in)
		in = out
	}
}
