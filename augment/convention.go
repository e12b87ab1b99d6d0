package augment

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
)

// Convention is how a policy's levels map to physical op arguments.
type Convention int

const (
	// TF is TensorFlow's (tensorflow/models augment.py): levels 0..10,
	// geometric fill grey 128. What the SupCon paper ran; the default.
	TF Convention = iota
	// TV is torchvision's: magnitude bins, geometric fill black.
	TV
)

// String returns "tf" or "tv".
func (c Convention) String() string {
	if c == TV {
		return "tv"
	}
	return "tf"
}

// fill is the grey level of pixels that a geometric op uncovers.
func (c Convention) fill() uint8 {
	if c == TV {
		return 0
	}
	return 128
}

// pixelScale says how a policy's pixel-measured arguments (TranslateX/Y
// and Cutout) follow the view's side in the tf convention: they are the
// fraction of the side that the policy's reference implementation used at
// its reference side (docs/policies.md, "Sizes").
type pixelScale struct {
	// translate is the translation and cutout the cutout half-side at
	// level 10, in pixels of a view of side ref.
	translate, cutout float64
	// ref is the reference side; 0 means the constants are absolute pixels
	// at every side (TF's augment.py as it is, spec "pixels=abs").
	ref int
	// whole says the reference works in whole pixels, int(level·max/10)
	// (the original AutoAugment CIFAR code); otherwise translations are
	// fractional and the cutout is truncated once, as TF's augment.py does.
	whole bool
}

var (
	// tfAutoAugmentPixels are TF's AutoAugment constants (augment.py's
	// translate_const 250, cutout_const 100), for 224 px ImageNet views.
	tfAutoAugmentPixels = pixelScale{translate: 250, cutout: 100, ref: 224}
	// tfRandAugmentPixels are TF's RandAugment constants (translate_const
	// 100, cutout_const 40), for 224 px ImageNet views.
	tfRandAugmentPixels = pixelScale{translate: 100, cutout: 40, ref: 224}
	// cifarAutoAugmentPixels are the original AutoAugment CIFAR code's
	// (tensorflow/models research/autoaugment augmentation_transforms.py,
	// 32 px images): translate int_parameter(level, 10) pixels, cutout a
	// square of side int_parameter(level, 20), i.e. half-side 10 at level 10.
	cifarAutoAugmentPixels = pixelScale{translate: 10, cutout: 10, ref: 32, whole: true}
)

// absolute returns the constants as absolute pixels at every side.
func (k pixelScale) absolute() pixelScale {
	k.ref = 0
	return k
}

// translatePixels is the translation at level (0..10) for a view whose side
// along the translation is side. At side == ref (or when absolute) it is
// exactly TF's (level/10)·translate, or the CIFAR code's whole pixels.
func (k pixelScale) translatePixels(level float64, side int) float64 {
	if k.whole {
		return float64(wholePixels(level, k.translate, side, k.ref))
	}
	v := level / 10 * k.translate
	if k.ref == 0 || side == k.ref {
		return v
	}
	f, _ := scaled(v, side, k.ref).Float64()
	return f
}

// cutoutPad is the cutout half-side at level for a view of side side: TF's
// int((level/10)·cutout) scaled by side/ref before the one truncation.
func (k pixelScale) cutoutPad(level float64, side int) int {
	if k.whole {
		return wholePixels(level, k.cutout, side, k.ref)
	}
	v := level / 10 * k.cutout
	if k.ref == 0 {
		return int(v)
	}
	r := scaled(v, side, k.ref)
	return int(new(big.Int).Quo(r.Num(), r.Denom()).Int64())
}

// scaled returns v·side/ref exactly (v is finite and not negative).
func scaled(v float64, side, ref int) *big.Rat {
	r := new(big.Rat).SetFloat64(v)
	return r.Mul(r, big.NewRat(int64(side), int64(ref)))
}

// wholePixels is int(level·atTen·side/(10·ref)) in exact integer arithmetic:
// at side == ref the CIFAR code's int_parameter(level, atTen). ref 0 means
// side is ignored. level is a whole level (AutoAugment's tables).
func wholePixels(level, atTen float64, side, ref int) int {
	if ref == 0 {
		return int(level * atTen / 10)
	}
	return int(level) * int(atTen) * side / (10 * ref)
}

// signed returns v, negated with probability 1/2 (drawn from r).
func signed(r *rand.Rand, v float64) float64 {
	if r.IntN(2) == 0 {
		return -v
	}
	return v
}

// magnitudeFreeOp returns the ops that take no magnitude, the same under
// both conventions.
func magnitudeFreeOp(name string) (Op, bool) {
	switch name {
	case "AutoContrast":
		return AutoContrast{}, true
	case "Equalize":
		return Equalize{}, true
	case "Invert":
		return Invert{}, true
	case "Identity":
		return Identity{}, true
	}
	return nil, false
}

