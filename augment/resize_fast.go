package augment

import (
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"sync"
	"sync/atomic"
)

// The bilinear resize of every view runs on packed pixels: R, G and B in
// three 21-bit lanes of a uint64 (bits 0, 21, 42), so that one multiply
// weighs all three channels. The weights are PIL's (same support, same
// centres, same two passes, horizontal first, rounding to 8 bits between
// them) but quantised to 13 bits and made to sum to exactly 2^13 instead of
// PIL's 22 bits: with non-negative weights no lane can exceed
// 255·2^13 + 2^12 < 2^21, so lanes never carry into each other and no clip
// is needed. The price is rounding: a sample can differ from PIL's by one
// level (TestFastResizeMatchesPIL measures how often).

const (
	laneBits  = 21
	lanes8    = 0xff | 0xff<<laneBits | 0xff<<(2*laneBits)
	fastBits  = 13
	fastOne   = 1 << fastBits
	fastHalf  = fastOne / 2
	fastRound = fastHalf | fastHalf<<laneBits | fastHalf<<(2*laneBits)
)

// pack puts r, g, b into the three lanes.
func pack(r, g, b uint8) uint64 {
	return uint64(r) | uint64(g)<<laneBits | uint64(b)<<(2*laneBits)
}

// fastCoeffs are bilinear weights quantised to 13 bits, each output's
// weights summing to exactly 2^13.
type fastCoeffs struct {
	first, n []int
	k        []uint64
	ksize    int
}

func precomputeFast(inSize, outSize int) fastCoeffs {
	scale := float64(inSize) / float64(outSize)
	filterscale := max(scale, 1)
	support := filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := fastCoeffs{first: make([]int, outSize), n: make([]int, outSize), k: make([]uint64, outSize*ksize), ksize: ksize}
	w := make([]float64, ksize)
	for xx := 0; xx < outSize; xx++ {
		center := (float64(xx) + 0.5) * scale
		xmin := max(int(center-support+0.5), 0)
		n := min(int(center+support+0.5), inSize) - xmin
		ww := 0.0
		for x := 0; x < n; x++ {
			w[x] = bilinearFilter((float64(x+xmin) - center + 0.5) / filterscale)
			ww += w[x]
		}
		k := c.k[xx*ksize : xx*ksize+max(n, 0)]
		sum, big := uint64(0), 0
		for x := range k {
			k[x] = uint64(math.Round(w[x] / ww * fastOne))
			sum += k[x]
			if k[x] > k[big] {
				big = x
			}
		}
		if len(k) > 0 {
			k[big] += fastOne - sum // exact sum: no lane overflow, flat areas stay flat
		}
		c.first[xx], c.n[xx] = xmin, max(n, 0)
	}
	return c
}

// fastCache keeps recent weight tables, direct-mapped by (in, out) size:
// views of one size from crops of a few hundred different sides reuse
// them. Entries are immutable; only tables of inputs up to 1024 and
// outputs up to 256 pixels are kept (at most about 14 MB in all).
var fastCache [512]atomic.Pointer[cachedCoeffs]

type cachedCoeffs struct {
	in, out int
	c       fastCoeffs
}

// cachedFast returns precomputeFast(inSize, outSize), from fastCache when
// it can; the caller must not modify the result.
func cachedFast(inSize, outSize int) fastCoeffs {
	if inSize > 1024 || outSize > 256 {
		return precomputeFast(inSize, outSize)
	}
	slot := &fastCache[uint(inSize*257+outSize*7919)%uint(len(fastCache))]
	if e := slot.Load(); e != nil && e.in == inSize && e.out == outSize {
		return e.c
	}
	e := &cachedCoeffs{in: inSize, out: outSize, c: precomputeFast(inSize, outSize)}
	slot.Store(e)
	return e.c
}

// packRows packs row y (relative to r) of img's rectangle r into dst.
type packRows func(dst []uint64, y int)

// packerFor returns a row packer for the rectangle r of img, reading the
// common image types directly (alpha dropped as PIL's convert("RGB"): the
// straight colour is kept).
func packerFor(img image.Image, r image.Rectangle) packRows {
	w := r.Dx()
	switch s := img.(type) {
	case *image.RGBA:
		return func(dst []uint64, y int) {
			row := s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):][:4*w]
			dst = dst[:w]
			if packRGB(dst, row) {
				return
			}
			for x := range dst { // not opaque: straight colour, as NRGBA
				c := color.NRGBAModel.Convert(color.RGBA{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]}).(color.NRGBA)
				dst[x] = pack(c.R, c.G, c.B)
			}
		}
	case *image.NRGBA:
		return func(dst []uint64, y int) {
			packRGBX(dst[:w], s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):][:4*w])
		}
	case *image.YCbCr:
		return func(dst []uint64, y int) {
			yi := s.YOffset(r.Min.X, r.Min.Y+y)
			for x := range dst[:w] {
				ci := s.COffset(r.Min.X+x, r.Min.Y+y)
				cr, cg, cb := color.YCbCrToRGB(s.Y[yi+x], s.Cb[ci], s.Cr[ci])
				dst[x] = pack(cr, cg, cb)
			}
		}
	case *image.Gray:
		return func(dst []uint64, y int) {
			row := s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):][:w]
			for x, v := range row {
				dst[x] = pack(v, v, v)
			}
		}
	}
	conv := toRGBA(img, r)
	return packerFor(conv, conv.Rect)
}

