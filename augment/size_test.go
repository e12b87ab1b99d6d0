package augment

import (
	"fmt"
	"image"
	"math"
	"sync"
	"testing"
)

// sizePolicies are every policy × convention with the side its reference
// implementation was made for (docs/policies.md, "Sizes"), and, where that
// reference itself loses views at its own side, why.
var sizePolicies = []struct {
	spec    string
	ref     int
	refLose string
}{
	{"none", 224, ""},
	{"autoaugment:imagenet", 224, ""},
	{"autoaugment:v0", 224, "TranslateY level 9 is 225 px of a 224 px view in TF; Posterize level 2 keeps 0 bits (black, as PIL)"},
	{"autoaugment:cifar10", 32, ""},
	{"autoaugment:svhn", 32, ""},
	{"autoaugment:imagenet,convention=tv", 224, ""},
	{"autoaugment:cifar10,convention=tv", 32, ""},
	{"autoaugment:svhn,convention=tv", 32, ""},
	{"randaugment", 224, "SolarizeAdd 110 then Brightness 1.9 saturate to white"},
	{"randaugment:convention=tv", 224, ""},
	{"trivialaugment", 224, "Brightness at bins 29 and 30 (factor 0.04, 0.01) is black"},
	{"simaugment", 224, ""},
	{"stacked-randaugment", 224, "SolarizeAdd 110 then Brightness 1.9 saturate to white"},
}

// lostViewSeeds is how many views (seeds) TestLostViews makes per policy
// and size, spread over the test photographs.
const lostViewSeeds = 200

