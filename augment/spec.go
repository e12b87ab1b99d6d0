package augment

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Parse reads a policy spec, the string users type on the command line:
//
//	spec    = "none"
//	        | "autoaugment" [ ":" NAME { "," params } ]  NAME: imagenet (default), v0, cifar10, svhn;
//	                                              convention=tf|tv, pixels=rel|abs
//	        | "randaugment" [ ":" params ]        n=N, m=M, convention=tf|tv, pixels=rel|abs
//	                                              (tf: n=2, m=10 on 0..10; tv: n=2, m=9, a bin of 31)
//	        | "trivialaugment" [ ":pixels=" P ]    torchvision's TrivialAugmentWide; pixels=rel|abs
//	        | "simaugment" [ ":" params ]         strength=S (0.5), blur=P (0.5), warp=P (0)
//	        | "stacked-randaugment" [ ":" params ] strength=S (0.5), n=N (2), m=M (10), blur=P (0.5),
//	                                              warp=P (0), pixels=rel|abs
//	        | "ops:" OP { "," OP } [ ",fill=" LEVEL ]  explicit ops with physical arguments, always applied
//	        | "corrupt:" CORRUPTION ",severity=" S  one ImageNet-C corruption, severity 1..5
//	params  = key "=" value { "," key "=" value }
//
// OP is a name from autocontrast, equalize, invert, identity, grayscale,
// flip, or name=value for rotate (degrees), shearx, sheary (factor),
// translatex, translatey (pixels), color, contrast, brightness, sharpness
// (enhance factor), posterize (bits), solarize (threshold), solarizeadd
// (addition), cutout (half-side), hue (turns), blur (sigma), warp (scale).
// fill is the grey level geometric ops and cutout leave (default 128).
//
// pixels says how the tf convention's pixel-measured arguments (TranslateX,
// TranslateY, Cutout) follow the view's side. rel, the default, makes them
// the fraction of the side that the policy's reference implementation used
// at its reference side: TF's constants at 224 px for the ImageNet
// AutoAugment policies, RandAugment and Stacked RandAugment, the original
// AutoAugment CIFAR code's at 32 px for cifar10 and svhn. abs keeps TF's
// constants as absolute pixels at every side (TF's augment.py bit for bit;
// at 224 px rel and abs agree for every policy but cifar10 and svhn). The
// tv convention already scales translations with the side (150/331), so its
// AutoAugment and RandAugment take no pixels parameter; trivialaugment
// does: torchvision translates it by up to 32 px at every size, which rel
// makes 32/224 of the side (torchvision's own at 224 px) and abs keeps.
//
// CORRUPTION is one of Corruptions() (gaussian_noise, shot_noise,
// impulse_noise, defocus_blur, glass_blur, motion_blur, zoom_blur, snow,
// fog, brightness, contrast, elastic_transform, pixelate,
// jpeg_compression) and S an integer 1..5, both required: every view gets
// that corruption (see Corruption for the parameter tables), its random
// draws seeded from the view's generator. For the corrupted test images of
// ImageNet-C or CIFAR-10-C use it with Options{Crop: CropNone}:
//
//	aug, err := augment.New("corrupt:fog,severity=3", augment.Options{Crop: augment.CropNone})
//	out, err := aug.View(img, seed, id, 0, 0) // img's size, fogged
//
// Names and keys are lower case; no spaces. The error names the spec and
// what is wrong with it. Policy.String gives the canonical form, which
// Parse reads back to an equal policy.
func Parse(spec string) (Policy, error) {
	p, err := parse(spec)
	if err != nil {
		return nil, fmt.Errorf("policy %q: %w", spec, err)
	}
	return p, nil
}

// policyNames lists the policy names for error messages.
const policyNames = "none, autoaugment, randaugment, trivialaugment, simaugment, stacked-randaugment, ops, corrupt"

// param is one key[=value] of a spec.
type param struct {
	key, val string
	hasVal   bool
}

