package augment

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/disintegration/gift"
)

// corruptionNames are the corruptions of ImageNet-C and CIFAR-10-C
// (Hendrycks & Dietterich 2019) but frost, in their order.
var corruptionNames = []string{
	"gaussian_noise", "shot_noise", "impulse_noise",
	"defocus_blur", "glass_blur", "motion_blur", "zoom_blur",
	"snow", "fog", "brightness", "contrast",
	"elastic_transform", "pixelate", "jpeg_compression",
}

// Corruptions returns the names of the 14 corruptions (every ImageNet-C
// corruption but frost, which needs the frost photographs), in
// ImageNet-C's order: gaussian_noise, shot_noise, impulse_noise,
// defocus_blur, glass_blur, motion_blur, zoom_blur, snow, fog, brightness,
// contrast, elastic_transform, pixelate, jpeg_compression. The slice is a
// copy.
func Corruptions() []string { return append([]string(nil), corruptionNames...) }

// MaxSeverity is the highest corruption severity; severities run 1..5.
const MaxSeverity = 5

// corruptionFuncs applies each corruption: f writes the corrupted src to
// dst (same size) with parameters from table t, drawing from r.
var corruptionFuncs = map[string]func(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand){
	"gaussian_noise":    gaussianNoise,
	"shot_noise":        shotNoise,
	"impulse_noise":     impulseNoise,
	"defocus_blur":      defocusBlur,
	"glass_blur":        glassBlur,
	"motion_blur":       motionBlur,
	"zoom_blur":         zoomBlur,
	"snow":              snow,
	"fog":               fog,
	"brightness":        brightnessHSV,
	"contrast":          contrastMean,
	"elastic_transform": elasticTransform,
	"pixelate":          pixelate,
	"jpeg_compression":  jpegCompression,
}

// Corruption is one ImageNet-C corruption at one severity, as an op: a
// gift.Filter that keeps the image's size. Its random draws (noise,
// shuffles, angles, fractals) come from a generator seeded with Seed, which
// the corrupt: policy draws from the view's generator, so a corrupted view
// is a pure function of (image, seed, id, view, epoch).
//
// The parameters come from ImageNet-C's table (224 px) or CIFAR-10-C's
// (32 px), chosen by the image's shorter side: up to 84 px CIFAR-10-C's,
// from 85 px ImageNet-C's (84.7 is the geometric mean of 32 and 224: each
// image gets the table of the reference size nearest to it in scale).
// Parameters measured in pixels (blur radii and sigmas, shuffle distances,
// snow flake zoom and streak length, elastic displacements) are scaled by
// side/reference, so that a corruption looks the same at 448 px as at
// 224 px; the others (noise levels, zoom factors, brightness, contrast,
// pixelation factor, JPEG quality, fog strength) are used as they are. At
// 224 and 32 px the tables are the reference's exactly. docs/corruptions.md
// lists both tables.
type Corruption struct {
	// Name is one of Corruptions().
	Name string
	// Severity is 1..5.
	Severity int
	// Seed seeds the corruption's random generator.
	Seed uint64
}

// Bounds returns the bounds of the result: the source's size.
func (Corruption) Bounds(b image.Rectangle) image.Rectangle { return sameBounds(b) }

// Draw writes the corrupted src to dst. It panics on an unknown name or
// severity (the corrupt: policy checks both).
func (o Corruption) Draw(dst draw.Image, src image.Image, _ *gift.Options) { drawOp(o, dst, src) }

// String returns "NAME=SEVERITY", e.g. "fog=3".
func (o Corruption) String() string { return o.Name + "=" + strconv.Itoa(o.Severity) }

func (o Corruption) apply(dst, src *image.RGBA) {
	f, ok := corruptionFuncs[o.Name]
	if !ok {
		panic(fmt.Sprintf("augment: unknown corruption %q", o.Name))
	}
	if o.Severity < 1 || o.Severity > MaxSeverity {
		panic(fmt.Sprintf("augment: corruption %s: severity %d not in 1..%d", o.Name, o.Severity, MaxSeverity))
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if w == 0 || h == 0 {
		return // no pixels: nothing to corrupt
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x5c0ffee5c0ffee))
	f(dst, src, tableFor(w, h), o.Severity-1, r)
}

// corruptTable selects the reference parameters for an image: the table
// (CIFAR-10-C's or ImageNet-C's) and the factor k = side/reference that
// scales the parameters measured in pixels.
type corruptTable struct {
	cifar bool
	// k is the image's shorter side over the table's reference side (32
	// or 224).
	k float64
}