// packRGBX packs the RGB of 4-byte pixels and returns the AND of all of
// them (its top byte is 255 when every alpha byte is).
func packRGBX(dst []uint64, row []uint8) uint32 {
	row = row[:4*len(dst)]
	and := uint64(0xffffffffffffffff)
	x := 0
	for ; x+1 < len(dst); x += 2 {
		v2 := binary.LittleEndian.Uint64(row[4*x:])
		and &= v2
		dst[x] = packWord(v2 & 0xffffffff)
		dst[x+1] = packWord(v2 >> 32)
	}
	and &= and >> 32
	if x < len(dst) {
		v := uint64(binary.LittleEndian.Uint32(row[4*x:]))
		and &= v
		dst[x] = packWord(v)
	}
	return uint32(and)
}

// packRGB packs the RGB of len(dst) 4-byte pixels of row and reports
// whether all their alpha bytes are 255. Byte loads and shifts, four
// pixels a step: fewer instructions than splitting loaded words.
func packRGB(dst []uint64, row []uint8) bool {
	n := min(len(dst), len(row)/4)
	dst, row = dst[:n], row[:4*n]
	and := uint64(0xff000000ff000000)
	x := 0
	for ; x+3 < n; x += 4 {
		p := (*[16]uint8)(row[4*x:])
		d := (*[4]uint64)(dst[x:])
		and &= binary.LittleEndian.Uint64(p[:8]) & binary.LittleEndian.Uint64(p[8:])
		d[0] = uint64(p[0]) | uint64(p[1])<<laneBits | uint64(p[2])<<(2*laneBits)
		d[1] = uint64(p[4]) | uint64(p[5])<<laneBits | uint64(p[6])<<(2*laneBits)
		d[2] = uint64(p[8]) | uint64(p[9])<<laneBits | uint64(p[10])<<(2*laneBits)
		d[3] = uint64(p[12]) | uint64(p[13])<<laneBits | uint64(p[14])<<(2*laneBits)
	}
	for ; x < n; x++ {
		p := (*[4]uint8)(row[4*x:])
		and &= uint64(p[3])<<24 | 0xff00000000000000
		dst[x] = uint64(p[0]) | uint64(p[1])<<laneBits | uint64(p[2])<<(2*laneBits)
	}
	return and == 0xff000000ff000000
}

// packWord packs the RGB bytes of the little-endian pixel word v: R stays at
// bit 0, G moves to 21, B to 42 (via the multiply, whose other products
// land in masked-out bits).
func packWord(v uint64) uint64 {
	return (v&0xff00ff*(1+1<<26))&(0xff|0xff<<(2*laneBits)) | (v&0xff00)<<(laneBits-8)
}

// resizeFast writes the rectangle r of img, resized with bilinear weights,
// to dst, mirrored left to right when mirror is set (the flip of a view,
// for free).
func resizeFast(dst *image.RGBA, img image.Image, r image.Rectangle, mirror bool) {
	sw, sh := r.Dx(), r.Dy()
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	packRow := packerFor(img, r)
	ch := cachedFast(sw, dw)
	cv := cachedFast(sh, dh)
	first := cv.first[0]
	last := cv.first[dh-1] + cv.n[dh-1]
	// horizontal pass: rows first..last-1 into inter, re-rounded to 8 bits
	// and re-packed (PIL rounds between its passes).
	inter := getWords(dw * (last - first))
	defer putWords(inter)
	rowA, rowB := getWords(sw), getWords(sw)
	defer putWords(rowA)
	defer putWords(rowB)
	for y := first; y < last; y += 2 {
		packRow(rowA, y)
		outA := inter[(y-first)*dw : (y-first+1)*dw]
		if y+1 == last { // an odd row at the end
			hPass(outA, rowA, ch, sw == dw)
			break
		}
		packRow(rowB, y+1)
		outB := inter[(y+1-first)*dw : (y+2-first)*dw]
		hPass2(outA, outB, rowA, rowB, ch, sw == dw)
	}
	// vertical pass: the first taps set the accumulators, the others add.
	acc := getWords(dw)
	defer putWords(acc)
	for yy := 0; yy < dh; yy++ {
		o := dst.Pix[yy*dst.Stride : yy*dst.Stride+4*dw]
		if sh == dh {
			fromPacked(o, inter[(yy-first)*dw:(yy-first+1)*dw])
			if mirror {
				flipRow(o)
			}
			continue
		}
		k := cv.k[yy*cv.ksize : yy*cv.ksize+cv.n[yy]]
		base := cv.first[yy] - first
		row := func(t int) []uint64 { return inter[(base+t)*dw : (base+t+1)*dw][:len(acc)] }
		t := 0
		if len(k) >= 2 {
			k0, k1 := k[0], k[1]
			in0, in1 := row(0), row(1)
			for i := range acc {
				acc[i] = fastRound + in0[i]*k0 + in1[i]*k1
			}
			t = 2
		} else {
			k0, in0 := k[0], row(0)
			for i := range acc {
				acc[i] = fastRound + in0[i]*k0
			}
			t = 1
		}
		for ; t+1 < len(k); t += 2 {
			k0, k1 := k[t], k[t+1]
			in0, in1 := row(t), row(t+1)
			for i := range acc {
				acc[i] += in0[i]*k0 + in1[i]*k1
			}
		}
		if t < len(k) {
			k0, in0 := k[t], row(t)
			for i := range acc {
				acc[i] += in0[i] * k0
			}
		}
		fromSums(o, acc, mirror)
	}
}

