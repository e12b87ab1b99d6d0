package optim

import (
	"math"
	"strings"
	"testing"
)

// The references below were computed in float64 from the PyTorch / SimCLR
// formulas (see each update function's comment), starting from w0 with the
// gradients grads[t] and learning rates lrs[t], the float32 inputs widened
// exactly to float64.
var (
	w0    = []float32{1.0, -2.0, 0.5}
	grads = [][]float32{{0.1, -0.2, 0.3}, {0.4, 0.1, -0.5}, {-0.3, 0.2, 0.05}}
	lrs   = []float64{0.1, 0.1, 0.05}
)

// run applies len(grads) steps to a copy of w0 and returns the values after
// each step.
func run(t *testing.T, name string, cfg Config, kind Kind) [][]float32 {
	t.Helper()
	p := &Param{Name: "w", Value: append([]float32(nil), w0...), Kind: kind}
	o, err := New(name, cfg, []*Param{p})
	if err != nil {
		t.Fatalf("New(%q): %v", name, err)
	}
	var out [][]float32
	for i, g := range grads {
		p.Grad = g
		if err := o.Step(lrs[i]); err != nil {
			t.Fatalf("Step %d: %v", i, err)
		}
		out = append(out, append([]float32(nil), p.Value...))
	}
	if o.Steps() != int64(len(grads)) {
		t.Errorf("Steps() = %d, want %d", o.Steps(), len(grads))
	}
	return out
}

func TestHandComputed(t *testing.T) {
	tests := []struct {
		name string
		algo string
		cfg  Config
		kind Kind
		want [][]float64
	}{
		{"sgd plain", "sgd", Config{}, Weight, [][]float64{
			{0.9899999998509884, -1.9799999997019768, 0.4699999988079071},
			{0.9499999992549419, -1.9899999998509885, 0.5199999988079071},
			{0.9649999998509884, -2.0, 0.5174999987706542},
		}},
		{"sgd momentum wd", "sgd", Config{Momentum: 0.9, WeightDecay: 0.01}, Weight, [][]float64{
			{0.9889999998509884, -1.9779999997019768, 0.4694999988079071},
			{0.9381109991209805, -1.9662219995830656, 0.4915804977362156},
			{0.9297418938889629, -1.9699387886787756, 0.4987709319678334},
		}},
		{"sgd nodecay ignores wd", "sgd", Config{WeightDecay: 0.5}, NoDecay, [][]float64{
			{0.9899999998509884, -1.9799999997019768, 0.4699999988079071},
			{0.9499999992549419, -1.9899999998509885, 0.5199999988079071},
			{0.9649999998509884, -2.0, 0.5174999987706542},
		}},
		{"nesterov by name", "nesterov", Config{Momentum: 0.9, WeightDecay: 0.01}, Weight, [][]float64{
			{0.9790999997168779, -1.9581999994337558, 0.4420499977350235},
			{0.8923297084642281, -1.9556594194765549, 0.5115051017737318},
			{0.8993759605780764, -1.9680394722631238, 0.5152228911726656},
		}},
		{"nesterov by option", "sgd", Config{Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}, Weight, [][]float64{
			{0.9790999997168779, -1.9581999994337558, 0.4420499977350235},
			{0.8923297084642281, -1.9556594194765549, 0.5115051017737318},
			{0.8993759605780764, -1.9680394722631238, 0.5152228911726656},
		}},
		{"lars weight", "lars", Config{Momentum: 0.9, WeightDecay: 0.01, TrustCoef: 0.001}, Weight, [][]float64{
			{0.9999356745582889, -1.9998713491165778, 0.4998216430888825},
			{0.9997327545560916, -1.9997838617927217, 0.4998362164714572},
			{0.9996462111430472, -1.9997647620766883, 0.4998311102875783},
		}},
		{"lars nesterov weight", "lars", Config{Momentum: 0.9, Nesterov: true, WeightDecay: 0.01, TrustCoef: 0.001}, Weight, [][]float64{
			{0.9998777816607489, -1.9997555633214978, 0.49966112186887673},
			{0.9995501467754903, -1.9997051201095768, 0.4998493096505036},
			{0.9995683394271708, -1.9997475605753603, 0.4998264844228988},
		}},
		// Excluded: no decay, trust ratio 1, so momentum SGD with lr in the velocity.
		{"lars nodecay", "lars", Config{Momentum: 0.9, WeightDecay: 0.01, TrustCoef: 0.001}, NoDecay, [][]float64{
			{0.9899999998509884, -1.9799999997019768, 0.4699999988079071},
			{0.9409999991208315, -1.9719999995827675, 0.4929999977350235},
			{0.9118999990597367, -1.9747999996244907, 0.5111999967321753},
		}},
		{"rmsprop defaults", "rmsprop", Config{Alpha: 0.99, Eps: 1e-8}, Weight, [][]float64{
			{9.99998985617978e-07, -1.000000499999743, -0.4999996666667905},
			{-0.9704267266885354, -1.4490135534538702, 0.35863027786529245},
			{-0.6752295356343738, -1.7840185266412973, 0.31564226642772636},
		}},
		{"rmsprop momentum wd", "rmsprop", Config{Alpha: 0.9, Eps: 1e-3, Momentum: 0.5, WeightDecay: 0.01}, Weight, [][]float64{
			{0.6926091008924257, -1.6882532779890322, 0.18701727737039592},
			{0.23488656220580195, -1.6477548326376739, 0.302476704303158},
			{0.21447190094758767, -1.7396558467636491, 0.3161597311408136},
		}},
		{"adam l2", "adam", Config{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}, Weight, [][]float64{
			{0.9000000090909082, -1.9000000045454544, 0.4000000032786883},
			{0.8107428784471975, -1.8628462569352144, 0.4283113134998622},
			{0.8004742292672014, -1.871048536105133, 0.43623964209894656},
		}},
		{"adamw decoupled", "adamw", Config{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1}, Weight, [][]float64{
			{0.8900000099999988, -1.8800000049999996, 0.39500000333333307},
			{0.7926623638751168, -1.8345663026686756, 0.4204061213868622},
			{0.7798636375058902, -1.8390283099154605, 0.4268781447451548},
		}},
		{"adam small beta1 (other lerp branch)", "adam", Config{Beta1: 0.3, Beta2: 0.999, Eps: 1e-8}, Weight, [][]float64{
			{0.9000000099999989, -1.9000000049999997, 0.4000000033333331},
			{0.7865721343291534, -1.9194630951286595, 0.4764830028548673},
			{0.8074630973951067, -1.9634912401627704, 0.484255560092968},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.algo, tc.cfg, tc.kind)
			for s := range tc.want {
				for i, w := range tc.want[s] {
					if d := math.Abs(float64(got[s][i]) - w); d > 2e-6*math.Max(1, math.Abs(w)) {
						t.Errorf("step %d, w[%d] = %.9g, want %.9g (diff %.3g)", s+1, i, got[s][i], w, d)
					}
				}
			}
		})
	}
}