// cifarMaxSide is the largest shorter side that gets CIFAR-10-C's table:
// sqrt(32·224) = 84.7.
const cifarMaxSide = 84

// tableFor returns the table of a w×h image.
func tableFor(w, h int) corruptTable {
	s := min(w, h)
	if s <= cifarMaxSide {
		return corruptTable{cifar: true, k: float64(s) / 32}
	}
	return corruptTable{k: float64(s) / 224}
}

// CorruptionTable names the parameter table Corruption uses for a w×h
// image, "cifar-10-c" (shorter side up to 84 px) or "imagenet-c", and the
// factor side/reference (reference 32 or 224 px) by which it scales the
// parameters measured in pixels.
func CorruptionTable(w, h int) (table string, scale float64) {
	t := tableFor(w, h)
	if t.cifar {
		return "cifar-10-c", t.k
	}
	return "imagenet-c", t.k
}

// pick returns the parameter of severity index sev from the table's row.
func pick[T any](t corruptTable, imagenet, cifar [5]T, sev int) T {
	if t.cifar {
		return cifar[sev]
	}
	return imagenet[sev]
}

// corruptPolicy applies one corruption at one severity to every view.
type corruptPolicy struct {
	name     string
	severity int
}

func (p corruptPolicy) String() string {
	return "corrupt:" + p.name + ",severity=" + strconv.Itoa(p.severity)
}

func (corruptPolicy) Convention() Convention { return TF }

func (p corruptPolicy) Ops(r *rand.Rand, _, _ int) []Op {
	return []Op{Corruption{Name: p.name, Severity: p.severity, Seed: r.Uint64()}}
}

// parseCorrupt reads "corrupt:NAME,severity=S".
func parseCorrupt(params []param) (Policy, error) {
	names := strings.Join(corruptionNames, ", ")
	if len(params) == 0 || params[0].hasVal {
		return nil, fmt.Errorf("corrupt needs a corruption name first, e.g. corrupt:fog,severity=3 (corruptions are %s)", names)
	}
	name := params[0].key
	if _, ok := corruptionFuncs[name]; !ok {
		if name == "frost" {
			return nil, fmt.Errorf("corruption frost is left out: it blends in ImageNet-C's frost photographs, which are not shipped (corruptions are %s)", names)
		}
		return nil, fmt.Errorf("unknown corruption %q (corruptions are %s)", name, names)
	}
	m, err := kv(params[1:], "severity")
	if err != nil {
		return nil, err
	}
	if _, ok := m["severity"]; !ok {
		return nil, fmt.Errorf("corrupt:%s needs a severity: corrupt:%s,severity=1..%d", name, name, MaxSeverity)
	}
	sev, err := integer(m, "severity", 0, 1, MaxSeverity)
	if err != nil {
		return nil, err
	}
	return corruptPolicy{name: name, severity: sev}, nil
}

// fimg is an RGB image of float64 samples in [0, 1] (more where a
// corruption overshoots), row-major, three samples a pixel: numpy's
// np.array(img) / 255.
type fimg struct {
	w, h int
	p    []float64
}

// newFimg returns a black w×h float image.
func newFimg(w, h int) fimg { return fimg{w: w, h: h, p: make([]float64, 3*w*h)} }

// toFloat returns src's samples divided by 255.
func toFloat(src *image.RGBA) fimg {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	f := newFimg(w, h)
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride:][:4*w]
		out := f.p[3*w*y:][:3*w]
		for x := 0; x < w; x++ {
			out[3*x] = float64(row[4*x]) / 255
			out[3*x+1] = float64(row[4*x+1]) / 255
			out[3*x+2] = float64(row[4*x+2]) / 255
		}
	}
	return f
}

// store writes f to dst as the reference saves its results:
// np.uint8(np.clip(x, 0, 1) * 255), which truncates.
func (f fimg) store(dst *image.RGBA) {
	for y := 0; y < f.h; y++ {
		row := dst.Pix[y*dst.Stride:][:4*f.w]
		in := f.p[3*f.w*y:][:3*f.w]
		for x := 0; x < f.w; x++ {
			row[4*x] = trunc8(in[3*x])
			row[4*x+1] = trunc8(in[3*x+1])
			row[4*x+2] = trunc8(in[3*x+2])
			row[4*x+3] = 0xff
		}
	}
}

// trunc8 is np.uint8(np.clip(v, 0, 1) * 255).
func trunc8(v float64) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(v * 255)
}

// clip01 clamps v to [0, 1].
func clip01(v float64) float64 { return math.Min(math.Max(v, 0), 1) }
