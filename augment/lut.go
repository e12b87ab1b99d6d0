package augment

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"strconv"

	"github.com/disintegration/gift"
)

// applyLUTs maps every pixel of src through one table per channel into dst.
func applyLUTs(dst, src *image.RGBA, lr, lg, lb *[256]uint8) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	for y := 0; y < h; y++ {
		in := src.Pix[y*src.Stride : y*src.Stride+4*w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w][:len(in)]
		for i := 0; i+3 < len(in); i += 4 {
			v := binary.LittleEndian.Uint32(in[i:])
			binary.LittleEndian.PutUint32(out[i:], uint32(lr[uint8(v)])|uint32(lg[uint8(v>>8)])<<8|uint32(lb[uint8(v>>16)])<<16|0xff000000)
		}
	}
}

// applyLUT maps every channel of every pixel of src through lut into dst.
func applyLUT(dst, src *image.RGBA, lut *[256]uint8) { applyLUTs(dst, src, lut, lut, lut) }

// Identity leaves the image as it is (RandAugment's and TrivialAugment's
// no-op branch).
type Identity struct{}

// Bounds returns the bounds of the result: the source's size.
func (Identity) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw copies src to dst.
func (o Identity) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "identity".
func (Identity) String() string { return "identity" }

func (Identity) apply(dst, src *image.RGBA) { copyRGBA(dst, src) }

// copyRGBA copies src to dst (same size).
func copyRGBA(dst, src *image.RGBA) {
	w := 4 * src.Rect.Dx()
	for y := 0; y < src.Rect.Dy(); y++ {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+w], src.Pix[y*src.Stride:y*src.Stride+w])
	}
}

// Invert replaces every sample x by 255 - x (PIL ImageOps.invert). gift's
// Invert filter computes the same thing in 16 bits; this one is 8-bit.
type Invert struct{}

// Bounds returns the bounds of the result: the source's size.
func (Invert) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the inverted src to dst.
func (o Invert) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "invert".
func (Invert) String() string { return "invert" }

func (Invert) apply(dst, src *image.RGBA) {
	var lut [256]uint8
	for i := range lut {
		lut[i] = uint8(255 - i)
	}
	applyLUT(dst, src, &lut)
}

// Posterize keeps the Bits most significant bits of every sample:
// (x >> (8-Bits)) << (8-Bits), as PIL's ImageOps.posterize. Bits 0 gives
// black (PIL; TF's uint8 shift by 8 instead keeps the top bit), 8 or more
// is the identity.
type Posterize struct{ Bits int }

// Bounds returns the bounds of the result: the source's size.
func (Posterize) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the posterized src to dst.
func (o Posterize) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "posterize=BITS".
func (o Posterize) String() string { return fmt.Sprintf("posterize=%d", o.Bits) }

func (o Posterize) apply(dst, src *image.RGBA) {
	bits := min(max(o.Bits, 0), 8)
	mask := uint8(0xff) << (8 - bits)
	if bits == 0 {
		mask = 0
	}
	var lut [256]uint8
	for i := range lut {
		lut[i] = uint8(i) & mask
	}
	applyLUT(dst, src, &lut)
}

// Solarize inverts every sample at or above Threshold: x >= t becomes
// 255 - x (PIL ImageOps.solarize). Threshold may be fractional (TV's bins);
// 256 or more leaves the image unchanged, 0 inverts it.
type Solarize struct{ Threshold float64 }

// Bounds returns the bounds of the result: the source's size.
func (Solarize) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the solarized src to dst.
func (o Solarize) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "solarize=THRESHOLD".
func (o Solarize) String() string { return "solarize=" + fmtArg(o.Threshold) }

func (o Solarize) apply(dst, src *image.RGBA) {
	var lut [256]uint8
	for i := range lut {
		if float64(i) < o.Threshold {
			lut[i] = uint8(i)
		} else {
			lut[i] = uint8(255 - i)
		}
	}
	applyLUT(dst, src, &lut)
}