func parse(spec string) (Policy, error) {
	if spec == "" {
		return nil, fmt.Errorf("empty spec (policies are %s)", policyNames)
	}
	name, rest, hasRest := strings.Cut(spec, ":")
	var params []param
	if hasRest {
		if rest == "" {
			return nil, fmt.Errorf("nothing after %q", name+":")
		}
		for _, s := range strings.Split(rest, ",") {
			if s == "" {
				return nil, fmt.Errorf("empty parameter (two commas, or a trailing comma)")
			}
			k, v, has := strings.Cut(s, "=")
			if k == "" {
				return nil, fmt.Errorf("parameter %q has no name", s)
			}
			params = append(params, param{key: k, val: v, hasVal: has})
		}
	}
	switch name {
	case "none":
		if len(params) > 0 {
			return nil, fmt.Errorf("none takes no parameters")
		}
		return nonePolicy{}, nil
	case "autoaugment":
		return parseAutoAugment(params)
	case "randaugment":
		return parseRandAugment(params)
	case "trivialaugment", "trivialaugmentwide":
		return parseTrivial(params)
	case "simaugment":
		return parseSimAugment(params)
	case "stacked-randaugment":
		return parseStacked(params)
	case "ops":
		return parseOps(params, hasRest)
	case "corrupt":
		return parseCorrupt(params)
	}
	return nil, fmt.Errorf("unknown policy %q (policies are %s)", name, policyNames)
}

// kv collects key=value parameters, rejecting unknown and repeated keys.
func kv(params []param, allowed ...string) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range params {
		if !contains(allowed, p.key) {
			return nil, fmt.Errorf("unknown parameter %q (parameters are %s)", p.key, strings.Join(allowed, ", "))
		}
		if !p.hasVal || p.val == "" {
			return nil, fmt.Errorf("parameter %s needs a value: %s=...", p.key, p.key)
		}
		if _, dup := m[p.key]; dup {
			return nil, fmt.Errorf("parameter %s given twice", p.key)
		}
		m[p.key] = p.val
	}
	return m, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortStrings(s []string) { sort.Strings(s) }

// number parses m[key] as a float in [lo, hi], or returns def when absent.
func number(m map[string]string, key string, def, lo, hi float64) (float64, error) {
	s, ok := m[key]
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v {
		return 0, fmt.Errorf("parameter %s: %q is not a number", key, s)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("parameter %s: %s out of range [%s, %s]", key, s, fmtFloat(lo), fmtFloat(hi))
	}
	return v, nil
}

// integer parses m[key] as an integer in [lo, hi], or returns def.
func integer(m map[string]string, key string, def, lo, hi int) (int, error) {
	s, ok := m[key]
	if !ok {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("parameter %s: %q is not an integer", key, s)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("parameter %s: %d out of range [%d, %d]", key, v, lo, hi)
	}
	return v, nil
}

// convention parses m["convention"].
func convention(m map[string]string) (Convention, error) {
	switch m["convention"] {
	case "", "tf":
		return TF, nil
	case "tv":
		return TV, nil
	}
	return TF, fmt.Errorf("parameter convention: %q is neither tf nor tv", m["convention"])
}

// pixelsParam parses m["pixels"]: rel (the default) or abs, which only the
// tf convention has.
func pixelsParam(m map[string]string, conv Convention) (abs bool, err error) {
	switch v := m["pixels"]; v {
	case "", "rel":
		return false, nil
	case "abs":
		if conv == TV {
			return false, fmt.Errorf("parameter pixels: abs exists only in the tf convention (tv translations are a fraction of the side already)")
		}
		return true, nil
	default:
		return false, fmt.Errorf("parameter pixels: %q is neither rel nor abs", v)
	}
}

func parseAutoAugment(params []param) (Policy, error) {
	name := "imagenet"
	if len(params) > 0 && !params[0].hasVal {
		name = params[0].key
		if _, ok := autoAugmentTables[name]; !ok {
			return nil, fmt.Errorf("unknown autoaugment policy %q (policies are %s)", name, strings.Join(autoAugmentNames, ", "))
		}
		params = params[1:]
	}
	m, err := kv(params, "convention", "pixels")
	if err != nil {
		return nil, err
	}
	conv, err := convention(m)
	if err != nil {
		return nil, err
	}
	if conv == TV && name == "v0" {
		return nil, fmt.Errorf("autoaugment v0 exists only in the tf convention (it uses SolarizeAdd)")
	}
	abs, err := pixelsParam(m, conv)
	if err != nil {
		return nil, err
	}
	return autoAugment{name: name, conv: conv, abs: abs}, nil
}

