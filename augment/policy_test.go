package augment

import (
	"fmt"
	"image"
	"math"
	"reflect"
	"testing"
)

// TestTFLevels checks TF's level-to-argument functions (augment.py) at
// the levels the tables use.
func TestTFLevels(t *testing.T) {
	r := NewRand(0, "levels", 0, 0)
	pos := func(op Op) Op { // undo the random sign for comparison
		switch o := op.(type) {
		case Rotate:
			o.Degrees = math.Abs(o.Degrees)
			return o
		case ShearX:
			o.S = math.Abs(o.S)
			return o
		case TranslateY:
			o.Pixels = math.Abs(o.Pixels)
			return o
		}
		return op
	}
	tests := []struct {
		name  string
		level float64
		k     pixelScale
		want  Op
	}{
		{"Rotate", 9, tfAutoAugmentPixels, Rotate{Degrees: 27, Fill: 128}},
		{"Posterize", 8, tfAutoAugmentPixels, Posterize{Bits: 3}}, // int(3.2)
		{"Posterize", 2, tfAutoAugmentPixels, Posterize{Bits: 0}}, // int(0.8)
		{"Solarize", 5, tfAutoAugmentPixels, Solarize{Threshold: 128}},
		{"Solarize", 3, tfAutoAugmentPixels, Solarize{Threshold: 76}}, // int(76.8)
		{"SolarizeAdd", 3, tfAutoAugmentPixels, SolarizeAdd{Addition: 33, Threshold: 128}},
		{"Color", 0, tfAutoAugmentPixels, Color{Factor: 0.1}},
		{"Contrast", 8, tfAutoAugmentPixels, Contrast{Factor: 0.8*1.8 + 0.1}},
		{"Sharpness", 10, tfAutoAugmentPixels, Sharpness{Factor: 1.9}},
		{"ShearX", 5, tfAutoAugmentPixels, ShearX{S: 0.15, Fill: 128}},
		{"TranslateY", 9, tfAutoAugmentPixels, TranslateY{Pixels: 225, Fill: 128}},
		{"TranslateY", 9, tfRandAugmentPixels, TranslateY{Pixels: 90, Fill: 128}},
		{"TranslateY", 9, cifarAutoAugmentPixels, TranslateY{Pixels: 63, Fill: 128}}, // 9 px of 32, at 224
		{"Equalize", 8, tfAutoAugmentPixels, Equalize{}},
	}
	for _, tt := range tests {
		op, err := tfOp(tt.name, tt.level, tt.k, r, 224, 224)
		if err != nil {
			t.Fatal(err)
		}
		if got := pos(op); fmt.Sprintf("%.12v", got) != fmt.Sprintf("%.12v", tt.want) {
			t.Errorf("tf %s level %v = %#v, want %#v", tt.name, tt.level, got, tt.want)
		}
	}
	c, _ := tfOp("Cutout", 10, tfRandAugmentPixels.absolute(), r, 50, 60)
	if cut := c.(Cutout); cut.Pad != 40 || !cut.Center.In(image.Rect(0, 0, 50, 60)) || cut.Fill != 128 {
		t.Errorf("tf cutout level 10, absolute = %+v", cut)
	}
	c, _ = tfOp("Cutout", 10, tfRandAugmentPixels, r, 50, 60)
	if cut := c.(Cutout); cut.Pad != 8 || !cut.Center.In(image.Rect(0, 0, 50, 60)) { // int(40·50/224)
		t.Errorf("tf cutout level 10 at 50×60 = %+v", cut)
	}
}

// TestTVMagnitudes checks torchvision's magnitude bins.
func TestTVMagnitudes(t *testing.T) {
	r := NewRand(0, "bins", 0, 0)
	aa, ra, ta := tvSpace{bins: 10}, tvSpace{bins: 31}, tvSpace{wide: true, bins: 31}
	abs := func(v float64) float64 { return math.Abs(v) }
	tests := []struct {
		name  string
		m     int
		space tvSpace
		check func(Op) bool
	}{
		{"Posterize", 8, aa, func(o Op) bool { return o.(Posterize).Bits == 4 }}, // 8 - round(3.56)
		{"Posterize", 9, ra, func(o Op) bool { return o.(Posterize).Bits == 7 }}, // 8 - round(1.2)
		{"Posterize", 30, ta, func(o Op) bool { return o.(Posterize).Bits == 2 }},
		{"Solarize", 9, aa, func(o Op) bool { return o.(Solarize).Threshold == 0 }},
		{"Solarize", 15, ra, func(o Op) bool { return o.(Solarize).Threshold == 127.5 }},
		{"Rotate", 9, aa, func(o Op) bool { return abs(o.(Rotate).Degrees) == 30 && o.(Rotate).Fill == 0 }},
		{"Rotate", 30, ta, func(o Op) bool { return abs(o.(Rotate).Degrees) == 135 }},
		{"ShearX", 15, ra, func(o Op) bool { return abs(o.(ShearX).S) == 0.15 }},
		{"Brightness", 9, aa, func(o Op) bool { f := o.(Brightness).Factor; return abs(abs(f-1)-0.9) < 1e-12 }},
		// 150/331·224·9/30 = 30.45 -> int 30
		{"TranslateX", 9, ra, func(o Op) bool { return abs(o.(TranslateX).Pixels) == 30 }},
		{"TranslateY", 30, ta, func(o Op) bool { return abs(o.(TranslateY).Pixels) == 32 }},
	}
	for _, tt := range tests {
		op, err := tvOp(tt.name, tt.m, tt.space, r, 224, 224)
		if err != nil {
			t.Fatal(err)
		}
		if !tt.check(op) {
			t.Errorf("tv %s bin %d (%+v) = %#v", tt.name, tt.m, tt.space, op)
		}
	}
	if _, err := tvOp("SolarizeAdd", 3, aa, r, 9, 9); err == nil {
		t.Error("tv SolarizeAdd should not exist")
	}
}

