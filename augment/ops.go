package augment

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// opsPolicy applies an explicit list of ops with physical arguments, every
// time ("ops:rotate=30,posterize=4"). Only the cutout centre and the warp
// displacements are drawn at random.
type opsPolicy struct {
	items []opItem
	fill  uint8
}

// opItem is one op of an ops: policy, kept with its canonical text.
type opItem struct {
	name string
	arg  float64
	text string
}

// opArg describes how an ops: item takes its argument.
type opArg struct {
	need    bool // requires "=value"
	integer bool
	lo, hi  float64
	help    string
}

// opArgs lists the op names an ops: policy accepts.
var opArgs = map[string]opArg{
	"identity":     {},
	"autocontrast": {},
	"equalize":     {},
	"invert":       {},
	"grayscale":    {},
	"flip":         {},
	"rotate":       {need: true, lo: -360, hi: 360, help: "degrees counter-clockwise"},
	"shearx":       {need: true, lo: -10, hi: 10, help: "shear factor"},
	"sheary":       {need: true, lo: -10, hi: 10, help: "shear factor"},
	"translatex":   {need: true, lo: -1e5, hi: 1e5, help: "pixels"},
	"translatey":   {need: true, lo: -1e5, hi: 1e5, help: "pixels"},
	"color":        {need: true, lo: -10, hi: 10, help: "enhance factor"},
	"contrast":     {need: true, lo: -10, hi: 10, help: "enhance factor"},
	"brightness":   {need: true, lo: -10, hi: 10, help: "enhance factor"},
	"sharpness":    {need: true, lo: -10, hi: 10, help: "enhance factor"},
	"posterize":    {need: true, integer: true, lo: 0, hi: 8, help: "bits kept"},
	"solarize":     {need: true, lo: 0, hi: 256, help: "threshold"},
	"solarizeadd":  {need: true, integer: true, lo: -255, hi: 255, help: "addition below 128"},
	"cutout":       {need: true, integer: true, lo: 0, hi: 1e5, help: "half-side in pixels"},
	"hue":          {need: true, lo: -0.5, hi: 0.5, help: "hue shift in turns"},
	"blur":         {need: true, lo: 0, hi: 100, help: "sigma in pixels"},
	"warp":         {need: true, lo: 0, hi: 1000, help: "displacement scale in pixels"},
}

// opNames returns the accepted op names, sorted.
func opNames() string {
	names := make([]string, 0, len(opArgs))
	for n := range opArgs {
		names = append(names, n)
	}
	sortStrings(names)
	return strings.Join(names, ", ")
}

// parseOpItem reads "name" or "name=value".
func parseOpItem(key, val string, hasVal bool) (opItem, error) {
	a, ok := opArgs[key]
	if !ok {
		return opItem{}, fmt.Errorf("unknown op %q (ops are %s; or fill=LEVEL)", key, opNames())
	}
	if !a.need {
		if hasVal {
			return opItem{}, fmt.Errorf("op %s takes no argument", key)
		}
		return opItem{name: key, text: key}, nil
	}
	if !hasVal || val == "" {
		return opItem{}, fmt.Errorf("op %s needs an argument: %s=<%s>", key, key, a.help)
	}
	v, err := strconv.ParseFloat(val, 64)
	if err != nil || v != v {
		return opItem{}, fmt.Errorf("op %s: %q is not a number", key, val)
	}
	if a.integer && v != float64(int64(v)) {
		return opItem{}, fmt.Errorf("op %s: %q is not an integer", key, val)
	}
	if v < a.lo || v > a.hi {
		return opItem{}, fmt.Errorf("op %s: %s out of range [%s, %s] (%s)", key, val, fmtFloat(a.lo), fmtFloat(a.hi), a.help)
	}
	return opItem{name: key, arg: v, text: key + "=" + fmtFloat(v)}, nil
}

func (p opsPolicy) String() string {
	parts := make([]string, 0, len(p.items)+1)
	for _, it := range p.items {
		parts = append(parts, it.text)
	}
	if p.fill != 128 {
		parts = append(parts, "fill="+strconv.Itoa(int(p.fill)))
	}
	return "ops:" + strings.Join(parts, ",")
}

func (p opsPolicy) Convention() Convention { return TF }

func (p opsPolicy) Ops(r *rand.Rand, w, h int) []Op {
	ops := make([]Op, 0, len(p.items))
	for _, it := range p.items {
		ops = append(ops, it.op(r, w, h, p.fill))
	}
	return ops
}

// op builds the item's op; cutout and warp draw from r.
func (it opItem) op(r *rand.Rand, w, h int, fill uint8) Op {
	v := it.arg
	switch it.name {
	case "autocontrast":
		return AutoContrast{}
	case "equalize":
		return Equalize{}
	case "invert":
		return Invert{}
	case "grayscale":
		return Grayscale{}
	case "flip":
		return FlipH{}
	case "rotate":
		return Rotate{Degrees: v, Fill: fill}
	case "shearx":
		return ShearX{S: v, Fill: fill}
	case "sheary":
		return ShearY{S: v, Fill: fill}
	case "translatex":
		return TranslateX{Pixels: v, Fill: fill}
	case "translatey":
		return TranslateY{Pixels: v, Fill: fill}
	case "color":
		return Color{Factor: v}
	case "contrast":
		return Contrast{Factor: v}
	case "brightness":
		return Brightness{Factor: v}
	case "sharpness":
		return Sharpness{Factor: v}
	case "posterize":
		return Posterize{Bits: int(v)}
	case "solarize":
		return Solarize{Threshold: v}
	case "solarizeadd":
		return SolarizeAdd{Addition: int(v), Threshold: 128}
	case "cutout":
		c := randomCutout(r, int(v), w, h)
		c.Fill = fill
		return c
	case "hue":
		return Hue{Shift: v}
	case "blur":
		return GaussianBlur{Sigma: v}
	case "warp":
		var o SparseWarp
		for i := range o.Disp {
			o.Disp[i] = [2]float64{r.NormFloat64() * v, r.NormFloat64() * v}
		}
		return o
	}
	return Identity{}
}