// SolarizeAdd adds Addition to every sample below Threshold and clips to
// 0..255 (TF's solarize_add; not in PIL or torchvision). TF's policies use
// Threshold 128.
type SolarizeAdd struct {
	Addition  int
	Threshold int
}

// Bounds returns the bounds of the result: the source's size.
func (SolarizeAdd) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o SolarizeAdd) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "solarizeadd=ADDITION" (with ":THRESHOLD" unless 128).
func (o SolarizeAdd) String() string {
	if o.Threshold != 128 {
		return fmt.Sprintf("solarizeadd=%d:%d", o.Addition, o.Threshold)
	}
	return fmt.Sprintf("solarizeadd=%d", o.Addition)
}

func (o SolarizeAdd) apply(dst, src *image.RGBA) {
	var lut [256]uint8
	for i := range lut {
		v := i
		if i < o.Threshold {
			v = min(max(i+o.Addition, 0), 255)
		}
		lut[i] = uint8(v)
	}
	applyLUT(dst, src, &lut)
}

// histograms counts the samples of each colour channel of m.
func histograms(m *image.RGBA) (h [3][256]int) {
	w := m.Rect.Dx()
	for y := 0; y < m.Rect.Dy(); y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for i := 0; i+3 < len(row); i += 4 {
			h[0][row[i]]++
			h[1][row[i+1]]++
			h[2][row[i+2]]++
		}
	}
	return h
}

// AutoContrast stretches each channel so that its darkest sample becomes 0
// and its lightest 255 (PIL ImageOps.autocontrast with cutoff 0): lut[i] =
// int(i·scale - lo·scale) clipped, scale = 255/(hi-lo); a channel with
// hi <= lo is left as it is.
type AutoContrast struct{}

// Bounds returns the bounds of the result: the source's size.
func (AutoContrast) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o AutoContrast) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "autocontrast".
func (AutoContrast) String() string { return "autocontrast" }

func (AutoContrast) apply(dst, src *image.RGBA) {
	hs := histograms(src)
	var luts [3][256]uint8
	for c := range hs {
		lo, hi := 0, 255
		for lo < 256 && hs[c][lo] == 0 {
			lo++
		}
		for hi >= 0 && hs[c][hi] == 0 {
			hi--
		}
		lut := &luts[c]
		if hi <= lo {
			for i := range lut {
				lut[i] = uint8(i)
			}
			continue
		}
		scale := 255.0 / float64(hi-lo)
		offset := -float64(lo) * scale
		for i := range lut {
			v := int(float64(i)*scale + offset) // Python int(): truncation
			lut[i] = uint8(min(max(v, 0), 255))
		}
	}
	applyLUTs(dst, src, &luts[0], &luts[1], &luts[2])
}

// Equalize equalises the histogram of each channel as PIL's
// ImageOps.equalize: step = (count - count of the last non-empty bin) / 255
// (integer division); a channel with step 0 is left as it is; otherwise
// lut[i] = (step/2 + samples below i) / step, clipped to 255.
type Equalize struct{}

// Bounds returns the bounds of the result: the source's size.
func (Equalize) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the result to dst.
func (o Equalize) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "equalize".
func (Equalize) String() string { return "equalize" }

func (Equalize) apply(dst, src *image.RGBA) {
	hs := histograms(src)
	var luts [3][256]uint8
	for c := range hs {
		equalizeLUT(&luts[c], &hs[c])
	}
	applyLUTs(dst, src, &luts[0], &luts[1], &luts[2])
}

// equalizeLUT builds PIL's equalisation table for one channel's histogram.
func equalizeLUT(lut *[256]uint8, h *[256]int) {
	total, last := 0, 0
	for _, n := range h {
		if n != 0 {
			total += n
			last = n
		}
	}
	step := (total - last) / 255
	if step == 0 {
		for i := range lut {
			lut[i] = uint8(i)
		}
		return
	}
	n := step / 2
	for i := range lut {
		lut[i] = uint8(min(n/step, 255))
		n += h[i]
	}
}

// fmtFloat prints a float in the shortest form that reads back the same.
// (policy specs).
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// fmtArg prints an op's argument for people: 6 significant digits.
func fmtArg(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
