package augment

import (
	"encoding/binary"
	"image"
	"image/draw"
	"math"
	"strconv"

	"github.com/disintegration/gift"
)

// Affine is PIL's Image.transform(size, AFFINE, Matrix, NEAREST, fillcolor)
// at the image's own size: the output pixel (x, y) takes the input pixel at
// floor(a·(x+0.5) + b·(y+0.5) + c), floor(d·(x+0.5) + e·(y+0.5) + f) for
// Matrix = (a, b, c, d, e, f), or Fill (a grey level) when that lies
// outside. It reproduces libImaging/Geometry.c: the pure scale/translate
// path in doubles, the general path in 16.16 fixed point.
type Affine struct {
	Matrix [6]float64
	Fill   uint8
}

// Bounds returns the bounds of the result: the source's size.
func (Affine) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the transformed src to dst.
func (o Affine) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "affine=a:b:c:d:e:f".
func (o Affine) String() string {
	s := "affine="
	for i, v := range o.Matrix {
		if i > 0 {
			s += ":"
		}
		s += fmtArg(v)
	}
	return s
}

func (o Affine) apply(dst, src *image.RGBA) { affineNearest(dst, src, o.Matrix, o.Fill) }

// affineNearest implements ImagingTransformAffine with NEAREST.
func affineNearest(dst, src *image.RGBA, a [6]float64, fill uint8) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	fillRGBA(dst, fill)
	if w == 0 || h == 0 {
		return
	}
	if a[1] == 0 && a[3] == 0 {
		scaleAffine(dst, src, a)
		return
	}
	fixedOK := func(x, y float64) bool {
		return math.Abs(x*a[0]+y*a[1]+a[2]) < 32768 && math.Abs(x*a[3]+y*a[4]+a[5]) < 32768
	}
	fw, fh := float64(w), float64(h)
	if fixedOK(0, 0) && fixedOK(fw, fh) && fixedOK(0, fh) && fixedOK(fw, 0) {
		affineFixed(dst, src, a)
		return
	}
	xo := a[2] + a[1]*0.5 + a[0]*0.5
	yo := a[5] + a[4]*0.5 + a[3]*0.5
	for y := 0; y < h; y++ {
		xx, yy := xo, yo
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			xin, yin := coord(xx), coord(yy)
			if xin >= 0 && xin < w && yin >= 0 && yin < h {
				copy(out[4*x:4*x+4], src.Pix[yin*src.Stride+4*xin:])
			}
			xx += a[0]
			yy += a[3]
		}
		xo += a[1]
		yo += a[4]
	}
}

// coord is Geometry.c's COORD: -1 for negative values, else truncation.
func coord(v float64) int {
	if v < 0 {
		return -1
	}
	return int(v)
}

// fix is Geometry.c's FIX: 16.16 fixed point, rounded half up.
func fix(v float64) int32 { return int32(math.Floor(v*65536 + 0.5)) }

// affineFixed is Geometry.c's affine_fixed.
func affineFixed(dst, src *image.RGBA, a [6]float64) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	a0, a1, a3, a4 := fix(a[0]), fix(a[1]), fix(a[3]), fix(a[4])
	a2 := fix(a[2] + a[0]*0.5 + a[1]*0.5)
	a5 := fix(a[5] + a[3]*0.5 + a[4]*0.5)
	for y := 0; y < h; y++ {
		xx, yy := a2, a5
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := 0; x < w; x++ {
			xin := int(xx >> 16)
			if xin >= 0 && xin < w {
				yin := int(yy >> 16)
				if yin >= 0 && yin < h {
					binary.LittleEndian.PutUint32(out[4*x:], binary.LittleEndian.Uint32(src.Pix[yin*src.Stride+4*xin:]))
				}
			}
			xx += a0
			yy += a3
		}
		a2 += a1
		a5 += a4
	}
}

// scaleAffine is Geometry.c's ImagingScaleAffine (b = d = 0).
func scaleAffine(dst, src *image.RGBA, a [6]float64) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	xin := make([]int, w)
	xmin, xmax := w, 0
	xo := a[2] + a[0]*0.5
	yo := a[5] + a[4]*0.5
	for x := 0; x < w; x++ {
		xi := coord(xo)
		if xi >= 0 && xi < w {
			xmax = x + 1
			xmin = min(xmin, x)
			xin[x] = xi
		}
		xo += a[0]
	}
	for y := 0; y < h; y++ {
		yi := coord(yo)
		if yi >= 0 && yi < h {
			in := src.Pix[yi*src.Stride:]
			out := dst.Pix[y*dst.Stride:]
			if a[0] == 1 && xmax > xmin {
				// a pure translation: one contiguous run.
				copy(out[4*xmin:4*xmax], in[4*xin[xmin]:4*xin[xmin]+4*(xmax-xmin)])
			} else {
				for x := xmin; x < xmax; x++ {
					binary.LittleEndian.PutUint32(out[4*x:], binary.LittleEndian.Uint32(in[4*xin[x]:]))
				}
			}
		}
		yo += a[4]
	}
}

