package augment

import (
	"image"
	"image/color"
	"sync"
	"testing"

	"github.com/disintegration/gift"
)

// TestNeutralIsIdentity: every op at its neutral argument returns the
// image unchanged, on noise (which exercises every sample value).
func TestNeutralIsIdentity(t *testing.T) {
	src := randomImage(37, 23, 1)
	ops := []Op{
		Identity{}, Brightness{Factor: 1}, Color{Factor: 1}, Contrast{Factor: 1}, Sharpness{Factor: 1},
		Rotate{Degrees: 0}, Rotate{Degrees: 360}, Rotate{Degrees: -720},
		ShearX{S: 0}, ShearY{S: 0}, TranslateX{Pixels: 0}, TranslateY{Pixels: 0},
		Posterize{Bits: 8}, Solarize{Threshold: 256}, SolarizeAdd{Addition: 0, Threshold: 128},
		Cutout{Pad: 0, Center: image.Pt(5, 5)}, SparseWarp{}, GaussianBlur{Sigma: 0},
		Affine{Matrix: [6]float64{1, 0, 0, 0, 1, 0}},
		ColorJitter{Brightness: 1, Contrast: 1, Saturation: 1, Hue: 0, Order: [4]int{3, 1, 0, 2}},
	}
	for _, op := range ops {
		sameImage(t, op.String(), run(op, src), src)
	}
	// TV's bin 0 is neutral for every op with a magnitude except Solarize
	// (threshold 255 still inverts 255) and the ones without.
	for _, name := range []string{"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness",
		"Color", "Contrast", "Sharpness", "Posterize", "Identity"} {
		for _, space := range []tvSpace{{bins: 10}, {bins: 31}, {wide: true, bins: 31}} {
			op, err := tvOp(name, 0, space, NewRand(1, name, 0, 0), 37, 23)
			if err != nil {
				t.Fatal(err)
			}
			sameImage(t, "tv bin 0 "+op.String(), run(op, src), src)
		}
	}
}

// TestInvolutions: ops that undo themselves.
func TestInvolutions(t *testing.T) {
	src := randomImage(16, 9, 2)
	for _, op := range []Op{Invert{}, FlipH{}, Rotate{Degrees: 180}, Solarize{Threshold: 0}} {
		sameImage(t, op.String()+" twice", run(op, run(op, src)), src)
	}
	// Translating back and forth restores the part that stayed inside.
	back := run(TranslateX{Pixels: -3}, run(TranslateX{Pixels: 3}, src))
	r := image.Rect(0, 0, 13, 9)
	sameImage(t, "translate round trip", toRGBA(back, r), toRGBA(src, r))
}

// TestDrawMatchesFastPath: every op used as a gift.Filter (through gift.New
// and on an image with a non-zero origin) gives the fast path's result, and
// the ops whose semantics gift shares agree with gift's filters exactly.
func TestDrawMatchesFastPath(t *testing.T) {
	src := randomImage(20, 14, 3)
	shifted := image.NewRGBA(image.Rect(5, 7, 25, 21))
	copyRGBA(&image.RGBA{Pix: shifted.Pix, Stride: shifted.Stride, Rect: image.Rect(0, 0, 20, 14)}, src)
	ops := []Op{
		Identity{}, Invert{}, Posterize{Bits: 3}, Solarize{Threshold: 100}, SolarizeAdd{Addition: 20, Threshold: 128},
		AutoContrast{}, Equalize{}, Brightness{Factor: 1.4}, Contrast{Factor: 0.3}, Color{Factor: 1.7},
		Sharpness{Factor: 1.9}, ShearX{S: 0.2, Fill: 128}, ShearY{S: -0.2}, TranslateX{Pixels: 4.5, Fill: 128},
		TranslateY{Pixels: -3}, Rotate{Degrees: 17, Fill: 128}, Cutout{Pad: 3, Center: image.Pt(4, 4), Fill: 128},
		Grayscale{}, Hue{Shift: 0.2}, GaussianBlur{Sigma: 1, Kernel: 5}, FlipH{},
		ColorJitter{Brightness: 1.3, Contrast: 0.6, Saturation: 1.5, Hue: -0.1, Order: [4]int{2, 0, 3, 1}},
		SparseWarp{Disp: [4][2]float64{{1, 2}, {-1, 0}, {0, 3}, {2, -2}}},
	}
	for _, op := range ops {
		want := run(op, src)
		g := gift.New(op)
		dst := image.NewRGBA(g.Bounds(shifted.Bounds()))
		g.Draw(dst, shifted)
		sameImage(t, op.String()+" via gift", dst, want)
	}
	for _, pair := range []struct {
		ours   Op
		theirs gift.Filter
	}{{Invert{}, gift.Invert()}, {FlipH{}, gift.FlipHorizontal()}} {
		dst := image.NewRGBA(src.Rect)
		gift.New(pair.theirs).Draw(dst, src)
		sameImage(t, pair.ours.String()+" = gift's", run(pair.ours, src), dst)
	}
}

