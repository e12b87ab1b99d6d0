package augment

import (
	"image"
	"math/rand/v2"
)

// A Policy draws the ops of one view. Policies are immutable and safe for
// concurrent use; all their randomness comes from the generator passed in.
type Policy interface {
	// String returns the policy's canonical spec, which Parse reads back.
	String() string
	// Convention returns the magnitude convention (it also selects the random
	// crop's aspect-ratio sampling).
	Convention() Convention
	// Ops draws the ops to apply, in order, to a w×h image.
	Ops(r *rand.Rand, w, h int) []Op
}

// nonePolicy applies nothing: only the crop and flip of a training view.
type nonePolicy struct{}

func (nonePolicy) String() string                { return "none" }
func (nonePolicy) Convention() Convention        { return TF }
func (nonePolicy) Ops(*rand.Rand, int, int) []Op { return nil }

// pointIn draws a pixel uniformly from a w×h image.
func pointIn(r *rand.Rand, w, h int) image.Point {
	return image.Pt(r.IntN(max(w, 1)), r.IntN(max(h, 1)))
}

// tfRandAugmentOps are TF's RandAugment ops in its order; a draw of
// len(tfRandAugmentOps) selects the identity branch.
var tfRandAugmentOps = []string{"AutoContrast", "Equalize", "Invert", "Rotate", "Posterize", "Solarize",
	"Color", "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateX", "TranslateY",
	"Cutout", "SolarizeAdd"}

// tvRandAugmentOps are torchvision's RandAugment ops in its order.
var tvRandAugmentOps = []string{"Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate",
	"Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"}

// tvTrivialOps are torchvision's TrivialAugmentWide ops in its order.
var tvTrivialOps = []string{"Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate",
	"Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"}

// randAugment applies N ops, each drawn uniformly, at magnitude M: TF's 16
// ops plus identity (M on 0..10) or torchvision's 14 (M a bin of 31).
type randAugment struct {
	n    int
	m    float64
	conv Convention
	// abs keeps TF's pixel constants absolute at every view size (tf only).
	abs bool
}

func (p randAugment) String() string {
	s := "randaugment:n=" + fmtFloat(float64(p.n)) + ",m=" + fmtFloat(p.m)
	if p.conv == TV {
		s += ",convention=tv"
	}
	if p.abs {
		s += ",pixels=abs"
	}
	return s
}

// randAugmentPixels is how TF RandAugment's translations and cutouts follow
// the view size: TF's constants at 224 px, or absolute with pixels=abs.
func randAugmentPixels(abs bool) pixelScale {
	if abs {
		return tfRandAugmentPixels.absolute()
	}
	return tfRandAugmentPixels
}

func (p randAugment) Convention() Convention { return p.conv }

func (p randAugment) Ops(r *rand.Rand, w, h int) []Op {
	return randAugmentOps(r, p.n, p.m, p.conv, randAugmentPixels(p.abs), w, h)
}

// randAugmentOps draws RandAugment's n ops at magnitude m; k sizes the tf
// convention's pixel-measured ops.
func randAugmentOps(r *rand.Rand, n int, m float64, conv Convention, k pixelScale, w, h int) []Op {
	ops := make([]Op, 0, n)
	for range n {
		if conv == TV {
			name := tvRandAugmentOps[r.IntN(len(tvRandAugmentOps))]
			op, _ := tvOp(name, int(m), tvSpace{bins: 31}, r, w, h)
			ops = append(ops, op)
			continue
		}
		i := r.IntN(len(tfRandAugmentOps) + 1)
		if i == len(tfRandAugmentOps) {
			ops = append(ops, Identity{})
			continue
		}
		op, _ := tfOp(tfRandAugmentOps[i], m, k, r, w, h)
		ops = append(ops, op)
	}
	return ops
}

// trivialAugment is torchvision's TrivialAugmentWide: one op, drawn
// uniformly, at a uniform bin of 31 of the wide magnitude space. Its
// translation (32 px in torchvision at every size) is 32/224 of the side
// unless abs.
type trivialAugment struct {
	abs bool
}

func (p trivialAugment) String() string {
	if p.abs {
		return "trivialaugment:pixels=abs"
	}
	return "trivialaugment"
}

func (trivialAugment) Convention() Convention { return TV }

func (p trivialAugment) Ops(r *rand.Rand, w, h int) []Op {
	name := tvTrivialOps[r.IntN(len(tvTrivialOps))]
	op, _ := tvOp(name, r.IntN(31), tvSpace{wide: true, bins: 31, absTranslate: p.abs}, r, w, h)
	return []Op{op}
}

