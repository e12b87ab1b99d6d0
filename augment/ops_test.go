package augment

import (
	"image"
	"slices"
	"testing"
)

// TestLUTOpsGolden checks the table ops against values worked out by hand
// from PIL's ImageOps code (and TF's solarize_add).
func TestLUTOpsGolden(t *testing.T) {
	in := grayImage(8, 0, 1, 100, 127, 128, 183, 227, 255)
	tests := []struct {
		op   Op
		want []uint8
	}{
		{Posterize{Bits: 3}, []uint8{0, 0, 96, 96, 128, 160, 224, 224}}, // x & 0b11100000
		{Posterize{Bits: 1}, []uint8{0, 0, 0, 0, 128, 128, 128, 128}},
		{Posterize{Bits: 0}, []uint8{0, 0, 0, 0, 0, 0, 0, 0}},
		{Posterize{Bits: 8}, []uint8{0, 1, 100, 127, 128, 183, 227, 255}},
		{Solarize{Threshold: 128}, []uint8{0, 1, 100, 127, 127, 72, 28, 0}},
		{Solarize{Threshold: 0}, []uint8{255, 254, 155, 128, 127, 72, 28, 0}},
		{Solarize{Threshold: 256}, []uint8{0, 1, 100, 127, 128, 183, 227, 255}},
		{Solarize{Threshold: 226.66666}, []uint8{0, 1, 100, 127, 128, 183, 28, 0}}, // TV bin 1 of 10
		{SolarizeAdd{Addition: 30, Threshold: 128}, []uint8{30, 31, 130, 157, 128, 183, 227, 255}},
		{SolarizeAdd{Addition: 200, Threshold: 128}, []uint8{200, 201, 255, 255, 128, 183, 227, 255}},
		{SolarizeAdd{Addition: -50, Threshold: 128}, []uint8{0, 0, 50, 77, 128, 183, 227, 255}},
		{Invert{}, []uint8{255, 254, 155, 128, 127, 72, 28, 0}},
		{Identity{}, []uint8{0, 1, 100, 127, 128, 183, 227, 255}},
		// lo 0, hi 255: already full range.
		{AutoContrast{}, []uint8{0, 1, 100, 127, 128, 183, 227, 255}},
	}
	for _, tt := range tests {
		got := run(tt.op, in)
		for c := 0; c < 3; c++ {
			if g := channel(got, c); !slices.Equal(g, tt.want) {
				t.Errorf("%v channel %d = %v, want %v", tt.op, c, g, tt.want)
			}
		}
	}
}

func TestAutoContrastGolden(t *testing.T) {
	// red spans 50..150: scale 2.55, offset -127.5, lut = int(x·2.55 - 127.5);
	// green is constant (hi <= lo): unchanged; blue spans 0..254.
	in := rgbImage(3, [3]uint8{50, 9, 0}, [3]uint8{100, 9, 127}, [3]uint8{150, 9, 254})
	got := run(AutoContrast{}, in)
	want := rgbImage(3, [3]uint8{0, 9, 0}, [3]uint8{127, 9, 127}, [3]uint8{255, 9, 255})
	sameImage(t, "autocontrast", got, want)
}

func TestEqualizeGolden(t *testing.T) {
	// 1020 pixels: 510 at 10, 255 at 50, 255 at 90 in red and blue; green
	// has one value only. step = (1020-255)/255 = 3, n starts at 3/2 = 1:
	// lut[10] = 1/3 = 0, lut[50] = (1+510)/3 = 170, lut[90] = (1+765)/3 = 255.
	vals := make([]uint8, 0, 1020)
	for i := 0; i < 1020; i++ {
		switch {
		case i < 510:
			vals = append(vals, 10)
		case i < 765:
			vals = append(vals, 50)
		default:
			vals = append(vals, 90)
		}
	}
	in := grayImage(34, vals...)
	for i := 1; i < len(in.Pix); i += 4 {
		in.Pix[i] = 77
	}
	got := run(Equalize{}, in)
	for i := 0; i < 1020; i++ {
		want := map[uint8]uint8{10: 0, 50: 170, 90: 255}[vals[i]]
		if got.Pix[4*i] != want || got.Pix[4*i+2] != want || got.Pix[4*i+1] != 77 {
			t.Fatalf("pixel %d (%d): got %v, want red=blue=%d green=77", i, vals[i], got.Pix[4*i:4*i+3], want)
		}
	}
	// Too few pixels for a step of 1: unchanged.
	small := grayImage(4, 0, 0, 100, 200)
	sameImage(t, "equalize small", run(Equalize{}, small), small)
}