// imageKinds returns one image of every kind View must accept.
func imageKinds() map[string]image.Image {
	r := image.Rect(0, 0, 40, 30)
	gray := image.NewGray(r)
	gray16 := image.NewGray16(r)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.RGBA{200, 30, 40, 255}, color.NRGBA{0, 0, 255, 128}})
	nrgba := image.NewNRGBA(r)
	rgba64 := image.NewRGBA64(r)
	nrgba64 := image.NewNRGBA64(r)
	cmyk := image.NewCMYK(r)
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	alpha := image.NewRGBA(r)
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			v := uint8(x*6 + y)
			gray.SetGray(x, y, color.Gray{v})
			gray16.SetGray16(x, y, color.Gray16{uint16(v) * 257})
			pal.SetColorIndex(x, y, uint8((x+y)%3))
			nrgba.SetNRGBA(x, y, color.NRGBA{v, 255 - v, 80, uint8(y * 8)})
			rgba64.SetRGBA64(x, y, color.RGBA64{uint16(v) << 8, 1000, 40000, 0xffff})
			nrgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(v) << 8, 1000, 40000, 0x8000})
			cmyk.SetCMYK(x, y, color.CMYK{v, 20, 200, 10})
			alpha.SetRGBA(x, y, color.RGBA{v / 2, 10, 20, 128})
		}
	}
	for i := range ycc.Y {
		ycc.Y[i] = uint8(i)
	}
	return map[string]image.Image{
		"gray": gray, "gray16": gray16, "paletted": pal, "nrgba": nrgba, "rgba64": rgba64,
		"nrgba64": nrgba64, "cmyk": cmyk, "ycbcr420": ycc, "rgba-alpha": alpha,
		"1x1":    image.NewRGBA(image.Rect(0, 0, 1, 1)),
		"wide":   randomImage(2000, 1, 4),
		"tall":   randomImage(1, 1500, 5),
		"offset": image.NewGray(image.Rect(-10, 50, 20, 90)),
	}
}

var allPolicies = []string{
	"none", "autoaugment:imagenet", "autoaugment:v0", "autoaugment:cifar10", "autoaugment:svhn",
	"autoaugment:imagenet,convention=tv", "autoaugment:svhn,convention=tv", "randaugment:n=2,m=9",
	"randaugment:n=3,m=30,convention=tv", "trivialaugment", "simaugment:strength=1,blur=1,warp=1",
	"stacked-randaugment:warp=1", "ops:rotate=30,posterize=4,cutout=10,warp=4,blur=1,hue=0.2,fill=0",
}

// TestEveryKindEveryPolicy: any image kind and size gives an output of the
// requested size and type under every policy.
func TestEveryKindEveryPolicy(t *testing.T) {
	for _, spec := range allPolicies {
		for _, ch := range []int{3, 1} {
			a, err := New(spec, Options{Size: 24, Channels: ch})
			if err != nil {
				t.Fatal(err)
			}
			for name, img := range imageKinds() {
				out, err := a.View(img, 7, name, 0, 0)
				if err != nil {
					t.Fatalf("%s %s: %v", spec, name, err)
				}
				if out.Bounds() != image.Rect(0, 0, 24, 24) {
					t.Errorf("%s %s: bounds %v", spec, name, out.Bounds())
				}
				switch m := out.(type) {
				case *image.RGBA:
					if ch != 3 || !m.Opaque() {
						t.Errorf("%s %s: RGBA output for channels %d (opaque %v)", spec, name, ch, m.Opaque())
					}
				case *image.Gray:
					if ch != 1 {
						t.Errorf("%s %s: gray output for channels 3", spec, name)
					}
				default:
					t.Errorf("%s %s: output type %T", spec, name, out)
				}
			}
		}
	}
}