// tfOp builds the op name at TF level (0..10) with TF's level-to-argument
// functions (tensorflow/models official/vision/ops/augment.py); k sizes the
// pixel-measured ops for a w×h image. Signs and the cutout centre are drawn
// from r.
func tfOp(name string, level float64, k pixelScale, r *rand.Rand, w, h int) (Op, error) {
	if op, ok := magnitudeFreeOp(name); ok {
		return op, nil
	}
	l := level / 10
	const fill = 128
	switch name {
	case "Rotate":
		return Rotate{Degrees: signed(r, l*30), Fill: fill}, nil
	case "Posterize":
		return Posterize{Bits: int(l * 4)}, nil
	case "Solarize":
		return Solarize{Threshold: float64(int(l * 256))}, nil
	case "SolarizeAdd":
		return SolarizeAdd{Addition: int(l * 110), Threshold: 128}, nil
	case "Color":
		return Color{Factor: l*1.8 + 0.1}, nil
	case "Contrast":
		return Contrast{Factor: l*1.8 + 0.1}, nil
	case "Brightness":
		return Brightness{Factor: l*1.8 + 0.1}, nil
	case "Sharpness":
		return Sharpness{Factor: l*1.8 + 0.1}, nil
	case "ShearX":
		return ShearX{S: signed(r, l*0.3), Fill: fill}, nil
	case "ShearY":
		return ShearY{S: signed(r, l*0.3), Fill: fill}, nil
	case "TranslateX":
		return TranslateX{Pixels: signed(r, k.translatePixels(level, w)), Fill: fill}, nil
	case "TranslateY":
		return TranslateY{Pixels: signed(r, k.translatePixels(level, h)), Fill: fill}, nil
	case "Cutout":
		return randomCutout(r, k.cutoutPad(level, min(w, h)), w, h), nil
	}
	return nil, fmt.Errorf("op %s has no tf level mapping", name)
}

// randomCutout places a cutout of half-side pad at a uniform pixel.
func randomCutout(r *rand.Rand, pad, w, h int) Cutout {
	return Cutout{Pad: pad, Center: pointIn(r, w, h), Fill: 128}
}

// tvSpace is torchvision's magnitude space: RandAugment and AutoAugment use
// the narrow one, TrivialAugmentWide the wide one.
type tvSpace struct {
	wide bool
	bins int
	// absTranslate keeps the wide space's 32 px translation absolute at
	// every size (torchvision as it is); otherwise it is 32/224 of the side,
	// torchvision's value at its ImageNet reference size.
	absTranslate bool
}

// trivialTranslate is TrivialAugmentWide's largest translation, in pixels
// of a trivialRef px view.
const trivialTranslate, trivialRef = 32, 224

// tvOp builds the op name at magnitude bin m of s (torchvision
// transforms/autoaugment.py _augmentation_space and _apply_op). Signs are
// drawn from r.
func tvOp(name string, m int, s tvSpace, r *rand.Rand, w, h int) (Op, error) {
	frac := 0.0
	if s.bins > 1 {
		frac = float64(m) / float64(s.bins-1) // linspace(0, max, bins)[m] / max
	}
	shear, rot, enh := 0.3, 30.0, 0.9
	tx, ty := 150.0/331*float64(w), 150.0/331*float64(h)
	postMax := 4.0
	if s.wide {
		shear, rot, enh, postMax = 0.99, 135, 0.99, 6
		tx, ty = trivialTranslate, trivialTranslate
		if !s.absTranslate { // exact at trivialRef: whole numbers in float64
			tx, ty = trivialTranslate*float64(w)/trivialRef, trivialTranslate*float64(h)/trivialRef
		}
	}
	if op, ok := magnitudeFreeOp(name); ok {
		return op, nil
	}
	const fill = 0
	switch name {
	case "Rotate":
		return Rotate{Degrees: signed(r, frac*rot), Fill: fill}, nil
	case "ShearX":
		return ShearX{S: signed(r, frac*shear), Fill: fill}, nil
	case "ShearY":
		return ShearY{S: signed(r, frac*shear), Fill: fill}, nil
	case "TranslateX":
		return TranslateX{Pixels: float64(int(signed(r, frac*tx))), Fill: fill}, nil
	case "TranslateY":
		return TranslateY{Pixels: float64(int(signed(r, frac*ty))), Fill: fill}, nil
	case "Color":
		return Color{Factor: 1 + signed(r, frac*enh)}, nil
	case "Contrast":
		return Contrast{Factor: 1 + signed(r, frac*enh)}, nil
	case "Brightness":
		return Brightness{Factor: 1 + signed(r, frac*enh)}, nil
	case "Sharpness":
		return Sharpness{Factor: 1 + signed(r, frac*enh)}, nil
	case "Posterize":
		// 8 - (arange(bins) / ((bins-1)/postMax)).round()
		step := float64(s.bins-1) / postMax
		return Posterize{Bits: 8 - int(math.RoundToEven(float64(m)/step))}, nil
	case "Solarize":
		return Solarize{Threshold: 255 * (1 - frac)}, nil
	}
	return nil, fmt.Errorf("op %s has no tv magnitude mapping", name)
}
