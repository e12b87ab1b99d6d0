package augment

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// The functions ending in Ref are resize_fast.go as it was before its
// packing was rewritten and its weight tables cached: resizeFast must
// still give the same bytes.

func packRef(r, g, b uint8) uint64 {
	return uint64(r) | uint64(g)<<laneBits | uint64(b)<<(2*laneBits)
}

type fastCoeffsRef struct {
	first, n []int
	k        []uint64
	ksize    int
}

func precomputeFastRef(inSize, outSize int) fastCoeffsRef {
	scale := float64(inSize) / float64(outSize)
	filterscale := max(scale, 1)
	support := filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := fastCoeffsRef{first: make([]int, outSize), n: make([]int, outSize), k: make([]uint64, outSize*ksize), ksize: ksize}
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

type packRowsRef func(dst []uint64, y int)

func packerForRef(img image.Image, r image.Rectangle) packRowsRef {
	w := r.Dx()
	switch s := img.(type) {
	case *image.RGBA:
		return func(dst []uint64, y int) {
			row := s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):][:4*w]
			dst = dst[:w]
			if packRGBXRef(dst, row)>>24 == 0xff {
				return
			}
			for x := range dst { // not opaque: straight colour, as NRGBA
				c := color.NRGBAModel.Convert(color.RGBA{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]}).(color.NRGBA)
				dst[x] = packRef(c.R, c.G, c.B)
			}
		}
	case *image.NRGBA:
		return func(dst []uint64, y int) {
			packRGBXRef(dst[:w], s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):][:4*w])
		}
	case *image.YCbCr:
		return func(dst []uint64, y int) {
			yi := s.YOffset(r.Min.X, r.Min.Y+y)
			for x := range dst[:w] {
				ci := s.COffset(r.Min.X+x, r.Min.Y+y)
				cr, cg, cb := color.YCbCrToRGB(s.Y[yi+x], s.Cb[ci], s.Cr[ci])
				dst[x] = packRef(cr, cg, cb)
			}
		}
	case *image.Gray:
		return func(dst []uint64, y int) {
			row := s.Pix[s.PixOffset(r.Min.X, r.Min.Y+y):][:w]
			for x, v := range row {
				dst[x] = packRef(v, v, v)
			}
		}
	}
	conv := toRGBA(img, r)
	return packerForRef(conv, conv.Rect)
}

func packRGBXRef(dst []uint64, row []uint8) uint32 {
	row = row[:4*len(dst)]
	and := uint64(0xffffffffffffffff)
	x := 0
	for ; x+1 < len(dst); x += 2 {
		v2 := binary.LittleEndian.Uint64(row[4*x:])
		and &= v2
		dst[x] = packWordRef(v2 & 0xffffffff)
		dst[x+1] = packWordRef(v2 >> 32)
	}
	and &= and >> 32
	if x < len(dst) {
		v := uint64(binary.LittleEndian.Uint32(row[4*x:]))
		and &= v
		dst[x] = packWordRef(v)
	}
	return uint32(and)
}

func packWordRef(v uint64) uint64 {
	return (v&0xff00ff*(1+1<<26))&(0xff|0xff<<(2*laneBits)) | (v&0xff00)<<(laneBits-8)
}