// TestTables checks the AutoAugment tables' shape and that every step
// builds in every convention the policy supports.
func TestTables(t *testing.T) {
	for _, name := range autoAugmentNames {
		table := parsedTables[name]
		if len(table) != 25 {
			t.Errorf("%s: %d sub-policies, want 25", name, len(table))
		}
		for i, sub := range table {
			if len(sub) != 2 {
				t.Errorf("%s[%d]: %d steps", name, i, len(sub))
			}
			for _, s := range sub {
				if s.prob < 0 || s.prob > 1 || s.level < 0 || s.level > 10 {
					t.Errorf("%s[%d]: bad step %+v", name, i, s)
				}
				if _, err := tfOp(s.op, float64(s.level), tfAutoAugmentPixels, NewRand(0, "", 0, 0), 8, 8); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if _, err := tvOp(s.op, s.level, tvSpace{bins: 10}, NewRand(0, "", 0, 0), 8, 8); err != nil && name != "v0" {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
	}
	// Spot checks against the published tables (docs/policies.md).
	if got := parsedTables["imagenet"][0]; !reflect.DeepEqual(got, []step{{"Posterize", .4, 8}, {"Rotate", .6, 9}}) {
		t.Errorf("imagenet[0] = %v", got)
	}
	if got := parsedTables["svhn"][24]; !reflect.DeepEqual(got, []step{{"ShearX", .7, 2}, {"Invert", .1, 5}}) {
		t.Errorf("svhn[24] = %v", got)
	}
}

// opKinds counts the op types a policy draws over many views.
func opKinds(t *testing.T, spec string, n int) map[string]int {
	t.Helper()
	p, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		for _, op := range p.Ops(NewRand(1, spec, i, 0), 64, 64) {
			seen[reflect.TypeOf(op).Name()]++
		}
	}
	return seen
}

func TestPolicyOpSets(t *testing.T) {
	tests := []struct {
		spec string
		want []string
	}{
		{"randaugment:n=1,m=10", []string{"AutoContrast", "Equalize", "Invert", "Rotate", "Posterize", "Solarize",
			"Color", "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateX", "TranslateY",
			"Cutout", "SolarizeAdd", "Identity"}},
		{"randaugment:n=1,m=9,convention=tv", []string{"Identity", "ShearX", "ShearY", "TranslateX", "TranslateY",
			"Rotate", "Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"}},
		{"trivialaugment", []string{"Identity", "ShearX", "ShearY", "TranslateX", "TranslateY",
			"Rotate", "Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"}},
		{"autoaugment:imagenet", []string{"Posterize", "Rotate", "Solarize", "AutoContrast", "Equalize", "Color",
			"Invert", "Contrast", "Sharpness", "ShearX"}},
		{"simaugment:strength=0.5,blur=1,warp=1", []string{"ColorJitter", "Grayscale", "SparseWarp", "GaussianBlur"}},
	}
	for _, tt := range tests {
		seen := opKinds(t, tt.spec, 2000)
		if len(seen) != len(tt.want) {
			t.Errorf("%s draws %d kinds of op, want %d: %v", tt.spec, len(seen), len(tt.want), seen)
		}
		for _, k := range tt.want {
			if seen[k] == 0 {
				t.Errorf("%s never drew %s", tt.spec, k)
			}
		}
	}
	// RandAugment TF: 17 equally likely branches, N per view.
	seen := opKinds(t, "randaugment:n=2,m=10", 3400)
	total := 0
	for _, n := range seen {
		total += n
	}
	if total != 6800 || seen["Identity"] < 300 || seen["Identity"] > 500 {
		t.Errorf("randaugment n=2: %d ops, %d identities (want 6800, ~400)", total, seen["Identity"])
	}
	// Probabilities: grayscale 0.2, jitter 0.8, blur and warp as given.
	seen = opKinds(t, "simaugment:strength=0.5,blur=0,warp=0", 2000)
	if seen["GaussianBlur"] != 0 || seen["SparseWarp"] != 0 || seen["Grayscale"] < 320 || seen["Grayscale"] > 480 ||
		seen["ColorJitter"] < 1500 || seen["ColorJitter"] > 1700 {
		t.Errorf("simaugment probabilities off: %v", seen)
	}
}

// TestStackedOrder: jitter (sometimes), then N RandAugment ops, then
// grayscale (sometimes), warp and blur (here always).
func TestStackedOrder(t *testing.T) {
	p, _ := Parse("stacked-randaugment:n=2,blur=1,warp=1")
	jittered := 0
	for i := 0; i < 300; i++ {
		ops := p.Ops(NewRand(3, "s", i, 0), 64, 64)
		kind := func(j int) string { return reflect.TypeOf(ops[j]).Name() }
		n := len(ops)
		if n < 4 || kind(n-1) != "GaussianBlur" || kind(n-2) != "SparseWarp" {
			t.Fatalf("view %d: does not end with warp, blur: %v", i, ops)
		}
		rest := n - 2
		if kind(rest-1) == "Grayscale" {
			rest--
		}
		rest -= 2 // the RandAugment ops
		switch {
		case rest == 1 && kind(0) == "ColorJitter":
			jittered++
		case rest != 0:
			t.Fatalf("view %d: %d ops before RandAugment, want the jitter or nothing: %v", i, rest, ops)
		}
	}
	if jittered < 210 || jittered > 270 {
		t.Errorf("jitter in %d of 300 views, want about 240", jittered)
	}
}

func TestRandomCrop(t *testing.T) {
	for _, conv := range []Convention{TF, TV} {
		for _, size := range [][2]int{{640, 427}, {100, 100}, {32, 32}, {1, 1}, {1000, 1}, {3, 700}} {
			w, h := size[0], size[1]
			for i := 0; i < 200; i++ {
				r := randomCrop(NewRand(int64(i), "crop", 0, 0), w, h, 0.08, conv)
				if !r.In(image.Rect(0, 0, w, h)) || r.Empty() {
					t.Fatalf("%v %dx%d: crop %v outside the image", conv, w, h, r)
				}
				if w < 10 || h < 10 {
					continue // rounding dominates
				}
				frac := float64(r.Dx()*r.Dy()) / float64(w*h)
				ratio := float64(r.Dx()) / float64(r.Dy())
				fallback := r == centerSquare(w, h, 1)
				if !fallback && (frac < 0.06 || ratio < 0.7 || ratio > 1.4) {
					t.Fatalf("%v %dx%d: crop %v has area fraction %.3f, ratio %.3f", conv, w, h, r, frac, ratio)
				}
				if conv == TF && !fallback && frac < 0.1 {
					t.Fatalf("tf crop %v covers %.3f < 0.1", r, frac)
				}
			}
		}
	}
	if got := randomCrop(NewRand(1, "", 0, 0), 1000, 1, 0.08, TF); got != image.Rect(499, 0, 500, 1) {
		t.Errorf("1000x1 fallback = %v, want the centred 1x1 square", got)
	}
}

// TestOpsPolicyExact: with CropNone an ops: policy applies exactly its ops.
func TestOpsPolicyExact(t *testing.T) {
	src := randomImage(33, 21, 9)
	a, err := New("ops:rotate=30,posterize=4,equalize,translatex=-2.5", Options{Crop: CropNone})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.View(src, 5, "x", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := run(TranslateX{Pixels: -2.5, Fill: 128}, run(Equalize{}, run(Posterize{Bits: 4}, run(Rotate{Degrees: 30, Fill: 128}, src))))
	sameImage(t, "ops policy", got.(*image.RGBA), want)
}

// TestViewGolden pins one view of a real photograph per policy family: a
// change here means every dataset made before changes too.
func TestViewGolden(t *testing.T) {
	imgs := photos(t)
	for _, spec := range []string{"none", "autoaugment:imagenet", "randaugment:n=2,m=9,convention=tv", "simaugment:strength=1,blur=1", "trivialaugment"} {
		a, err := New(spec, Options{Size: 64})
		if err != nil {
			t.Fatal(err)
		}
		m, err := a.View(imgs[3], 2026, "rocket", 1, 3) // testdata/rocket.jpg
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%x", sha(m.(*image.RGBA).Pix))
		if w, ok := viewGolden[spec]; !ok || w != got {
			t.Errorf("%s: view hash %s, want %s", spec, got, w)
		}
	}
}