func TestEnhanceGolden(t *testing.T) {
	// Values from PIL's blend in float32 with truncation (Blend.c).
	bw := grayImage(2, 0, 255) // L mean 127.5 -> int(128.0) = 128
	red := rgbImage(1, [3]uint8{255, 0, 0})
	// L(255,0,0) = (255·19595 + 32768) >> 16 = 76.
	tests := []struct {
		name string
		op   Op
		in   *image.RGBA
		want *image.RGBA
	}{
		{"brightness 0.5", Brightness{Factor: 0.5}, grayImage(3, 201, 100, 1), grayImage(3, 100, 50, 0)},
		{"brightness 1.5", Brightness{Factor: 1.5}, grayImage(3, 201, 100, 1), grayImage(3, 255, 150, 1)},
		{"brightness 0", Brightness{Factor: 0}, grayImage(2, 201, 100), grayImage(2, 0, 0)},
		{"contrast 0.5", Contrast{Factor: 0.5}, bw, grayImage(2, 64, 191)},
		{"contrast 2", Contrast{Factor: 2}, bw, grayImage(2, 0, 255)},
		{"contrast 0", Contrast{Factor: 0}, bw, grayImage(2, 128, 128)},
		{"color 0", Color{Factor: 0}, red, rgbImage(1, [3]uint8{76, 76, 76})},
		{"color 0.5", Color{Factor: 0.5}, red, rgbImage(1, [3]uint8{165, 38, 38})},
		{"color 2", Color{Factor: 2}, red, rgbImage(1, [3]uint8{255, 0, 0})},
		// 3×3, centre 130: SMOOTH gives 0.5 + 130·5/13 = 50.5 -> 50; border kept.
		{"sharpness 0", Sharpness{Factor: 0}, grayImage(3, 0, 0, 0, 0, 130, 0, 0, 0, 0), grayImage(3, 0, 0, 0, 0, 50, 0, 0, 0, 0)},
		{"sharpness 0.5", Sharpness{Factor: 0.5}, grayImage(3, 0, 0, 0, 0, 130, 0, 0, 0, 0), grayImage(3, 0, 0, 0, 0, 90, 0, 0, 0, 0)},
		{"sharpness 2", Sharpness{Factor: 2}, grayImage(3, 0, 0, 0, 0, 130, 0, 0, 0, 0), grayImage(3, 0, 0, 0, 0, 210, 0, 0, 0, 0)},
		// 3×3 of 26 around a centre of 0: 0.5 + 8·26/13 = 16.5 -> 16; factor 2 -> 0 - 16 -> 0.
		{"sharpness dark centre", Sharpness{Factor: 0}, grayImage(3, 26, 26, 26, 26, 0, 26, 26, 26, 26), grayImage(3, 26, 26, 26, 26, 16, 26, 26, 26, 26)},
		// Images under 3 pixels high are copied by ImagingFilter.
		{"sharpness tiny", Sharpness{Factor: 0}, grayImage(2, 0, 200), grayImage(2, 0, 200)},
		{"grayscale", Grayscale{}, red, rgbImage(1, [3]uint8{76, 76, 76})},
	}
	for _, tt := range tests {
		sameImage(t, tt.name, run(tt.op, tt.in), tt.want)
	}
}

