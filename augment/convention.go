package augment

import (
	"fmt"
	"math"
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

// tfConsts are TF's per-policy constants: translation in pixels and cutout
// half-side at level 10.
type tfConsts struct{ translate, cutout float64 }

var (
	autoAugmentConsts = tfConsts{translate: 250, cutout: 100}
	randAugmentConsts = tfConsts{translate: 100, cutout: 40}
)

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
// functions (tensorflow/models official/vision/ops/augment.py). Signs and
// the cutout centre are drawn from r. w, h are the image size.
func tfOp(name string, level float64, k tfConsts, r *rand.Rand, w, h int) (Op, error) {
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
		return TranslateX{Pixels: signed(r, l*k.translate), Fill: fill}, nil
	case "TranslateY":
		return TranslateY{Pixels: signed(r, l*k.translate), Fill: fill}, nil
	case "Cutout":
		return randomCutout(r, int(l*k.cutout), w, h), nil
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
}

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
		shear, rot, enh, tx, ty, postMax = 0.99, 135, 0.99, 32, 32, 6
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