func TestLARSTrustRatio(t *testing.T) {
	const lr = 0.1
	tests := []struct {
		name      string
		w, g      []float32
		wd        float64
		kind      Kind
		wantTrust float64
	}{
		// ‖w‖ = √5.25, d = g + 0.01·w, ‖d‖ = √(0.11² + 0.22² + 0.295²).
		{"weight", []float32{1, -2, 0.5}, []float32{0.1, -0.2, 0.3}, 0.01, Weight, 0.005847767349062797},
		{"zero weights: ratio 1", []float32{0, 0, 0}, []float32{1, 2, 2}, 0, Weight, 1},
		{"zero gradient: ratio 1", []float32{3, 4, 0}, []float32{0, 0, 0}, 0, Weight, 1},
		{"nodecay excluded: ratio 1", []float32{3, 4, 0}, []float32{1, 2, 2}, 0.5, NoDecay, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Param{Name: "p", Value: append([]float32(nil), tc.w...), Grad: tc.g, Kind: tc.kind}
			o, err := New("lars", Config{Momentum: 0.9, WeightDecay: tc.wd, TrustCoef: 0.001}, []*Param{p})
			if err != nil {
				t.Fatal(err)
			}
			if err := o.Step(lr); err != nil {
				t.Fatal(err)
			}
			// First step, velocity 0: w1 = w0 − lr·trust·d.
			for i := range tc.w {
				d := float64(tc.g[i])
				if tc.kind == Weight {
					d += tc.wd * float64(tc.w[i])
				}
				want := float64(tc.w[i]) - lr*tc.wantTrust*d
				if diff := math.Abs(float64(p.Value[i]) - want); diff > 1e-6*math.Max(1, math.Abs(want)) {
					t.Errorf("w[%d] = %.9g, want %.9g (trust %g)", i, p.Value[i], want, tc.wantTrust)
				}
			}
		})
	}
}