// jitterOp draws PyTorch-style colour jitter of strength s (SupCon's
// color_jitter_rand): brightness, contrast and saturation factors from
// U[max(0, 1-0.8s), 1+0.8s], a hue shift from U(-0.2s, 0.2s), and a random
// order (drawn first).
func jitterOp(r *rand.Rand, s float64) ColorJitter {
	b := 0.8 * s
	var o ColorJitter
	copy(o.Order[:], r.Perm(4))
	for _, i := range o.Order {
		switch i {
		case 0:
			o.Brightness = uniform(r, max(0, 1-b), 1+b)
		case 1:
			o.Contrast = uniform(r, max(0, 1-b), 1+b)
		case 2:
			o.Saturation = uniform(r, max(0, 1-b), 1+b)
		case 3:
			o.Hue = uniform(r, -0.2*s, 0.2*s)
		}
	}
	return o
}

// warpOp draws SupCon's sparse warp: displacements N(0, 1)·L, L ~ U(0, 23).
func warpOp(r *rand.Rand) SparseWarp {
	l := uniform(r, 0, 23)
	var o SparseWarp
	for i := range o.Disp {
		o.Disp[i] = [2]float64{r.NormFloat64() * l, r.NormFloat64() * l}
	}
	return o
}

// blurOp draws SimCLR's random blur: sigma ~ U(0.1, 2), kernel height/10.
func blurOp(r *rand.Rand) GaussianBlur { return GaussianBlur{Sigma: uniform(r, 0.1, 2)} }

// simAugment is SupCon's _simclr_augment after the crop and flip: colour
// jitter (p 0.8), grayscale (p 0.2), sparse warp (p warp), blur (p blur).
type simAugment struct {
	strength, blur, warp float64
}

func (p simAugment) String() string {
	s := "simaugment:strength=" + fmtFloat(p.strength) + ",blur=" + fmtFloat(p.blur)
	if p.warp != 0 {
		s += ",warp=" + fmtFloat(p.warp)
	}
	return s
}

func (p simAugment) Convention() Convention { return TF }

func (p simAugment) Ops(r *rand.Rand, w, h int) []Op {
	var ops []Op
	if coin(r, 0.8) {
		ops = append(ops, jitterOp(r, p.strength))
	}
	if coin(r, 0.2) {
		ops = append(ops, Grayscale{})
	}
	if coin(r, p.warp) {
		ops = append(ops, warpOp(r))
	}
	if coin(r, p.blur) {
		ops = append(ops, blurOp(r))
	}
	return ops
}

// stackedRandAugment is SupCon's _stacked_simclr_randaugment, in the
// order of the code (the paper's appendix puts RandAugment before the
// jitter; the code runs it after): colour jitter (p 0.8), RandAugment(N, M)
// on the TF scale, grayscale (p 0.2), sparse warp (p warp), blur (p blur).
type stackedRandAugment struct {
	strength float64
	n        int
	m        float64
	blur     float64
	warp     float64
	// abs keeps TF's pixel constants absolute at every view size.
	abs bool
}

// stackedDefaults are the parameters of a bare "stacked-randaugment".
var stackedDefaults = stackedRandAugment{strength: 0.5, n: 2, m: 10, blur: 0.5, warp: 0}

func (p stackedRandAugment) String() string {
	s := "stacked-randaugment"
	var params []string
	d := stackedDefaults
	if p.strength != d.strength {
		params = append(params, "strength="+fmtFloat(p.strength))
	}
	if p.n != d.n {
		params = append(params, "n="+fmtFloat(float64(p.n)))
	}
	if p.m != d.m {
		params = append(params, "m="+fmtFloat(p.m))
	}
	if p.blur != d.blur {
		params = append(params, "blur="+fmtFloat(p.blur))
	}
	if p.warp != d.warp {
		params = append(params, "warp="+fmtFloat(p.warp))
	}
	if p.abs {
		params = append(params, "pixels=abs")
	}
	for i, q := range params {
		if i == 0 {
			s += ":"
		} else {
			s += ","
		}
		s += q
	}
	return s
}

func (p stackedRandAugment) Convention() Convention { return TF }

func (p stackedRandAugment) Ops(r *rand.Rand, w, h int) []Op {
	var ops []Op
	if coin(r, 0.8) {
		ops = append(ops, jitterOp(r, p.strength))
	}
	ops = append(ops, randAugmentOps(r, p.n, p.m, TF, randAugmentPixels(p.abs), w, h)...)
	if coin(r, 0.2) {
		ops = append(ops, Grayscale{})
	}
	if coin(r, p.warp) {
		ops = append(ops, warpOp(r))
	}
	if coin(r, p.blur) {
		ops = append(ops, blurOp(r))
	}
	return ops
}
