package augment

import (
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"sync"

	"github.com/disintegration/gift"
)

// An Op is one augmentation operation with a fixed physical argument. Every
// Op is a gift.Filter (Bounds and Draw), so it composes with gift's own
// filters, and it also has an 8-bit fast path that the policies use.
//
// Ops work on colour: Draw reads any image kind, drops alpha the way PIL's
// convert("RGB") does (straight, un-premultiplied colour), scales 16-bit
// samples to 8 bits (>> 8) and writes an opaque result. Ops are immutable
// values and safe for concurrent use.
type Op interface {
	// Bounds returns the bounds of the result for a source of bounds b; it
	// starts at (0, 0) as gift's filters do.
	Bounds(b image.Rectangle) image.Rectangle
	// Draw applies the op to src and writes the result to dst. The options
	// (gift's parallelisation switch) are ignored: an op runs on one core.
	Draw(dst draw.Image, src image.Image, options *gift.Options)
	// String describes the op and its arguments, in the grammar of an ops:
	// policy where the op has one (e.g. "rotate=30").
	String() string

	// apply is the fast path: dst and src are distinct opaque RGBA images
	// with the same origin-zero bounds (sized by Bounds).
	apply(dst, src *image.RGBA)
}

// Every op, and the resized crop, is a gift.Filter.
var (
	_ gift.Filter = Op(nil)
	_ gift.Filter = ResizedCrop{}
)

// sameBounds is the Bounds of every op that keeps the image size.
func sameBounds(b image.Rectangle) image.Rectangle { return image.Rect(0, 0, b.Dx(), b.Dy()) }

// drawOp is the generic Draw of an op: convert src to opaque RGBA, apply the
// fast path, and store the result in dst.
func drawOp(op Op, dst draw.Image, src image.Image) {
	in := toRGBA(src, src.Bounds())
	out := image.NewRGBA(op.Bounds(in.Rect))
	op.apply(out, in)
	store(dst, out)
}

// toRGBA returns the rectangle r of src as an opaque *image.RGBA whose bounds
// start at (0, 0). The result may share memory with src (an opaque RGBA
// source): callers must not write to it.
func toRGBA(src image.Image, r image.Rectangle) *image.RGBA {
	r = r.Intersect(src.Bounds())
	if s, ok := src.(*image.RGBA); ok && opaqueRGBA(s, r) {
		sub := s.SubImage(r).(*image.RGBA)
		return &image.RGBA{Pix: sub.Pix, Stride: sub.Stride, Rect: image.Rect(0, 0, r.Dx(), r.Dy())}
	}
	dst := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	convertInto(dst, src, r)
	return dst
}

// ToRGBA returns a copy of img as an opaque *image.RGBA with bounds
// starting at (0, 0): straight colour of any image kind, alpha dropped as
// PIL's convert("RGB") does, 16-bit samples cut to their high byte. Convert
// a decoded JPEG (YCbCr) once with it before making several views.
func ToRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	m := newRGBA(b.Dx(), b.Dy())
	convertInto(m, img, b)
	return m
}

// opaqueRGBA reports whether every pixel of s inside r has alpha 255.
func opaqueRGBA(s *image.RGBA, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := s.PixOffset(r.Min.X, y)
		row := s.Pix[i : i+4*r.Dx()]
		and := uint64(0xff000000ff000000)
		for len(row) >= 8 {
			and &= binary.LittleEndian.Uint64(row)
			row = row[8:]
		}
		if and != 0xff000000ff000000 || (len(row) == 4 && row[3] != 0xff) {
			return false
		}
	}
	return true
}

// convertInto writes the rectangle r of src, as opaque 8-bit RGB, into dst
// (whose bounds start at (0, 0) and are r's size).
func convertInto(dst *image.RGBA, src image.Image, r image.Rectangle) {
	w, h := r.Dx(), r.Dy()
	switch s := src.(type) {
	case *image.YCbCr:
		draw.Draw(dst, dst.Rect, s, r.Min, draw.Src)
		return
	case *image.RGBA:
		for y := 0; y < h; y++ {
			in := s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):][:4*w]
			out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			copy(out, in)
			for i := 0; i+3 < len(out); i += 4 {
				if a := out[i+3]; a != 0xff {
					c := color.NRGBAModel.Convert(color.RGBA{out[i], out[i+1], out[i+2], a}).(color.NRGBA)
					out[i], out[i+1], out[i+2], out[i+3] = c.R, c.G, c.B, 0xff
				}
			}
		}
		return
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			in := s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):]
			out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for i := 0; i < len(out); i += 4 {
				out[i], out[i+1], out[i+2], out[i+3] = in[i], in[i+1], in[i+2], 0xff
			}
		}
		return
	case *image.Gray:
		for y := 0; y < h; y++ {
			in := s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):]
			out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				v := in[x]
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = v, v, v, 0xff
			}
		}
		return
	case *image.Paletted:
		var pal [256][3]uint8
		for i, c := range s.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [3]uint8{n.R, n.G, n.B}
		}
		for y := 0; y < h; y++ {
			in := s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):]
			out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x := 0; x < w; x++ {
				p := pal[in[x]]
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = p[0], p[1], p[2], 0xff
			}
		}
		return
	}
	for y := 0; y < h; y++ {
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(src.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = c.R, c.G, c.B, 0xff
		}
	}
}

// store writes the origin-zero image out into dst at dst's origin.
func store(dst draw.Image, out *image.RGBA) {
	b := dst.Bounds()
	switch d := dst.(type) {
	case *image.RGBA:
		w := min(b.Dx(), out.Rect.Dx())
		for y := 0; y < min(b.Dy(), out.Rect.Dy()); y++ {
			copy(d.Pix[d.PixOffset(b.Min.X, b.Min.Y+y):][:4*w], out.Pix[y*out.Stride:][:4*w])
		}
	case *image.Gray:
		w := min(b.Dx(), out.Rect.Dx())
		for y := 0; y < min(b.Dy(), out.Rect.Dy()); y++ {
			grayRow(d.Pix[d.PixOffset(b.Min.X, b.Min.Y+y):][:w], out.Pix[y*out.Stride:][:4*w])
		}
	default:
		draw.Draw(dst, out.Rect.Add(b.Min), out, image.Point{}, draw.Src)
	}
}

// luma is PIL's RGB to L conversion (Convert.c, L24): ITU-R 601-2 weights in
// 16-bit fixed point, rounded half up.
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// grayRow writes the luma of the RGBA pixels in src to dst.
func grayRow(dst, src []uint8) {
	for x := range dst {
		p := src[4*x : 4*x+3 : 4*x+3]
		dst[x] = luma(p[0], p[1], p[2])
	}
}

// newRGBA returns an opaque-ready RGBA image of w×h pixels.
func newRGBA(w, h int) *image.RGBA { return image.NewRGBA(image.Rect(0, 0, w, h)) }

// scratch recycles the intermediate buffers of View.
var scratch = sync.Pool{New: func() any { return new([]uint8) }}

// getScratch returns an RGBA image of w×h pixels backed by pooled memory;
// its content is undefined. Give it back with putScratch.
func getScratch(w, h int) *image.RGBA {
	p := scratch.Get().(*[]uint8)
	n := 4 * w * h
	if cap(*p) < n {
		*p = make([]uint8, n)
	}
	return &image.RGBA{Pix: (*p)[:n], Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// putScratch returns the memory of an image from getScratch to the pool.
func putScratch(m *image.RGBA) {
	p := m.Pix[:0]
	scratch.Put(&p)
}