func parseRandAugment(params []param) (Policy, error) {
	m, err := kv(params, "n", "m", "convention", "pixels")
	if err != nil {
		return nil, err
	}
	conv, err := convention(m)
	if err != nil {
		return nil, err
	}
	abs, err := pixelsParam(m, conv)
	if err != nil {
		return nil, err
	}
	n, err := integer(m, "n", 2, 0, 100)
	if err != nil {
		return nil, err
	}
	if conv == TV {
		mag, err := integer(m, "m", 9, 0, 30)
		if err != nil {
			return nil, fmt.Errorf("%v (tv magnitudes are bins 0..30)", err)
		}
		return randAugment{n: n, m: float64(mag), conv: TV}, nil
	}
	mag, err := number(m, "m", 10, 0, 10)
	if err != nil {
		return nil, fmt.Errorf("%v (tf magnitudes are levels 0..10)", err)
	}
	return randAugment{n: n, m: mag, conv: TF, abs: abs}, nil
}

func parseTrivial(params []param) (Policy, error) {
	m, err := kv(params, "convention", "pixels")
	if err != nil {
		return nil, fmt.Errorf("%v (trivialaugment is torchvision's, convention tv)", err)
	}
	if c, ok := m["convention"]; ok && c != "tv" {
		return nil, fmt.Errorf("parameter convention: trivialaugment exists only in the tv convention")
	}
	switch v := m["pixels"]; v {
	case "", "rel":
		return trivialAugment{}, nil
	case "abs":
		return trivialAugment{abs: true}, nil
	default:
		return nil, fmt.Errorf("parameter pixels: %q is neither rel nor abs", v)
	}
}

func parseSimAugment(params []param) (Policy, error) {
	m, err := kv(params, "strength", "blur", "warp")
	if err != nil {
		return nil, err
	}
	var p simAugment
	if p.strength, err = number(m, "strength", 0.5, 0, 10); err != nil {
		return nil, err
	}
	if p.blur, err = number(m, "blur", 0.5, 0, 1); err != nil {
		return nil, err
	}
	if p.warp, err = number(m, "warp", 0, 0, 1); err != nil {
		return nil, err
	}
	return p, nil
}

func parseStacked(params []param) (Policy, error) {
	m, err := kv(params, "strength", "n", "m", "blur", "warp", "pixels")
	if err != nil {
		return nil, err
	}
	d := stackedDefaults
	var p stackedRandAugment
	if p.abs, err = pixelsParam(m, TF); err != nil {
		return nil, err
	}
	if p.strength, err = number(m, "strength", d.strength, 0, 10); err != nil {
		return nil, err
	}
	if p.n, err = integer(m, "n", d.n, 0, 100); err != nil {
		return nil, err
	}
	if p.m, err = number(m, "m", d.m, 0, 10); err != nil {
		return nil, err
	}
	if p.blur, err = number(m, "blur", d.blur, 0, 1); err != nil {
		return nil, err
	}
	if p.warp, err = number(m, "warp", d.warp, 0, 1); err != nil {
		return nil, err
	}
	return p, nil
}

func parseOps(params []param, hasRest bool) (Policy, error) {
	if !hasRest {
		return nil, fmt.Errorf("ops needs a list of ops, e.g. ops:rotate=30,posterize=4")
	}
	p := opsPolicy{fill: 128}
	fillSeen := false
	for _, q := range params {
		if q.key == "fill" {
			if fillSeen {
				return nil, fmt.Errorf("parameter fill given twice")
			}
			fillSeen = true
			v, err := strconv.Atoi(q.val)
			if err != nil || v < 0 || v > 255 {
				return nil, fmt.Errorf("parameter fill: %q is not a grey level 0..255", q.val)
			}
			p.fill = uint8(v)
			continue
		}
		it, err := parseOpItem(q.key, q.val, q.hasVal)
		if err != nil {
			return nil, err
		}
		p.items = append(p.items, it)
	}
	if len(p.items) == 0 {
		return nil, fmt.Errorf("ops needs at least one op")
	}
	return p, nil
}