func TestHueGolden(t *testing.T) {
	// (255,0,0) is H 0, S 255, V 255 in PIL's HSV. A shift of 0.5 adds
	// int8(127.5) = 127: hsv2rgb gives i = floor(127·6/255) = 2,
	// f = 0.988, p = 0, t = round(255·0.988) = 252 -> (p, v, t).
	in := rgbImage(3, [3]uint8{255, 0, 0}, [3]uint8{90, 90, 90}, [3]uint8{0, 0, 0})
	got := run(Hue{Shift: 0.5}, in)
	want := rgbImage(3, [3]uint8{0, 255, 252}, [3]uint8{90, 90, 90}, [3]uint8{0, 0, 0})
	sameImage(t, "hue 0.5", got, want)
	// A shift of -0.5: int8(-127.5) = -127 -> H = 129: i = 3, f = 0.035:
	// q = round(255·(1 - 0.035)) = 246 -> (p, q, v) = (0, 246, 255).
	got = run(Hue{Shift: -0.5}, in)
	want = rgbImage(3, [3]uint8{0, 246, 255}, [3]uint8{90, 90, 90}, [3]uint8{0, 0, 0})
	sameImage(t, "hue -0.5", got, want)
}

// pattern is a 4×4 image whose value at (x, y) is 10·y + x + 1.
func pattern() *image.RGBA {
	v := make([]uint8, 16)
	for i := range v {
		v[i] = uint8(10*(i/4) + i%4 + 1)
	}
	return grayImage(4, v...)
}

func TestGeometricGolden(t *testing.T) {
	const F = 128
	tests := []struct {
		name string
		op   Op
		in   *image.RGBA
		want *image.RGBA
	}{
		// xin = floor(x + 0.5 + 0.5·(y + 0.5)): shifts 0, 1, 1, 2 by row.
		{"shearx 0.5", ShearX{S: 0.5, Fill: F}, pattern(), grayImage(4,
			1, 2, 3, 4,
			12, 13, 14, F,
			22, 23, 24, F,
			33, 34, F, F)},
		{"shearx -0.5", ShearX{S: -0.5, Fill: F}, pattern(), grayImage(4,
			1, 2, 3, 4,
			F, 11, 12, 13,
			F, 21, 22, 23,
			F, F, 31, 32)},
		// yin = floor(0.5·(x + 0.5) + y + 0.5): shifts 0, 1, 1, 2 by column.
		{"sheary 0.5", ShearY{S: 0.5, Fill: F}, pattern(), grayImage(4,
			1, 12, 13, 24,
			11, 22, 23, 34,
			21, 32, 33, F,
			31, F, F, F)},
		{"translatex 1", TranslateX{Pixels: 1, Fill: F}, pattern(), grayImage(4,
			F, 1, 2, 3,
			F, 11, 12, 13,
			F, 21, 22, 23,
			F, 31, 32, 33)},
		{"translatey -1", TranslateY{Pixels: -1, Fill: 0}, pattern(), grayImage(4,
			11, 12, 13, 14,
			21, 22, 23, 24,
			31, 32, 33, 34,
			0, 0, 0, 0)},
		// A 3×2 image is not square: PIL takes the affine path for 90°.
		// out(x, y) = in(2 - y, x), x = 2 falls outside.
		{"rotate 90 3x2", Rotate{Degrees: 90, Fill: F}, grayImage(3, 1, 2, 3, 11, 12, 13), grayImage(3,
			3, 13, F,
			2, 12, F)},
		{"rotate 180", Rotate{Degrees: 180, Fill: F}, grayImage(3, 1, 2, 3, 11, 12, 13), grayImage(3, 13, 12, 11, 3, 2, 1)},
		{"rotate -270 = 90 square", Rotate{Degrees: -270, Fill: F}, pattern(), grayImage(4,
			4, 14, 24, 34,
			3, 13, 23, 33,
			2, 12, 22, 32,
			1, 11, 21, 31)},
		{"rotate 360", Rotate{Degrees: 360, Fill: F}, pattern(), pattern()},
		// 45° on 4×4, worked through affine_fixed by hand: a0 = a3 = a4 =
		// 46341, a1 = -46341, start (131072, -7951) in 16.16.
		{"rotate 45", Rotate{Degrees: 45, Fill: 0}, pattern(), grayImage(4,
			0, 3, 14, 0,
			2, 13, 23, 24,
			11, 22, 23, 33,
			0, 21, 32, 0)},
		{"cutout", Cutout{Pad: 1, Center: image.Pt(1, 1), Fill: 7}, pattern(), grayImage(4,
			7, 7, 3, 4,
			7, 7, 13, 14,
			21, 22, 23, 24,
			31, 32, 33, 34)},
		{"cutout corner", Cutout{Pad: 2, Center: image.Pt(3, 3), Fill: 0}, pattern(), grayImage(4,
			1, 2, 3, 4,
			11, 0, 0, 0,
			21, 0, 0, 0,
			31, 0, 0, 0)},
		{"flip", FlipH{}, grayImage(3, 1, 2, 3, 11, 12, 13), grayImage(3, 3, 2, 1, 13, 12, 11)},
	}
	for _, tt := range tests {
		got := run(tt.op, tt.in)
		if !slices.Equal(channel(got, 0), channel(tt.want, 0)) {
			t.Errorf("%s:\n got %v\nwant %v", tt.name, channel(got, 0), channel(tt.want, 0))
		}
	}
}

