package loss

import (
	"fmt"
	"math"
	"runtime"
)

// Kind selects a loss.
type Kind int

const (
	// SupConOut is L_out of Khosla et al.: -(1/|P(i)|) Σ_p log P_ip, the
	// paper's best. It is the zero Kind.
	SupConOut Kind = iota
	// SupConIn is L_in: -log((1/|P(i)|) Σ_p P_ip).
	SupConIn
	// SimCLR is NT-Xent: SupConOut with every image its own class, so an
	// anchor's positives are the other views of its image. Labels are ignored.
	SimCLR
	// NPairs is the multi-class N-pair loss with V = 2 views: the anchor's one
	// positive is the other view of its image, its negatives the other view of
	// images with a different label; logits are plain dot products (τ = 1).
	NPairs
	// Triplet is max(0, ||z_i - z_p||² - ||z_i - z_n||² + margin) with
	// batch-all or batch-hard mining (Options.Mining).
	Triplet
	// CrossEntropy is softmax cross-entropy on logits (one row of C logits per
	// example, labels in [0, C)), with optional label smoothing.
	CrossEntropy
)

var kindNames = [...]string{"supcon-out", "supcon-in", "simclr", "npairs", "triplet", "ce"}

// String returns the loss's command-line name, e.g. "supcon-out".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind returns the Kind named s (supcon-out, supcon-in, simclr, npairs,
// triplet or ce).
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n == s {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown loss %q (want supcon-out, supcon-in, simclr, npairs, triplet or ce)", s)
}