func resizeFastRef(dst *image.RGBA, img image.Image, r image.Rectangle, mirror bool) {
	sw, sh := r.Dx(), r.Dy()
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	packRow := packerForRef(img, r)
	ch := precomputeFastRef(sw, dw)
	cv := precomputeFastRef(sh, dh)
	first := cv.first[0]
	last := cv.first[dh-1] + cv.n[dh-1]
	inter := getWordsRef(dw * (last - first))
	defer putWordsRef(inter)
	rowA, rowB := getWordsRef(sw), getWordsRef(sw)
	defer putWordsRef(rowA)
	defer putWordsRef(rowB)
	for y := first; y < last; y += 2 {
		packRow(rowA, y)
		outA := inter[(y-first)*dw : (y-first+1)*dw]
		if y+1 == last { // an odd row at the end
			hPassRef(outA, rowA, ch, sw == dw)
			break
		}
		packRow(rowB, y+1)
		outB := inter[(y+1-first)*dw : (y+2-first)*dw]
		hPass2Ref(outA, outB, rowA, rowB, ch, sw == dw)
	}
	acc := getWordsRef(dw)
	defer putWordsRef(acc)
	for yy := 0; yy < dh; yy++ {
		o := dst.Pix[yy*dst.Stride : yy*dst.Stride+4*dw]
		if sh == dh {
			fromPackedRef(o, inter[(yy-first)*dw:(yy-first+1)*dw])
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
		fromSumsRef(o, acc, mirror)
	}
}

func hPassRef(out, row []uint64, ch fastCoeffsRef, same bool) {
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

func hPass2Ref(outA, outB, rowA, rowB []uint64, ch fastCoeffsRef, same bool) {
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

func fromSumsRef(out []uint8, in []uint64, mirror bool) {
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

func fromPackedRef(out []uint8, in []uint64) {
	out = out[:4*len(in)]
	for x, v := range in {
		binary.LittleEndian.PutUint32(out[4*x:], uint32(v&0xff)|uint32(v>>(laneBits-8))&0xff00|uint32(v>>(2*laneBits-16))&0xff0000|0xff000000)
	}
}

var wordsRef = sync.Pool{New: func() any { return new([]uint64) }}

func getWordsRef(n int) []uint64 {
	p := wordsRef.Get().(*[]uint64)
	if cap(*p) < n {
		*p = make([]uint64, n)
	}
	return (*p)[:n]
}

func putWordsRef(s []uint64) {
	s = s[:0]
	wordsRef.Put(&s)
}

// TestResizeFastMatchesReference checks resizeFast byte for byte against
// the straightforward packed implementation on random crops, sizes, flips
// and image kinds.
func TestResizeFastMatchesReference(t *testing.T) {
	photo := photos(t)[0]
	r := rand.New(rand.NewPCG(3, 4))
	b := photo.Bounds()
	nrgba := image.NewNRGBA(b)
	gray := image.NewGray(b)
	ycc := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	translucent := newRGBA(b.Dx(), b.Dy())
	copy(translucent.Pix, photo.Pix)
	for i := range nrgba.Pix {
		nrgba.Pix[i] = photo.Pix[i]
		if i%4 == 3 && i%28 == 3 {
			translucent.Pix[i] = uint8(i / 4)
			translucent.Pix[i-1] = min(translucent.Pix[i-1], translucent.Pix[i])
			translucent.Pix[i-2] = min(translucent.Pix[i-2], translucent.Pix[i])
			translucent.Pix[i-3] = min(translucent.Pix[i-3], translucent.Pix[i])
		}
	}
	copy(gray.Pix, photo.Pix)
	copy(ycc.Y, photo.Pix)
	copy(ycc.Cb, photo.Pix[len(photo.Pix)/2:])
	copy(ycc.Cr, photo.Pix[len(photo.Pix)/3:])
	kinds := []image.Image{photo, nrgba, gray, ycc, translucent}
	for it := 0; it < 3000; it++ {
		img := kinds[it%len(kinds)]
		x0, y0 := r.IntN(b.Dx()), r.IntN(b.Dy())
		x1, y1 := x0+1+r.IntN(b.Dx()-x0), y0+1+r.IntN(b.Dy()-y0)
		rect := image.Rect(x0, y0, x1, y1)
		var w, h int
		switch it % 4 {
		case 0:
			w, h = 32, 32
		case 1:
			w, h = 224, 224
		case 2:
			w, h = 1+r.IntN(300), 1+r.IntN(300)
		default:
			w, h = 1+r.IntN(8), 1+r.IntN(64)
		}
		mirror := r.IntN(2) == 0
		got, want := newRGBA(w, h), newRGBA(w, h)
		resizeFast(got, img, rect, mirror)
		resizeFastRef(want, img, rect, mirror)
		sameImage(t, fmt.Sprintf("%T %v -> %dx%d mirror %v", img, rect, w, h, mirror), got, want)
	}
}
