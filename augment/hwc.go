package augment

import "image"

// AppendHWC appends the image's pixels to dst as H×W×channels bytes,
// row-major (the raw view format), and returns the extended slice.
// channels is 1 (grey, ITU-R 601-2 luma weights) or 3 (RGB, alpha
// dropped). *image.Gray to 1 channel and *image.RGBA to 3 are copied
// directly; other images go through their colour model.
func AppendHWC(dst []byte, img image.Image, channels int) []byte {
	b := img.Bounds()
	out := dst
	switch im := img.(type) {
	case *image.Gray:
		if channels == 1 {
			for y := b.Min.Y; y < b.Max.Y; y++ {
				off := im.PixOffset(b.Min.X, y)
				out = append(out, im.Pix[off:off+b.Dx()]...)
			}
			return out
		}
	case *image.RGBA:
		if channels == 3 {
			for y := b.Min.Y; y < b.Max.Y; y++ {
				off := im.PixOffset(b.Min.X, y)
				row := im.Pix[off : off+4*b.Dx()]
				for x := 0; x < len(row); x += 4 {
					out = append(out, row[x], row[x+1], row[x+2])
				}
			}
			return out
		}
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if channels == 1 {
				out = append(out, byte((19595*r+38470*g+7471*bl+1<<15)>>24))
			} else {
				out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8))
			}
		}
	}
	return out
}