func TestResizeGolden(t *testing.T) {
	// PIL bilinear 4 -> 2: weights (3/7, 3/7, 1/7) and (1/7, 3/7, 3/7).
	// 2 -> 4: (1), (3/4, 1/4), (1/4, 3/4), (1).
	tests := []struct {
		name string
		in   *image.RGBA
		w, h int
		want []uint8
	}{
		{"down", grayImage(4, 0, 70, 140, 210), 2, 1, []uint8{50, 160}},
		{"up", grayImage(2, 0, 200), 4, 1, []uint8{0, 50, 150, 200}},
		{"vertical", grayImage(1, 0, 70, 140, 210), 1, 2, []uint8{50, 160}},
		{"same", grayImage(2, 3, 4), 2, 1, []uint8{3, 4}},
	}
	for _, tt := range tests {
		dst := newRGBA(tt.w, tt.h)
		resize(dst, tt.in, Bilinear)
		if got := channel(dst, 0); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	// Bicubic (a = -0.5) 2 -> 4 of (0, 200): taps at distances 0.25 and
	// 1.25 (or 0.75 and 0.25) normalised: (1.0882, -0.0882) -> -17.6 -> 0,
	// (0.7929, 0.2071) -> 41.4, (0.2071, 0.7929) -> 158.6,
	// (-0.0882, 1.0882) -> 217.6.
	dst := newRGBA(4, 1)
	resize(dst, grayImage(2, 0, 200), Bicubic)
	if got := channel(dst, 0); !slices.Equal(got, []uint8{0, 41, 159, 218}) {
		t.Errorf("bicubic up: got %v", got)
	}
}

func TestBlurGolden(t *testing.T) {
	// sigma 1, kernel 3: w = (e^-0.5, 1, e^-0.5)/sum = (0.27407, 0.45186, 0.27407).
	in := newRGBA(5, 5)
	fillRGBA(in, 0)
	in.Pix[4*(2*5+2)] = 255
	got := run(GaussianBlur{Sigma: 1, Kernel: 3}, in)
	r := channel(got, 0)
	for i, want := range map[int]uint8{12: 52, 11: 32, 7: 32, 6: 19, 0: 0} {
		if r[i] != want {
			t.Errorf("impulse pixel %d = %d, want %d (%v)", i, r[i], want, r)
		}
	}
	// Zero padding darkens the border of a flat image: corner 100·0.72593²
	// = 52.7, edge 72.6, interior 100.
	flat := grayImage(3, 100, 100, 100, 100, 100, 100, 100, 100, 100)
	got = run(GaussianBlur{Sigma: 1, Kernel: 3}, flat)
	if want := []uint8{53, 73, 53, 73, 100, 73, 53, 73, 53}; !slices.Equal(channel(got, 0), want) {
		t.Errorf("flat: got %v, want %v", channel(got, 0), want)
	}
}

func TestWarpTranslation(t *testing.T) {
	// Moving all four control points by (1, 0) makes the spline's flow the
	// constant (1, 0): out(x, y) = in(x-1, y), column 0 clamped to in(0, y).
	got := run(SparseWarp{Disp: [4][2]float64{{1, 0}, {1, 0}, {1, 0}, {1, 0}}}, pattern())
	want := grayImage(4,
		1, 1, 2, 3,
		11, 11, 12, 13,
		21, 21, 22, 23,
		31, 31, 32, 33)
	sameImage(t, "warp by (1,0)", got, want)
}

// TestColorJitterIsItsSteps: the jitter equals its adjustments applied one
// after the other, in its order.
func TestColorJitterIsItsSteps(t *testing.T) {
	src := randomImage(19, 11, 8)
	for _, order := range [][4]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}} {
		o := ColorJitter{Brightness: 1.3, Contrast: 0.6, Saturation: 1.5, Hue: -0.1, Order: order}
		want := src
		for _, i := range order {
			switch i {
			case 0:
				want = run(Brightness{Factor: 1.3}, want)
			case 1:
				want = run(Contrast{Factor: 0.6}, want)
			case 2:
				want = run(Color{Factor: 1.5}, want)
			case 3:
				want = run(Hue{Shift: -0.1}, want)
			}
		}
		sameImage(t, o.String(), run(o, src), want)
	}
}

