package augment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
)

// Options configure an Augmenter.
type Options struct {
	// Size is the side of the square output in pixels; required unless Crop
	// is CropNone, where it is ignored.
	Size int
	// Channels is 3 for RGB output (*image.RGBA, opaque) or 1 for grey
	// (*image.Gray, PIL's L of the RGB result); 0 means 3.
	Channels int
	// Crop is how the view is cut out; the zero value is CropRandom.
	Crop CropMode
	// MinArea is the smallest area fraction of the random crop: 0.08
	// (ImageNet, the default when 0) or 0.2 (CIFAR).
	MinArea float64
	// Interpolation is the resize filter: Bilinear (SupCon, the default) or
	// Bicubic (SimCLR).
	Interpolation Interpolation
	// NoFlip turns off CropRandom's horizontal flip (digits, text: data
	// whose mirror image is another thing). The coin is still drawn, so the
	// crop and the policy's ops are the same as with flips.
	NoFlip bool
}

// An Augmenter makes views of images with one policy. It is immutable
// after New and safe for concurrent use by any number of goroutines; View
// allocates only the image it returns (plus pooled scratch memory).
type Augmenter struct {
	policy Policy
	opt    Options
}

// New returns an Augmenter for the policy spec (see Parse) with options
// opt. It fails on a bad spec or bad options.
func New(spec string, opt Options) (*Augmenter, error) {
	p, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	return NewPolicy(p, opt)
}

// NewPolicy is New for an already parsed policy.
func NewPolicy(p Policy, opt Options) (*Augmenter, error) {
	if opt.Channels == 0 {
		opt.Channels = 3
	}
	if opt.Channels != 1 && opt.Channels != 3 {
		return nil, fmt.Errorf("augment: channels %d: want 1 or 3", opt.Channels)
	}
	if opt.Crop != CropNone && (opt.Size < 1 || opt.Size > 1<<14) {
		return nil, fmt.Errorf("augment: size %d: want 1..16384 pixels", opt.Size)
	}
	if opt.Crop < CropRandom || opt.Crop > CropNone {
		return nil, fmt.Errorf("augment: unknown crop mode %d", opt.Crop)
	}
	if opt.MinArea == 0 {
		opt.MinArea = 0.08
	}
	if opt.MinArea <= 0 || opt.MinArea > 1 {
		return nil, fmt.Errorf("augment: min area %v: want a fraction in (0, 1]", opt.MinArea)
	}
	return &Augmenter{policy: p, opt: opt}, nil
}

// Policy returns the augmenter's policy.
func (a *Augmenter) Policy() Policy { return a.policy }

// Options returns the augmenter's options, with defaults filled in.
func (a *Augmenter) Options() Options { return a.opt }

// ErrEmptyImage is returned (wrapped) for an image with no pixels.
var ErrEmptyImage = errors.New("empty image")

// A Plan is every random choice of one view, drawn but not yet applied.
type Plan struct {
	// Crop is the rectangle cut out of the image, in its coordinates (the
	// whole image for CropNone).
	Crop image.Rectangle
	// Flip reports whether the view is mirrored left to right after the
	// crop and resize.
	Flip bool
	// Ops are the policy's ops for this view, in order.
	Ops []Op
}

// String describes the plan, e.g. "crop (10,20)-(300,310) flip ops rotate=27 equalize".
func (p Plan) String() string {
	s := "crop " + p.Crop.String()
	if p.Flip {
		s += " flip"
	}
	if len(p.Ops) == 0 {
		return s + " ops none"
	}
	s += " ops"
	for _, op := range p.Ops {
		s += " " + op.String()
	}
	return s
}

// Plan draws the random choices of a view of an image with the given
// bounds: what View(img, seed, id, view, epoch) applies.
func (a *Augmenter) Plan(bounds image.Rectangle, seed int64, id string, view, epoch int) Plan {
	r := NewRand(seed, id, view, epoch)
	var p Plan
	w, h := a.opt.Size, a.opt.Size
	switch a.opt.Crop {
	case CropNone:
		p.Crop = bounds
		w, h = bounds.Dx(), bounds.Dy()
	case CropCenter:
		p.Crop = centerSquare(bounds.Dx(), bounds.Dy(), 0.875).Add(bounds.Min)
	default:
		p.Crop = randomCrop(r, bounds.Dx(), bounds.Dy(), a.opt.MinArea, a.policy.Convention()).Add(bounds.Min)
		p.Flip = coin(r, 0.5) && !a.opt.NoFlip
	}
	p.Ops = a.policy.Ops(r, w, h)
	return p
}

// View returns view number view of img for the given epoch: a pure function
// of (img, policy, options, seed, id, view, epoch). All its random draws
// come from NewRand(seed, id, view, epoch), in this order: the crop, the
// flip, then the policy's (see Plan). id names the image (its key in the
// dataset) and appears in errors. The result is *image.RGBA (opaque) or,
// with Channels 1, *image.Gray, with bounds starting at (0, 0).
func (a *Augmenter) View(img image.Image, seed int64, id string, view, epoch int) (image.Image, error) {
	if img == nil {
		return nil, fmt.Errorf("augment: image %q: nil image", id)
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("augment: image %q (%dx%d): %w", id, b.Dx(), b.Dy(), ErrEmptyImage)
	}
	return a.Render(img, a.Plan(b, seed, id, view, epoch)), nil
}

// Render applies a plan (from Plan on img's bounds) to img. A crop that
// misses the image gives a black view.
func (a *Augmenter) Render(img image.Image, p Plan) image.Image {
	var cur *image.RGBA
	p.Crop = p.Crop.Intersect(img.Bounds())
	switch {
	case a.opt.Crop != CropNone && p.Crop.Empty():
		cur = newRGBA(a.opt.Size, a.opt.Size)
		fillRGBA(cur, 0)
	case a.opt.Crop == CropNone:
		cur = newRGBA(p.Crop.Dx(), p.Crop.Dy())
		copyRGBA(cur, toRGBA(img, p.Crop))
	default:
		cur = newRGBA(a.opt.Size, a.opt.Size)
		resizeRegion(cur, img, p.Crop, a.opt.Interpolation, p.Flip)
	}
	w, h := cur.Rect.Dx(), cur.Rect.Dy()
	if len(p.Ops) > 0 {
		out := cur
		tmp := getScratch(w, h)
		for _, op := range p.Ops {
			if _, ok := op.(Identity); ok {
				continue
			}
			op.apply(tmp, cur)
			cur, tmp = tmp, cur
		}
		if cur != out {
			copyRGBA(out, cur)
			tmp, cur = cur, out
		}
		putScratch(tmp)
	}
	if a.opt.Channels == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			grayRow(g.Pix[y*g.Stride:y*g.Stride+w], cur.Pix[y*cur.Stride:y*cur.Stride+4*w])
		}
		return g
	}
	return cur
}

// flipInPlace mirrors m left to right.
func flipInPlace(m *image.RGBA) {
	w := m.Rect.Dx()
	for y := 0; y < m.Rect.Dy(); y++ {
		flipRow(m.Pix[y*m.Stride : y*m.Stride+4*w])
	}
}

// flipRow mirrors a row of 4-byte pixels.
func flipRow(row []uint8) {
	for i, j := 0, len(row)/4-1; i < j; i, j = i+1, j-1 {
		a, b := binary.LittleEndian.Uint32(row[4*i:]), binary.LittleEndian.Uint32(row[4*j:])
		binary.LittleEndian.PutUint32(row[4*i:], b)
		binary.LittleEndian.PutUint32(row[4*j:], a)
	}
}