// TestConversionSemantics: alpha is dropped as PIL's convert("RGB") does
// (straight colour), 16-bit samples keep their high byte.
func TestConversionSemantics(t *testing.T) {
	n := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	n.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 10})
	p := image.NewRGBA(image.Rect(0, 0, 1, 1))
	p.SetRGBA(0, 0, color.RGBA{100, 50, 25, 128}) // straight (199, 99, 49)
	g := image.NewGray16(image.Rect(0, 0, 1, 1))
	g.SetGray16(0, 0, color.Gray16{0x1234})
	for _, tt := range []struct {
		img  image.Image
		want [3]uint8
	}{{n, [3]uint8{200, 100, 50}}, {p, [3]uint8{199, 99, 49}}, {g, [3]uint8{0x12, 0x12, 0x12}}} {
		for _, got := range []*image.RGBA{toRGBA(tt.img, tt.img.Bounds()), ToRGBA(tt.img)} {
			if [3]uint8(got.Pix[:3]) != tt.want || got.Pix[3] != 255 {
				t.Errorf("%T: %v, want %v opaque", tt.img, got.Pix[:4], tt.want)
			}
		}
		// the resize reads the source directly: same conversion.
		got := newRGBA(1, 1)
		resizeFast(got, tt.img, tt.img.Bounds(), false)
		if [3]uint8(got.Pix[:3]) != tt.want {
			t.Errorf("%T through resize: %v, want %v", tt.img, got.Pix[:3], tt.want)
		}
	}
}

// TestDirectReadersMatchConversion: the resize reads JPEG (YCbCr), NRGBA,
// gray and alpha RGBA sources directly; at scale 1 it must give exactly the
// converted pixels.
func TestDirectReadersMatchConversion(t *testing.T) {
	for name, img := range imageKinds() {
		b := img.Bounds()
		got := newRGBA(b.Dx(), b.Dy())
		resizeFast(got, img, b, false)
		sameImage(t, name, got, ToRGBA(img))
	}
}

// TestDeterminism: a view is a pure function of its inputs, the same when
// computed concurrently, and changes when any of seed, id, view or epoch
// does.
func TestDeterminism(t *testing.T) {
	img := randomImage(120, 90, 6)
	for _, spec := range allPolicies {
		a, err := New(spec, Options{Size: 32})
		if err != nil {
			t.Fatal(err)
		}
		view := func(seed int64, id string, v, e int) []uint8 {
			m, err := a.View(img, seed, id, v, e)
			if err != nil {
				t.Fatal(err)
			}
			return m.(*image.RGBA).Pix
		}
		base := view(1, "a", 0, 0)
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					if got := view(1, "a", 0, 0); string(got) != string(base) {
						t.Errorf("%s: concurrent view differs", spec)
					}
				}
			}()
		}
		wg.Wait()
		for _, other := range [][]uint8{view(2, "a", 0, 0), view(1, "b", 0, 0), view(1, "a", 1, 0), view(1, "a", 0, 1)} {
			if string(other) == string(base) {
				t.Errorf("%s: changing seed, id, view or epoch left the view unchanged", spec)
			}
		}
	}
}

// TestNewRandStable pins the generator: these numbers must never change,
// or every dataset built before would stop being reproducible.
func TestNewRandStable(t *testing.T) {
	r := NewRand(42, "n01440764/img_0001.JPEG", 3, 7)
	got := []uint64{r.Uint64(), r.Uint64()}
	want := []uint64{0x6d1cea68a6e8d7eb, 0xa72f2df9d161c4ab}
	if got[0] != want[0] || got[1] != want[1] {
		t.Errorf("NewRand stream = %#x, want %#x", got, want)
	}
}