// smoothFloat is the float32 transcription of PIL's 3×3 filter, the
// reference for smooth. It writes ImageFilter.SMOOTH of src to dst (ImagingFilter3x3:
// the kernel's weights are float32 1/13 and 5/13, the sum starts at 0.5 and
// is truncated; images under 3 pixels in either direction are copied).
func smoothFloat(dst, src *image.RGBA) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	copyRGBA(dst, src)
	if w < 3 || h < 3 {
		return
	}
	k1 := float32(1) / float32(13)
	k5 := float32(5) / float32(13)
	for y := 1; y < h-1; y++ {
		up := src.Pix[(y-1)*src.Stride : (y-1)*src.Stride+4*w]
		mid := src.Pix[y*src.Stride : y*src.Stride+4*w]
		down := src.Pix[(y+1)*src.Stride : (y+1)*src.Stride+4*w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for i := 4; i < 4*(w-1); i += 4 {
			for c := i; c < i+3; c++ {
				ss := float32(0.5)
				// PIL sums the row below first, then the row, then the row above,
				// each as a 1×3 dot product.
				ss += float32(float32(float32(down[c-4])*k1)+float32(float32(down[c])*k1)) + float32(float32(down[c+4])*k1)
				ss += float32(float32(float32(mid[c-4])*k1)+float32(float32(mid[c])*k5)) + float32(float32(mid[c+4])*k1)
				ss += float32(float32(float32(up[c-4])*k1)+float32(float32(up[c])*k1)) + float32(float32(up[c+4])*k1)
				out[c] = clip8f(ss)
			}
		}
	}
}

func TestSmoothMatchesFloat(t *testing.T) {
	src := randomImage(101, 67, 11)
	// add flat and extreme areas
	fillRGBA(&image.RGBA{Pix: src.Pix, Stride: src.Stride, Rect: image.Rect(0, 0, 30, 20)}, 255)
	got, want := newRGBA(101, 67), newRGBA(101, 67)
	smooth(got, src)
	smoothFloat(want, src)
	sameImage(t, "smooth", got, want)
}
