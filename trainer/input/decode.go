package input

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/supcon/supcon/shards"
)

// DecodeView decodes view v of rec into dst as uint8 pixels, height × width ×
// channels, row-major (HWC): the layout raw views are stored in. dst must hold
// exactly Height·Width·Channels bytes. A view that does not decode, or decodes
// to another size, is an error naming the image and the view.
func DecodeView(dst []uint8, rec *shards.Multiview, v int) error {
	h, w, c := rec.Height, rec.Width, rec.Channels
	if len(dst) != h*w*c {
		return fmt.Errorf("image %s view %d: destination holds %d bytes, the view %dx%dx%d", rec.ID, v, len(dst), h, w, c)
	}
	if v < 0 || v >= len(rec.Views) {
		return fmt.Errorf("image %s: no view %d of %d", rec.ID, v, len(rec.Views))
	}
	data := rec.Views[v]
	var img image.Image
	var err error
	switch rec.Format {
	case shards.FormatRaw:
		if len(data) != len(dst) {
			return fmt.Errorf("image %s view %d: raw view of %d bytes, want %dx%dx%d", rec.ID, v, len(data), h, w, c)
		}
		copy(dst, data)
		return nil
	case shards.FormatPNG:
		img, err = png.Decode(bytes.NewReader(data))
	case shards.FormatJPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	default:
		return fmt.Errorf("image %s view %d: unknown format %q", rec.ID, v, rec.Format)
	}
	if err != nil {
		return fmt.Errorf("image %s view %d: decoding %s: %w", rec.ID, v, rec.Format, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		return fmt.Errorf("image %s view %d: %s of %dx%d, the record says %dx%d", rec.ID, v, rec.Format, b.Dx(), b.Dy(), w, h)
	}
	return toHWC(dst, img, c)
}

// toHWC copies img into dst as c-channel uint8 pixels (1: gray, 3: RGB).
func toHWC(dst []uint8, img image.Image, c int) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch {
	case c == 1:
		if g, ok := img.(*image.Gray); ok {
			for y := 0; y < h; y++ {
				copy(dst[y*w:(y+1)*w], g.Pix[y*g.Stride:y*g.Stride+w])
			}
			return nil
		}
	case c == 3:
		switch m := img.(type) {
		case *image.RGBA:
			rgbaToRGB(dst, m.Pix, m.Stride, w, h)
			return nil
		case *image.NRGBA:
			rgbaToRGB(dst, m.Pix, m.Stride, w, h)
			return nil
		}
	default:
		return fmt.Errorf("%d channels: want 1 or 3", c)
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if c == 1 {
				// The ITU-R 601 luma weights, as image/color's Gray model.
				dst[i] = uint8((19595*r + 38470*g + 7471*bl + 1<<15) >> 24)
				i++
				continue
			}
			dst[i], dst[i+1], dst[i+2] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
			i += 3
		}
	}
	return nil
}

// rgbaToRGB drops the alpha byte of 4-byte pixels. (For NRGBA this keeps the
// colour as stored, un-premultiplied, which is what an opaque view holds.)
func rgbaToRGB(dst, pix []uint8, stride, w, h int) {
	i := 0
	for y := 0; y < h; y++ {
		row := pix[y*stride : y*stride+4*w]
		for x := 0; x < 4*w; x += 4 {
			dst[i], dst[i+1], dst[i+2] = row[x], row[x+1], row[x+2]
			i += 3
		}
	}
}
