// Package pngwrite is a small PNG writer for the views the pipeline makes
// (opaque *image.RGBA as 8-bit truecolour, *image.Gray as 8-bit grey)
// whose deflate stage is pluggable. With the standard library's
// compress/zlib it writes exactly the bytes of image/png (same filters,
// same IDAT chunking); image/png itself cannot take another deflater. It
// exists to measure what a faster deflate (github.com/klauspost/compress)
// gains, see docs/performance.md, "The pipeline's cost per image".
package pngwrite

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"io"

	kzlib "github.com/klauspost/compress/zlib"
)

// Deflater makes the zlib stream of the filtered rows at a zlib level
// (-1 default .. 9); Close must flush the stream's end.
type Deflater func(w io.Writer, level int) (io.WriteCloser, error)

// Stdlib is compress/zlib: the bytes of image/png.
func Stdlib(w io.Writer, level int) (io.WriteCloser, error) { return zlib.NewWriterLevel(w, level) }

// Klauspost is github.com/klauspost/compress/zlib: other bytes, a valid
// PNG (decodes to the same pixels).
func Klauspost(w io.Writer, level int) (io.WriteCloser, error) {
	return kzlib.NewWriterLevel(w, level)
}

// ErrUnsupported is returned for images other than opaque RGBA and Gray.
var ErrUnsupported = errors.New("pngwrite: only opaque *image.RGBA and *image.Gray are written")

// Encode writes m as PNG at the zlib level (as image/png maps its
// CompressionLevel: -1 default, 0 none, 1 speed, 9 best) through d.
func Encode(w io.Writer, m image.Image, level int, d Deflater) error {
	var bpp, ctype int
	switch im := m.(type) {
	case *image.RGBA:
		if !im.Opaque() {
			return ErrUnsupported
		}
		bpp, ctype = 3, 2
	case *image.Gray:
		bpp, ctype = 1, 0
	default:
		return ErrUnsupported
	}
	b := m.Bounds()
	cw := &chunkWriter{w: w}
	if _, err := io.WriteString(w, "\x89PNG\r\n\x1a\n"); err != nil {
		return err
	}
	var hdr [13]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(b.Dx()))
	binary.BigEndian.PutUint32(hdr[4:], uint32(b.Dy()))
	hdr[8], hdr[9] = 8, byte(ctype)
	cw.chunk(hdr[:], "IHDR")
	bw := bufio.NewWriterSize(cw, 1<<15)
	zw, err := d(bw, level)
	if err != nil {
		return err
	}
	n := 1 + bpp*b.Dx()
	var cr [5][]byte
	for i := range cr {
		cr[i] = make([]byte, n)
		cr[i][0] = byte(i)
	}
	pr := make([]byte, n)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := cr[0][1:]
		switch im := m.(type) {
		case *image.RGBA:
			src := im.Pix[im.PixOffset(b.Min.X, y):]
			for x, i := 0, 0; x < b.Dx(); x, i = x+1, i+4 {
				row[3*x], row[3*x+1], row[3*x+2] = src[i], src[i+1], src[i+2]
			}
		case *image.Gray:
			copy(row, im.Pix[im.PixOffset(b.Min.X, y):])
		}
		f := 0
		if level != zlib.NoCompression {
			f = filter(&cr, pr, bpp)
		}
		if _, err := zw.Write(cr[f]); err != nil {
			return err
		}
		pr, cr[0] = cr[0], pr
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	cw.chunk(nil, "IEND")
	return cw.err
}

// chunkWriter writes each Write as one PNG chunk (IDAT when written to).
type chunkWriter struct {
	w   io.Writer
	err error
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	c.chunk(p, "IDAT")
	if c.err != nil {
		return 0, c.err
	}
	return len(p), nil
}

func (c *chunkWriter) chunk(p []byte, name string) {
	if c.err != nil {
		return
	}
	var h [8]byte
	binary.BigEndian.PutUint32(h[:4], uint32(len(p)))
	copy(h[4:], name)
	crc := crc32.NewIEEE()
	crc.Write(h[4:])
	crc.Write(p)
	var t [4]byte
	binary.BigEndian.PutUint32(t[:], crc.Sum32())
	for _, b := range [][]byte{h[:], p, t[:]} {
		if _, err := c.w.Write(b); err != nil {
			c.err = err
			return
		}
	}
}

// filter picks the row filter with the smallest sum of absolute values,
// trying them in image/png's order (up, Paeth, none, sub, average) with its
// early exits, so that the choice, and the bytes, are image/png's.
func filter(cr *[5][]byte, pr []byte, bpp int) int {
	c0, c1, c2, c3, c4 := cr[0][1:], cr[1][1:], cr[2][1:], cr[3][1:], cr[4][1:]
	p := pr[1:]
	n := len(c0)
	sum := 0
	for i := 0; i < n; i++ {
		c2[i] = c0[i] - p[i]
		sum += abs8(c2[i])
	}
	best, f := sum, 2
	sum = 0
	for i := 0; i < bpp; i++ {
		c4[i] = c0[i] - p[i]
		sum += abs8(c4[i])
	}
	for i := bpp; i < n; i++ {
		c4[i] = c0[i] - paeth(c0[i-bpp], p[i], p[i-bpp])
		sum += abs8(c4[i])
		if sum >= best {
			break
		}
	}
	if sum < best {
		best, f = sum, 4
	}
	sum = 0
	for i := 0; i < n; i++ {
		sum += abs8(c0[i])
		if sum >= best {
			break
		}
	}
	if sum < best {
		best, f = sum, 0
	}
	sum = 0
	for i := 0; i < bpp; i++ {
		c1[i] = c0[i]
		sum += abs8(c1[i])
	}
	for i := bpp; i < n; i++ {
		c1[i] = c0[i] - c0[i-bpp]
		sum += abs8(c1[i])
		if sum >= best {
			break
		}
	}
	if sum < best {
		best, f = sum, 1
	}
	sum = 0
	for i := 0; i < bpp; i++ {
		c3[i] = c0[i] - p[i]/2
		sum += abs8(c3[i])
	}
	for i := bpp; i < n; i++ {
		c3[i] = c0[i] - uint8((int(c0[i-bpp])+int(p[i]))/2)
		sum += abs8(c3[i])
		if sum >= best {
			break
		}
	}
	if sum < best {
		f = 3
	}
	return f
}

func abs8(d uint8) int {
	if d < 128 {
		return int(d)
	}
	return 256 - int(d)
}

func paeth(a, b, c uint8) uint8 {
	pc := int(c)
	pa := int(b) - pc
	pb := int(a) - pc
	pc = abs(pa + pb)
	pa = abs(pa)
	pb = abs(pb)
	if pa <= pb && pa <= pc {
		return a
	} else if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