// fillRGBA sets every pixel of m to the opaque grey level v.
func fillRGBA(m *image.RGBA, v uint8) {
	w := 4 * m.Rect.Dx()
	for y := 0; y < m.Rect.Dy(); y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+w]
		for i := 0; i+3 < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = v, v, v, 0xff
		}
	}
}

// ShearX shears horizontally about the top-left corner: PIL's affine
// (1, S, 0, 0, 1, 0), as TF's shear_x and torchvision's ShearX (which builds
// the same matrix from the angle atan(S)). Fill is the grey level of the
// uncovered area: 128 in TF, 0 in torchvision.
type ShearX struct {
	S    float64
	Fill uint8
}

// Bounds returns the bounds of the result: the source's size.
func (ShearX) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the sheared src to dst.
func (o ShearX) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "shearx=S".
func (o ShearX) String() string { return "shearx=" + fmtArg(o.S) }

func (o ShearX) apply(dst, src *image.RGBA) {
	affineNearest(dst, src, [6]float64{1, o.S, 0, 0, 1, 0}, o.Fill)
}

// ShearY shears vertically about the top-left corner: PIL's affine
// (1, 0, 0, S, 1, 0).
type ShearY struct {
	S    float64
	Fill uint8
}

// Bounds returns the bounds of the result: the source's size.
func (ShearY) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the sheared src to dst.
func (o ShearY) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "sheary=S".
func (o ShearY) String() string { return "sheary=" + fmtArg(o.S) }

func (o ShearY) apply(dst, src *image.RGBA) {
	affineNearest(dst, src, [6]float64{1, 0, 0, o.S, 1, 0}, o.Fill)
}

// TranslateX moves the content Pixels to the right (left when negative):
// PIL's affine (1, 0, -Pixels, 0, 1, 0). torchvision truncates its
// magnitude to whole pixels before; TF's may be fractional.
type TranslateX struct {
	Pixels float64
	Fill   uint8
}

// Bounds returns the bounds of the result: the source's size.
func (TranslateX) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the translated src to dst.
func (o TranslateX) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "translatex=PIXELS".
func (o TranslateX) String() string { return "translatex=" + fmtArg(o.Pixels) }

func (o TranslateX) apply(dst, src *image.RGBA) {
	affineNearest(dst, src, [6]float64{1, 0, -o.Pixels, 0, 1, 0}, o.Fill)
}

// TranslateY moves the content Pixels down (up when negative): PIL's
// affine (1, 0, 0, 0, 1, -Pixels).
type TranslateY struct {
	Pixels float64
	Fill   uint8
}

// Bounds returns the bounds of the result: the source's size.
func (TranslateY) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the translated src to dst.
func (o TranslateY) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "translatey=PIXELS".
func (o TranslateY) String() string { return "translatey=" + fmtArg(o.Pixels) }

func (o TranslateY) apply(dst, src *image.RGBA) {
	affineNearest(dst, src, [6]float64{1, 0, 0, 0, 1, -o.Pixels}, o.Fill)
}

// Rotate turns the image Degrees counter-clockwise about its centre,
// keeping its size: PIL's Image.rotate(Degrees, NEAREST, fillcolor=Fill),
// including its matrix (cos and sin rounded to 15 decimals, centre
// (w/2, h/2)). gift's Rotate grows the canvas and interpolates, so it is
// not used.
type Rotate struct {
	Degrees float64
	Fill    uint8
}

// Bounds returns the bounds of the result: the source's size.
func (Rotate) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the rotated src to dst.
func (o Rotate) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "rotate=DEGREES".
func (o Rotate) String() string { return "rotate=" + fmtArg(o.Degrees) }

func (o Rotate) apply(dst, src *image.RGBA) {
	angle := math.Mod(o.Degrees, 360)
	if angle < 0 {
		angle += 360 // Python's % takes the sign of the divisor
	}
	if angle == 0 {
		copyRGBA(dst, src)
		return
	}
	w, h := float64(src.Rect.Dx()), float64(src.Rect.Dy())
	cx, cy := w/2, h/2
	rad := -(angle * (math.Pi / 180)) // -math.radians(angle)
	m := [6]float64{round15(math.Cos(rad)), round15(math.Sin(rad)), 0, round15(-math.Sin(rad)), round15(math.Cos(rad)), 0}
	m[2] = m[0]*-cx + m[1]*-cy + m[2]
	m[5] = m[3]*-cx + m[4]*-cy + m[5]
	m[2] += cx
	m[5] += cy
	affineNearest(dst, src, m, o.Fill)
}

// round15 is Python's round(v, 15): correctly rounded to 15 decimals.
func round15(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 15, 64), 64)
	return r
}