// lostViews counts the lost views of spec at size over lostViewSeeds seeds.
func lostViews(t *testing.T, spec string, size int) int {
	imgs := photos(t)
	a, err := New(spec, Options{Size: size})
	if err != nil {
		t.Fatal(err)
	}
	lost := 0
	for seed := range lostViewSeeds {
		m, err := a.View(imgs[seed%len(imgs)], int64(seed), fmt.Sprint("photo", seed%len(imgs)), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if Lost(m) {
			lost++
		}
	}
	return lost
}

// TestLostViews checks that no policy loses views at small sizes: at 28,
// 32, 64 and 224 px, lost views (Lost) are no more frequent than at the
// policy's reference size, where the arguments are its reference
// implementation's; and a policy whose reference loses no views loses none
// at any size. (A seed draws the same crop at every size and, but for a
// rare rejection in drawing a cutout's centre, the same ops: the counts
// compare like with like.)
func TestLostViews(t *testing.T) {
	sizes := []int{28, 32, 64, 224}
	for _, p := range sizePolicies {
		t.Run(p.spec, func(t *testing.T) {
			t.Parallel()
			counts := map[int]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, size := range append(sizes, p.ref) {
				if _, done := counts[size]; done {
					continue
				}
				counts[size] = 0
				wg.Add(1)
				go func() {
					defer wg.Done()
					n := lostViews(t, p.spec, size)
					mu.Lock()
					counts[size] = n
					mu.Unlock()
				}()
			}
			wg.Wait()
			ref := counts[p.ref]
			t.Logf("%s: lost views of %d at 28/32/64/224 px: %d/%d/%d/%d (reference %d px: %d)",
				p.spec, lostViewSeeds, counts[28], counts[32], counts[64], counts[224], p.ref, ref)
			if p.refLose == "" && ref != 0 {
				t.Errorf("%s loses %d of %d views at its reference size %d px, want none", p.spec, ref, lostViewSeeds, p.ref)
			}
			for _, size := range sizes {
				if counts[size] > ref {
					t.Errorf("%s at %d px: %d of %d views lost, more than the %d at its reference size %d px",
						p.spec, size, counts[size], lostViewSeeds, ref, p.ref)
				}
			}
		})
	}
}

// TestPixelScale checks the tf convention's pixel-measured arguments:
// TF's own values at the reference size, bit for bit, and the same fraction
// of the side elsewhere, truncated once in exact arithmetic.
func TestPixelScale(t *testing.T) {
	// At the reference side, and always with pixels=abs, the arguments are
	// the expressions TF's augment.py (and this package before sizes
	// mattered) computes.
	for _, k := range []pixelScale{tfAutoAugmentPixels, tfRandAugmentPixels} {
		for l := 0.0; l <= 10; l += 0.1 {
			tr, cut := l/10*k.translate, int(l/10*k.cutout)
			if got := k.translatePixels(l, k.ref); math.Float64bits(got) != math.Float64bits(tr) {
				t.Errorf("%+v level %v at %d px: translate %v, want TF's %v", k, l, k.ref, got, tr)
			}
			if got := k.cutoutPad(l, k.ref); got != cut {
				t.Errorf("%+v level %v at %d px: cutout %d, want TF's %d", k, l, k.ref, got, cut)
			}
			for _, side := range []int{28, 32, 64, 331} {
				if got := k.absolute().translatePixels(l, side); math.Float64bits(got) != math.Float64bits(tr) {
					t.Errorf("%+v absolute level %v at %d px: translate %v, want %v", k, l, side, got, tr)
				}
				if got := k.absolute().cutoutPad(l, side); got != cut {
					t.Errorf("%+v absolute level %v at %d px: cutout %d, want %d", k, l, side, got, cut)
				}
			}
		}
	}
	// The CIFAR code: int_parameter(level, 10) whole pixels at 32 px.
	for l := 0; l <= 10; l++ {
		if got := cifarAutoAugmentPixels.translatePixels(float64(l), 32); got != float64(l) {
			t.Errorf("cifar level %d at 32 px: translate %v, want %d", l, got, l)
		}
	}
	tests := []struct {
		k         pixelScale
		level     float64
		side      int
		translate float64
		cutout    int
	}{
		{tfRandAugmentPixels, 10, 32, 100.0 * 32 / 224, 5},              // 40·32/224 = 5.71
		{tfRandAugmentPixels, 10, 28, 12.5, 5},                          // 40/8
		{tfRandAugmentPixels, 7, 112, 35, 14},                           // 0.7·40 is 28.000000000000004 in floats
		{tfRandAugmentPixels, 9, 64, 90.0 * 64 / 224, 10},               // 36·64/224 = 10.29
		{tfAutoAugmentPixels, 9, 32, 225.0 * 32 / 224, 12},              // 90·32/224 = 12.86
		{tfAutoAugmentPixels, 10, 448, 500, 200},                        // twice the side, twice the pixels
		{cifarAutoAugmentPixels, 9, 224, 63, 63},                        // 9·10·224/320
		{cifarAutoAugmentPixels, 9, 28, 7, 7},                           // 7.875
		{cifarAutoAugmentPixels, 3, 64, 6, 6},                           // twice the CIFAR pixels
		{tfAutoAugmentPixels.absolute(), 9, 32, 0.9 * 250, 90},          // TF's absolute pixels
		{cifarAutoAugmentPixels, 10, 32, 10, 10},                        // the whole CIFAR shift
		{tfRandAugmentPixels.absolute(), 10, 28, 100, 40},               // what emptied 28 px views
		{tfAutoAugmentPixels, 5, 224, 0.5 * 250, int(0.5 * 100)},        // reference side
		{tfRandAugmentPixels, 3, 224 * 3, 3 * (0.3 * 100), 3 * 12},      // 0.3·40·3 = 36 exactly
		{tfRandAugmentPixels, 2.5, 224 / 2, 12.5, 5},                    // 10/2
		{tfAutoAugmentPixels, 1, 16, 25.0 * 16 / 224, 0},                // 10·16/224 = 0.71
		{tfAutoAugmentPixels, 8, 56, 200.0 / 4, 20},                     // 80/4
		{tfAutoAugmentPixels, 10, 32, 250.0 * 32 / 224, 14},             // 100·32/224 = 14.29
		{tfRandAugmentPixels, 10, 224, 100, 40},                         // reference side
		{cifarAutoAugmentPixels.absolute(), 10, 64, 10, 10},             // absolute CIFAR pixels
		{pixelScale{translate: 10, cutout: 10, ref: 32}, 3, 48, 4.5, 4}, // fractional when not whole
	}
	for _, tt := range tests {
		if got := tt.k.translatePixels(tt.level, tt.side); got != tt.translate {
			t.Errorf("%+v level %v at %d px: translate %v, want %v", tt.k, tt.level, tt.side, got, tt.translate)
		}
		if got := tt.k.cutoutPad(tt.level, tt.side); got != tt.cutout {
			t.Errorf("%+v level %v at %d px: cutout %d, want %d", tt.k, tt.level, tt.side, got, tt.cutout)
		}
	}
}

// TestPixelsAbsAtReference checks that pixels=abs (TF's absolute pixels)
// and the default agree exactly at 224 px, the side TF's constants are
// for, and differ at 32 px, where the absolute pixels empty the frame.
func TestPixelsAbsAtReference(t *testing.T) {
	bounds := image.Rect(0, 0, 512, 384)
	for _, tt := range []struct {
		rel, abs string
		same     int // the side where both give the same plans
	}{
		{"autoaugment:imagenet", "autoaugment:imagenet,pixels=abs", 224},
		{"autoaugment:v0", "autoaugment:v0,pixels=abs", 224},
		{"randaugment", "randaugment:pixels=abs", 224},
		{"randaugment:n=3,m=7.5", "randaugment:n=3,m=7.5,pixels=abs", 224},
		{"stacked-randaugment", "stacked-randaugment:pixels=abs", 224},
		{"trivialaugment", "trivialaugment:pixels=abs", 224},
		{"autoaugment:cifar10", "autoaugment:cifar10,pixels=abs", 0}, // CIFAR code's pixels, not TF's
	} {
		for _, size := range []int{tt.same, 32} {
			if size == 0 {
				continue
			}
			rel, err := New(tt.rel, Options{Size: size})
			if err != nil {
				t.Fatal(err)
			}
			abs, err := New(tt.abs, Options{Size: size})
			if err != nil {
				t.Fatal(err)
			}
			differ := 0
			for seed := range 300 {
				p, q := rel.Plan(bounds, int64(seed), "x", 0, 0).String(), abs.Plan(bounds, int64(seed), "x", 0, 0).String()
				if p != q {
					differ++
					if size == tt.same {
						t.Errorf("%s and %s at %d px, seed %d: %s vs %s", tt.rel, tt.abs, size, seed, p, q)
					}
				}
			}
			if size != tt.same && differ == 0 && tt.rel != "autoaugment:imagenet" {
				t.Errorf("%s and %s agree on all 300 views at %d px: pixels has no effect", tt.rel, tt.abs, size)
			}
		}
	}
}

// TestCIFARPixels checks that the CIFAR-10 and SVHN policies translate by
// the original AutoAugment CIFAR code's whole pixels at 32 px: the level.
func TestCIFARPixels(t *testing.T) {
	for _, spec := range []string{"autoaugment:cifar10", "autoaugment:svhn"} {
		a, err := New(spec, Options{Size: 32})
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for seed := range 400 {
			for _, op := range a.Plan(image.Rect(0, 0, 32, 32), int64(seed), "c", 0, 0).Ops {
				var px float64
				switch o := op.(type) {
				case TranslateX:
					px = o.Pixels
				case TranslateY:
					px = o.Pixels
				default:
					continue
				}
				seen++
				if px != math.Trunc(px) || math.Abs(px) > 10 || px == 0 && spec == "autoaugment:cifar10" {
					t.Errorf("%s seed %d: translation %v px, want a whole level 1..10", spec, seed, px)
				}
			}
		}
		if seen == 0 {
			t.Errorf("%s: no translation in 400 views", spec)
		}
	}
}

// TestLost checks the lost-view measure on images whose grey-level
// spread is known.
func TestLost(t *testing.T) {
	half := grayImage(4, 0, 0, 255, 255, 0, 0, 255, 255) // std 127.5
	strip := newRGBA(32, 32)                             // fill with one column of content
	fillRGBA(strip, 128)
	for y := range 32 {
		strip.Pix[y*strip.Stride], strip.Pix[y*strip.Stride+1], strip.Pix[y*strip.Stride+2] = 0, 0, 0
	}
	gray := image.NewGray(image.Rect(0, 0, 3, 1))
	copy(gray.Pix, []uint8{10, 11, 12}) // std 0.82
	dark := grayImage(2, 0, 3, 3, 0)    // std 1.5: a view darkened to black
	edge := grayImage(2, 0, 4, 4, 0)    // std 2: not lost
	tests := []struct {
		name string
		img  image.Image
		std  float64
		lost bool
	}{
		{"constant", grayImage(2, 128, 128, 128, 128), 0, true},
		{"all fill", func() image.Image { m := newRGBA(28, 28); fillRGBA(m, 128); return m }(), 0, true},
		{"half black half white", half, 127.5, false},
		{"dark", dark, 1.5, true},
		{"threshold", edge, 2, false},
		{"gray image", gray, math.Sqrt(2.0 / 3), true},
		{"empty", newRGBA(0, 0), 0, true},
		{"colour, equal grey", rgbImage(2, [3]uint8{255, 0, 0}, [3]uint8{255, 0, 0}), 0, true},
		{"sub-image", half.SubImage(image.Rect(0, 0, 2, 2)), 0, true},
		{"NRGBA", image.NewNRGBA(image.Rect(0, 0, 3, 3)), 0, true},
	}
	for _, tt := range tests {
		if got := GreyStdDev(tt.img); math.Abs(got-tt.std) > 1e-9 {
			t.Errorf("%s: GreyStdDev = %v, want %v", tt.name, got, tt.std)
		}
		if got := Lost(tt.img); got != tt.lost {
			t.Errorf("%s: Lost = %v, want %v", tt.name, got, tt.lost)
		}
	}
	if s := GreyStdDev(strip); s < LostStdDev || Lost(strip) {
		t.Errorf("a column of content in fill: std %v, lost %v; want kept", s, Lost(strip))
	}
}
