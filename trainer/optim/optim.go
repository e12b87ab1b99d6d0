package optim

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Kind says how a parameter is treated by weight decay and LARS.
type Kind uint8

const (
	// Weight is a weight matrix or convolution kernel: it gets weight decay
	// and, under LARS, the layer-wise trust ratio.
	Weight Kind = iota
	// NoDecay is a bias or a batch-norm gamma/beta: no weight decay, and
	// LARS updates it with plain momentum SGD (trust ratio 1).
	NoDecay
)

// String returns "weight" or "nodecay".
func (k Kind) String() string {
	switch k {
	case Weight:
		return "weight"
	case NoDecay:
		return "nodecay"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Param is one parameter tensor, flattened. The optimiser keeps the pointer
// and reads Value and Grad afresh at every [Optimizer.Step], so the caller may
// point them at new slices between steps as long as the lengths stay the same.
// A nil Grad means "no gradient this step": the parameter and its state are
// left alone, as PyTorch does for a parameter whose .grad is None.
type Param struct {
	// Name identifies the parameter; it must be unique and non-empty, and
	// keys the parameter's state in checkpoints.
	Name string
	// Value is updated in place.
	Value []float32
	// Grad is the gradient of the loss with respect to Value; the optimiser
	// never writes to it.
	Grad []float32
	// Kind selects weight decay and LARS adaptation.
	Kind Kind
}

// Config holds the hyperparameters; each field says which optimisers read it,
// and the others ignore it. Start from [Defaults]: New takes every value as
// given, so a zero field means zero, not "default".
type Config struct {
	// Momentum μ (sgd, nesterov, lars, rmsprop), in [0, 1).
	Momentum float64
	// Nesterov selects Nesterov momentum (sgd, lars); it needs Momentum > 0.
	// The name "nesterov" sets it.
	Nesterov bool
	// WeightDecay (all) is the L2 coefficient, ≥ 0, applied to [Weight]
	// parameters only: added to the gradient as wd·p, except for adamw,
	// which decays the weights directly (p ← p·(1 − lr·wd)).
	WeightDecay float64
	// TrustCoef is LARS's η (lars), > 0.
	TrustCoef float64
	// Alpha is RMSProp's smoothing constant (rmsprop), in [0, 1).
	Alpha float64
	// Beta1 and Beta2 are Adam's moment decay rates (adam, adamw), in [0, 1).
	Beta1, Beta2 float64
	// Eps is the denominator's ε (rmsprop, adam, adamw), ≥ 0.
	Eps float64
}

type algo uint8

const (
	algoSGD algo = iota
	algoLARS
	algoRMSProp
	algoAdam
	algoAdamW
)

var algoNames = []string{"sgd", "lars", "rmsprop", "adam", "adamw"}

// Names lists the optimiser names that [New] and [Defaults] accept.
func Names() []string {
	return []string{"sgd", "nesterov", "lars", "rmsprop", "adam", "adamw"}
}

func parseName(name string) (a algo, nesterov bool, err error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "sgd":
		return algoSGD, false, nil
	case "nesterov":
		return algoSGD, true, nil
	case "lars":
		return algoLARS, false, nil
	case "rmsprop":
		return algoRMSProp, false, nil
	case "adam":
		return algoAdam, false, nil
	case "adamw":
		return algoAdamW, false, nil
	}
	return 0, false, fmt.Errorf("optim: unknown optimiser %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// Defaults returns the recommended hyperparameters for the named optimiser:
//
//	sgd       momentum 0.9, wd 1e-4 (the paper's CIFAR setting; our CLI default)
//	nesterov  as sgd, with Nesterov momentum
//	lars      momentum 0.9, wd 1e-6, η 0.001 (SimCLR's LARS defaults)
//	rmsprop   α 0.99, ε 1e-8, momentum 0, wd 0 (PyTorch's defaults)
//	adam      β 0.9/0.999, ε 1e-8, wd 0 (PyTorch's defaults)
//	adamw     β 0.9/0.999, ε 1e-8, wd 0.01 (PyTorch's defaults)
func Defaults(name string) (Config, error) {
	a, nesterov, err := parseName(name)
	if err != nil {
		return Config{}, err
	}
	switch a {
	case algoSGD:
		return Config{Momentum: 0.9, Nesterov: nesterov, WeightDecay: 1e-4}, nil
	case algoLARS:
		return Config{Momentum: 0.9, WeightDecay: 1e-6, TrustCoef: 0.001}, nil
	case algoRMSProp:
		return Config{Alpha: 0.99, Eps: 1e-8}, nil
	case algoAdam:
		return Config{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, nil
	default: // algoAdamW
		return Config{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}, nil
	}
}

func checkRange(field string, v, lo, hi float64, hiOpen bool) error {
	bad := math.IsNaN(v) || v < lo || v > hi || (hiOpen && v == hi)
	if !bad {
		return nil
	}
	closing := "]"
	if hiOpen {
		closing = ")"
	}
	if math.IsInf(hi, 1) {
		return fmt.Errorf("optim: %s = %v, want a finite value ≥ %v", field, v, lo)
	}
	return fmt.Errorf("optim: %s = %v, want a value in [%v, %v%s", field, v, lo, hi, closing)
}

func (c Config) validate(a algo) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	inf := math.Inf(1)
	add(checkRange("WeightDecay", c.WeightDecay, 0, inf, true))
	switch a {
	case algoSGD, algoLARS, algoRMSProp:
		add(checkRange("Momentum", c.Momentum, 0, 1, true))
	}
	if c.Nesterov {
		switch a {
		case algoSGD, algoLARS:
			if c.Momentum == 0 {
				add(errors.New("optim: Nesterov needs Momentum > 0, have 0"))
			}
		default:
			add(fmt.Errorf("optim: %s has no Nesterov momentum (Nesterov = true)", algoNames[a]))
		}
	}
	switch a {
	case algoLARS:
		add(checkRange("TrustCoef", c.TrustCoef, 0, inf, true))
		if c.TrustCoef == 0 {
			add(errors.New("optim: TrustCoef = 0, want > 0 (SimCLR uses 0.001)"))
		}
	case algoRMSProp:
		add(checkRange("Alpha", c.Alpha, 0, 1, true))
		add(checkRange("Eps", c.Eps, 0, inf, true))
	case algoAdam, algoAdamW:
		add(checkRange("Beta1", c.Beta1, 0, 1, true))
		add(checkRange("Beta2", c.Beta2, 0, 1, true))
		add(checkRange("Eps", c.Eps, 0, inf, true))
	}
	return errors.Join(errs...)
}

// paramState is one parameter's optimiser state.
type paramState struct {
	steps int64       // Steps taken by this parameter (those with a gradient).
	bufs  [][]float32 // Per-algorithm buffers, see bufNames.
}

// bufNames names the per-parameter buffers of an algorithm, in order.
func bufNames(a algo, c Config) []string {
	switch a {
	case algoSGD:
		if c.Momentum != 0 {
			return []string{"momentum"}
		}
		return nil
	case algoLARS:
		return []string{"momentum"}
	case algoRMSProp:
		if c.Momentum != 0 {
			return []string{"square_avg", "momentum"}
		}
		return []string{"square_avg"}
	default:
		return []string{"exp_avg", "exp_avg_sq"}
	}
}

// Optimizer updates a fixed list of parameters. It is not safe for
// concurrent use.
type Optimizer struct {
	name   string
	algo   algo
	cfg    Config
	params []*Param
	state  []paramState
	steps  int64
}

// New returns the named optimiser ("sgd", "nesterov", "lars", "rmsprop",
// "adam" or "adamw", case-insensitive) over params with hyperparameters cfg.
// "nesterov" is "sgd" with cfg.Nesterov forced on. It checks cfg and the
// parameters (unique non-empty names, a known Kind, Grad nil or as long as
// Value) and allocates the state, zeroed.
func New(name string, cfg Config, params []*Param) (*Optimizer, error) {
	a, nesterov, err := parseName(name)
	if err != nil {
		return nil, err
	}
	if nesterov {
		cfg.Nesterov = true
	}
	if err := cfg.validate(a); err != nil {
		return nil, err
	}
	seen := make(map[string]int, len(params))
	for i, p := range params {
		if p == nil {
			return nil, fmt.Errorf("optim: params[%d] is nil", i)
		}
		if p.Name == "" {
			return nil, fmt.Errorf("optim: params[%d] has an empty name", i)
		}
		if j, ok := seen[p.Name]; ok {
			return nil, fmt.Errorf("optim: params[%d] and params[%d] are both named %q", j, i, p.Name)
		}
		seen[p.Name] = i
		if p.Kind > NoDecay {
			return nil, fmt.Errorf("optim: param %q has unknown kind %d", p.Name, p.Kind)
		}
		if p.Grad != nil && len(p.Grad) != len(p.Value) {
			return nil, fmt.Errorf("optim: param %q has %d values but %d gradients", p.Name, len(p.Value), len(p.Grad))
		}
	}
	o := &Optimizer{
		name:   algoNames[a],
		algo:   a,
		cfg:    cfg,
		params: append([]*Param(nil), params...),
		state:  make([]paramState, len(params)),
	}
	nb := len(bufNames(a, cfg))
	for i, p := range params {
		bufs := make([][]float32, nb)
		for j := range bufs {
			bufs[j] = make([]float32, len(p.Value))
		}
		o.state[i].bufs = bufs
	}
	return o, nil
}

// Name returns the algorithm: "sgd" (also for "nesterov"; see
// [Optimizer.Config]), "lars", "rmsprop", "adam" or "adamw".
func (o *Optimizer) Name() string { return o.name }

// Config returns the hyperparameters in use.
func (o *Optimizer) Config() Config { return o.cfg }

// Steps returns how many times [Optimizer.Step] has succeeded, counting
// those loaded from a checkpoint: the step number to ask the schedule for next.
func (o *Optimizer) Steps() int64 { return o.steps }

// Step applies one update with learning rate lr (finite, ≥ 0) to every
// parameter that has a gradient. It returns an error, and changes nothing,
// when lr is invalid or a parameter's Value or Grad length no longer matches.
func (o *Optimizer) Step(lr float64) error {
	if math.IsNaN(lr) || math.IsInf(lr, 0) || lr < 0 {
		return fmt.Errorf("optim: learning rate %v, want a finite value ≥ 0", lr)
	}
	for i, p := range o.params {
		if p.Grad != nil && len(p.Grad) != len(p.Value) {
			return fmt.Errorf("optim: param %q has %d values but %d gradients", p.Name, len(p.Value), len(p.Grad))
		}
		for _, b := range o.state[i].bufs {
			if len(b) != len(p.Value) {
				return fmt.Errorf("optim: param %q now has %d values, its state %d", p.Name, len(p.Value), len(b))
			}
		}
	}
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		st := &o.state[i]
		wd := 0.0
		if p.Kind == Weight {
			wd = o.cfg.WeightDecay
		}
		switch o.algo {
		case algoSGD:
			o.stepSGD(p, st, lr, wd)
		case algoLARS:
			o.stepLARS(p, st, lr, wd)
		case algoRMSProp:
			o.stepRMSProp(p, st, lr, wd)
		case algoAdam, algoAdamW:
			o.stepAdam(p, st, lr, wd)
		}
		st.steps++
	}
	o.steps++
	return nil
}