// MarshalText returns the loss's name, so that a stored Kind reads as
// "supcon-out" and not as a number.
func (k Kind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("unknown loss %d", int(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText sets k to the loss named by text, as ParseKind does.
func (k *Kind) UnmarshalText(text []byte) error {
	parsed, err := ParseKind(string(text))
	if err != nil {
		return err
	}
	*k = parsed
	return nil
}

// Mode selects the anchors of the contrastive losses.
type Mode int

const (
	// ModeAll makes every row an anchor (the zero Mode).
	ModeAll Mode = iota
	// ModeOne makes only view 0 of each image (rows 0..B-1) an anchor; every
	// row stays in the contrast set. It needs Options.Views.
	ModeOne
)

// ParseMode returns the Mode named "all" or "one".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "all":
		return ModeAll, nil
	case "one":
		return ModeOne, nil
	}
	return 0, fmt.Errorf("unknown contrast mode %q (want all or one)", s)
}

// String returns "all" or "one".
func (m Mode) String() string {
	if m == ModeOne {
		return "one"
	}
	return "all"
}

// Mining selects the triplets of the triplet loss.
type Mining int

const (
	// BatchAll averages the hinge over the active triplets (those with a
	// positive hinge, "BA≠0" of Hermans et al. 2017): averaging over every
	// valid triplet would shrink the loss as easy triplets pile up.
	BatchAll Mining = iota
	// BatchHard uses, for each anchor, its farthest positive and nearest
	// negative, and averages over anchors that have both.
	BatchHard
)

// ParseMining returns the Mining named "all" or "hard".
func ParseMining(s string) (Mining, error) {
	switch s {
	case "all":
		return BatchAll, nil
	case "hard":
		return BatchHard, nil
	}
	return 0, fmt.Errorf("unknown triplet mining %q (want all or hard)", s)
}

// String returns "all" or "hard".
func (m Mining) String() string {
	if m == BatchHard {
		return "hard"
	}
	return "all"
}

// DefaultTemperature is τ when Options.Temperature is 0: the paper's value
// for all its results.
const DefaultTemperature = 0.1

// maxWorkersPerCPU caps Options.Workers.
const maxWorkersPerCPU = 4

// minTemperature bounds τ to [1e-6, 1e6], where 1/τ is a float32 with room to spare.
const minTemperature = 1e-6

// DefaultMargin is the triplet margin when Options.Margin is 0 (FaceNet's).
const DefaultMargin = 0.2

// Options configures a loss; the zero value is SupCon L_out with τ = 0.1,
// c = 1, every row an anchor, inputs used as given (already unit length) and
// one worker per available CPU.
type Options struct {
	// Loss selects the loss.
	Loss Kind
	// Temperature is τ of SupCon and SimCLR; 0 means DefaultTemperature.
	Temperature float64
	// BaseTemperature, when positive and Scale is 0, sets the scale c to
	// τ/BaseTemperature: the PyTorch reference's convention (its default
	// base_temperature is 0.07). TensorFlow's scale_by_temperature is
	// BaseTemperature = 1.
	BaseTemperature float64
	// Scale is c, the factor on SupCon and SimCLR. 0 means τ/BaseTemperature
	// when BaseTemperature is set, else 1: the paper's formula, which is also
	// what the PyTorch reference computes with its defaults (temperature =
	// base_temperature = 0.07), so values agree with both unless a user changes
	// one temperature without the other.
	Scale float64
	// Mode selects the anchors of SupCon, SimCLR, N-pairs and triplet.
	Mode Mode
	// Views is V: the rows are V blocks of B = M/V rows, view by view. 0 means
	// 1 (2 for N-pairs). Needed by ModeOne, SimCLR and N-pairs.
	Views int
	// Normalize L2-normalises every row here, z = w/max(||w||, 1e-12), and
	// returns the gradient with respect to w. When false the rows are used as
	// given, as the PyTorch reference does (it expects unit vectors).
	// Ignored by CrossEntropy.
	Normalize bool
	// Margin is the triplet margin α; 0 means DefaultMargin.
	Margin float64
	// Mining selects batch-all or batch-hard triplets.
	Mining Mining
	// LabelSmoothing ε in [0, 1) mixes the one-hot cross-entropy target with
	// the uniform distribution: (1-ε)·onehot + ε/C.
	LabelSmoothing float64
	// ImageKeys, optional (nil: no copies), names the source image of every
	// row (len M, the rows' layout: row v*B + b is view v of batch row b), as
	// trainer/input's Batch.ImageKeys returns it. Rows i and j are copies when
	// ImageKeys[i] == ImageKeys[j] and i mod B != j mod B: two batch rows
	// showing the same image, as class-balanced batches make when they pad a
	// class by sampling with replacement. Views of one batch row (i mod B ==
	// j mod B) are not copies and stay positives as usual; they must share a
	// key. Copies are left out of each other's positives P(i) and also out of
	// the contrast set A(i): they are neither positives (trivial ones) nor
	// negatives (that would push identical images apart). The relation is
	// symmetric, so the gradient's G + Gᵀ form is unchanged. Copies must have
	// the same label where labels are used. Used by SupCon, SimCLR and
	// N-pairs; the triplet loss and cross-entropy reject it. With all keys
	// distinct the results are bit-identical to nil.
	ImageKeys []int
	// Workers is the number of goroutines; 0 means runtime.GOMAXPROCS(0),
	// and at most 4 per CPU are used. Results are bit-identical for any value.
	Workers int
}

// resolved holds Options with defaults applied and validated.
type resolved struct {
	Options
	tau, scale, margin float64
	views, workers     int
}

// resolve applies the defaults of o for m rows and validates it.
func (o Options) resolve(m int) (resolved, error) {
	r := resolved{Options: o, tau: o.Temperature, scale: o.Scale, margin: o.Margin, views: o.Views, workers: o.Workers}
	if o.Loss < SupConOut || o.Loss > CrossEntropy {
		return r, fmt.Errorf("unknown loss %v", o.Loss)
	}
	if o.Mode != ModeAll && o.Mode != ModeOne {
		return r, fmt.Errorf("unknown contrast mode %d", int(o.Mode))
	}
	if o.Mining != BatchAll && o.Mining != BatchHard {
		return r, fmt.Errorf("unknown triplet mining %d", int(o.Mining))
	}
	if r.tau == 0 {
		r.tau = DefaultTemperature
	}
	if !(r.tau >= minTemperature && r.tau <= 1/minTemperature) {
		return r, fmt.Errorf("temperature %g: want a number in [%g, %g]", o.Temperature, minTemperature, 1/minTemperature)
	}
	if o.BaseTemperature < 0 || math.IsNaN(o.BaseTemperature) || math.IsInf(o.BaseTemperature, 0) {
		return r, fmt.Errorf("base temperature %g: want a positive finite number (or 0 for c = 1)", o.BaseTemperature)
	}
	if r.scale == 0 {
		r.scale = 1
		if o.BaseTemperature > 0 {
			r.scale = r.tau / o.BaseTemperature
		}
	}
	if math.IsNaN(r.scale) || math.IsInf(r.scale, 0) {
		return r, fmt.Errorf("scale %g: want a finite number", r.scale)
	}
	if r.margin == 0 {
		r.margin = DefaultMargin
	}
	if r.margin < 0 || math.IsNaN(r.margin) || math.IsInf(r.margin, 0) {
		return r, fmt.Errorf("margin %g: want a non-negative finite number", o.Margin)
	}
	if !(o.LabelSmoothing >= 0 && o.LabelSmoothing < 1) {
		return r, fmt.Errorf("label smoothing %g: want a number in [0, 1)", o.LabelSmoothing)
	}
	if r.views == 0 {
		r.views = 1
		if o.Loss == NPairs {
			r.views = 2
		}
	}
	if r.views < 0 {
		return r, fmt.Errorf("views %d: want a positive number", o.Views)
	}
	if o.Loss != CrossEntropy && m%r.views != 0 {
		return r, fmt.Errorf("%d rows are not %d views of the same number of images", m, r.views)
	}
	if o.Loss == NPairs && r.views != 2 {
		return r, fmt.Errorf("npairs needs exactly 2 views, have %d", r.views)
	}
	if r.workers <= 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	// Each worker holds a blockRows×M tile: more workers than CPUs only cost memory.
	r.workers = min(r.workers, maxWorkersPerCPU*runtime.NumCPU())
	return r, nil
}

// Result is a loss's value and what went into it.
type Result struct {
	// Value is the loss: c times the mean over the anchors that count.
	Value float64
	// Anchors is the number of anchor rows considered (M in ModeAll, B in
	// ModeOne; the examples for CrossEntropy).
	Anchors int
	// Counted is the number of anchors in the mean: those with at least one
	// positive (and, for the triplet loss, one negative).
	Counted int
	// WithoutPositives is the number of anchors left out for having no
	// positive (a singleton class with V = 1, say).
	WithoutPositives int
	// NoPositivePair is true when no anchor counts: the value is 0 and the
	// gradient is zero, not NaN.
	NoPositivePair bool
	// Temperature and Scale are the τ and c used: 1 and 1 for N-pairs, 0 for
	// the triplet loss and cross-entropy, which have neither.
	Temperature, Scale float64
	// Triplets is the number of valid triplets (anchor, positive, negative)
	// for batch-all, or of anchors with both for batch-hard; ActiveTriplets
	// those with a positive hinge, the denominator of batch-all.
	Triplets, ActiveTriplets int64
}