func TestNilGradSkipsParam(t *testing.T) {
	a := &Param{Name: "a", Value: []float32{1, 2}, Grad: []float32{1, 1}}
	b := &Param{Name: "b", Value: []float32{1, 2}}
	o, err := New("sgd", Config{Momentum: 0.9}, []*Param{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Step(0.1); err != nil {
		t.Fatal(err)
	}
	if b.Value[0] != 1 || b.Value[1] != 2 {
		t.Fatalf("param without gradient changed: %v", b.Value)
	}
	// b's first real step initialises its momentum buffer to its gradient,
	// while a's second step uses momentum.
	b.Grad = []float32{1, 1}
	if err := o.Step(0.1); err != nil {
		t.Fatal(err)
	}
	if want := float32(1) - float32(0.1); b.Value[0] != want {
		t.Errorf("b after its first step = %v, want %v", b.Value[0], want)
	}
	// a: 1 − 0.1·1 − 0.1·(0.9·1 + 1) = 0.71.
	if d := math.Abs(float64(a.Value[0]) - 0.71); d > 1e-6 {
		t.Errorf("a after two steps = %v, want 0.71", a.Value[0])
	}
}

func TestDefaults(t *testing.T) {
	for _, name := range Names() {
		cfg, err := Defaults(name)
		if err != nil {
			t.Fatalf("Defaults(%q): %v", name, err)
		}
		p := &Param{Name: "w", Value: []float32{1}, Grad: []float32{1}}
		o, err := New(name, cfg, []*Param{p})
		if err != nil {
			t.Fatalf("New(%q, Defaults): %v", name, err)
		}
		if err := o.Step(0.01); err != nil {
			t.Fatal(err)
		}
		if !(p.Value[0] < 1) {
			t.Errorf("%s: a positive gradient did not decrease the weight: %v", name, p.Value[0])
		}
	}
	cfg, _ := Defaults("SGD")
	if cfg != (Config{Momentum: 0.9, WeightDecay: 1e-4}) {
		t.Errorf("Defaults(sgd) = %+v, want the paper's CIFAR setting", cfg)
	}
	if cfg, _ := Defaults("nesterov"); !cfg.Nesterov {
		t.Error("Defaults(nesterov) has Nesterov off")
	}
}

func TestNewErrors(t *testing.T) {
	ok := func() []*Param { return []*Param{{Name: "w", Value: []float32{1}, Grad: []float32{1}}} }
	nan := math.NaN()
	tests := []struct {
		name   string
		algo   string
		cfg    Config
		params []*Param
		want   string
	}{
		{"unknown name", "adagrad", Config{}, ok(), `unknown optimiser "adagrad"`},
		{"momentum 1", "sgd", Config{Momentum: 1}, ok(), "Momentum = 1"},
		{"momentum negative", "lars", Config{Momentum: -0.1, TrustCoef: 0.001}, ok(), "Momentum = -0.1"},
		{"momentum NaN", "rmsprop", Config{Momentum: nan, Alpha: 0.99}, ok(), "Momentum = NaN"},
		{"weight decay negative", "adam", Config{WeightDecay: -1e-4, Beta1: 0.9, Beta2: 0.999}, ok(), "WeightDecay = -0.0001"},
		{"weight decay inf", "sgd", Config{WeightDecay: math.Inf(1)}, ok(), "WeightDecay = +Inf"},
		{"nesterov without momentum", "nesterov", Config{}, ok(), "Nesterov needs Momentum > 0"},
		{"nesterov on adam", "adam", Config{Nesterov: true, Beta1: 0.9, Beta2: 0.999}, ok(), "adam has no Nesterov"},
		{"trust zero", "lars", Config{Momentum: 0.9}, ok(), "TrustCoef = 0"},
		{"alpha 1", "rmsprop", Config{Alpha: 1}, ok(), "Alpha = 1"},
		{"beta2 1", "adamw", Config{Beta1: 0.9, Beta2: 1}, ok(), "Beta2 = 1"},
		{"eps negative", "adam", Config{Beta1: 0.9, Beta2: 0.999, Eps: -1}, ok(), "Eps = -1"},
		{"nil param", "sgd", Config{}, []*Param{nil}, "params[0] is nil"},
		{"empty name", "sgd", Config{}, []*Param{{Value: []float32{1}}}, "params[0] has an empty name"},
		{"duplicate name", "sgd", Config{}, []*Param{{Name: "w"}, {Name: "w"}}, `params[0] and params[1] are both named "w"`},
		{"length mismatch", "sgd", Config{}, []*Param{{Name: "w", Value: []float32{1, 2}, Grad: []float32{1}}}, `param "w" has 2 values but 1 gradients`},
		{"unknown kind", "sgd", Config{}, []*Param{{Name: "w", Kind: 7}}, `param "w" has unknown kind 7`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.algo, tc.cfg, tc.params)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestStepErrors(t *testing.T) {
	tests := []struct {
		name  string
		lr    float64
		grad  []float32
		value []float32
		want  string
	}{
		{"lr NaN", math.NaN(), []float32{1}, []float32{1}, "learning rate NaN"},
		{"lr negative", -0.1, []float32{1}, []float32{1}, "learning rate -0.1"},
		{"grad resized", 0.1, []float32{1, 2}, []float32{1}, `param "w" has 1 values but 2 gradients`},
		{"value resized", 0.1, []float32{1, 2}, []float32{1, 2}, `param "w" now has 2 values, its state 1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Param{Name: "w", Value: []float32{1}, Grad: []float32{1}}
			o, err := New("sgd", Config{Momentum: 0.9}, []*Param{p})
			if err != nil {
				t.Fatal(err)
			}
			p.Grad, p.Value = tc.grad, tc.value
			before := append([]float32(nil), p.Value...)
			err = o.Step(tc.lr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Step error = %v, want one containing %q", err, tc.want)
			}
			if o.Steps() != 0 || p.Value[0] != before[0] {
				t.Errorf("a failed Step changed something: steps %d, value %v", o.Steps(), p.Value)
			}
		})
	}
}