// hPass resamples one packed row into out (copies it when the width stays).
func hPass(out, row []uint64, ch fastCoeffs, same bool) {
	if same {
		copy(out, row)
		return
	}
	for xx := range out {
		k := ch.k[xx*ch.ksize : xx*ch.ksize+ch.n[xx]]
		p := row[ch.first[xx]:][:len(k)]
		acc := uint64(fastRound)
		for i, kx := range k {
			acc += p[i] * kx
		}
		out[xx] = (acc >> fastBits) & lanes8
	}
}

// hPass2 is hPass for two rows at once, sharing the weights' loads.
func hPass2(outA, outB, rowA, rowB []uint64, ch fastCoeffs, same bool) {
	if same {
		copy(outA, rowA)
		copy(outB, rowB)
		return
	}
	outB = outB[:len(outA)]
	for xx := range outA {
		k := ch.k[xx*ch.ksize : xx*ch.ksize+ch.n[xx]]
		a := rowA[ch.first[xx]:][:len(k)]
		b := rowB[ch.first[xx]:][:len(k)]
		var sa, sb uint64
		switch len(k) {
		case 4: // the usual downscale by 1..1.5
			sa = fastRound + a[0]*k[0] + a[1]*k[1] + a[2]*k[2] + a[3]*k[3]
			sb = fastRound + b[0]*k[0] + b[1]*k[1] + b[2]*k[2] + b[3]*k[3]
		case 5: // by 1.5..2
			sa = fastRound + a[0]*k[0] + a[1]*k[1] + a[2]*k[2] + a[3]*k[3] + a[4]*k[4]
			sb = fastRound + b[0]*k[0] + b[1]*k[1] + b[2]*k[2] + b[3]*k[3] + b[4]*k[4]
		default:
			sa, sb = fastRound, fastRound
			for i, kx := range k {
				sa += a[i] * kx
				sb += b[i] * kx
			}
		}
		outA[xx] = (sa >> fastBits) & lanes8
		outB[xx] = (sb >> fastBits) & lanes8
	}
}

// fromSums stores weighted sums (2^13 scale) as opaque RGBA bytes, two
// pixels per store; mirror writes the row right to left.
func fromSums(out []uint8, in []uint64, mirror bool) {
	out = out[:4*len(in)]
	px := func(v uint64) uint64 {
		v >>= fastBits
		return v&0xff | v>>(laneBits-8)&0xff00 | v>>(2*laneBits-16)&0xff0000 | 0xff000000
	}
	n := len(in)
	x := 0
	if mirror {
		for ; x+1 < n; x += 2 {
			binary.LittleEndian.PutUint64(out[4*(n-2-x):], px(in[x+1])|px(in[x])<<32)
		}
		if x < n {
			binary.LittleEndian.PutUint32(out[0:], uint32(px(in[x])))
		}
		return
	}
	for ; x+1 < n; x += 2 {
		binary.LittleEndian.PutUint64(out[4*x:], px(in[x])|px(in[x+1])<<32)
	}
	if x < n {
		binary.LittleEndian.PutUint32(out[4*x:], uint32(px(in[x])))
	}
}

// fromPacked stores packed 8-bit pixels as opaque RGBA bytes.
func fromPacked(out []uint8, in []uint64) {
	out = out[:4*len(in)]
	for x, v := range in {
		binary.LittleEndian.PutUint32(out[4*x:], uint32(v&0xff)|uint32(v>>(laneBits-8))&0xff00|uint32(v>>(2*laneBits-16))&0xff0000|0xff000000)
	}
}

// words recycles the packed buffers of resizeFast.
var words = sync.Pool{New: func() any { return new([]uint64) }}

// getWords returns a pooled slice of n words (content undefined).
func getWords(n int) []uint64 {
	p := words.Get().(*[]uint64)
	if cap(*p) < n {
		*p = make([]uint64, n)
	}
	return (*p)[:n]
}

// putWords gives a slice from getWords back.
func putWords(s []uint64) {
	s = s[:0]
	words.Put(&s)
}
