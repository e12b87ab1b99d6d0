package loss

import (
	"fmt"
	"math"
	"testing"
)

// gradCases are every loss in every mode, with and without normalisation.
func gradCases() []Options {
	var cs []Options
	for _, k := range []Kind{SupConOut, SupConIn, SimCLR, NPairs, Triplet} {
		for _, mode := range []Mode{ModeAll, ModeOne} {
			for _, norm := range []bool{false, true} {
				o := Options{Loss: k, Mode: mode, Normalize: norm, Views: 2}
				cs = append(cs, o)
				if k == Triplet {
					o.Mining = BatchHard
					cs = append(cs, o)
				}
			}
		}
	}
	cs = append(cs,
		Options{Loss: SupConOut, Temperature: 0.07, BaseTemperature: 0.07, Views: 2},
		Options{Loss: SupConOut, Temperature: 0.5, Scale: 2.5, Views: 2, Normalize: true},
		Options{Loss: SupConIn, Temperature: 0.05, BaseTemperature: 1, Views: 2},
		Options{Loss: Triplet, Margin: 0.5, Views: 2, Normalize: true},
		Options{Loss: CrossEntropy},
		Options{Loss: CrossEntropy, LabelSmoothing: 0.1},
	)
	return cs
}

func name(o Options) string {
	return fmt.Sprintf("%v/mode=%v/norm=%v/mining=%v/tau=%g/c=%g", o.Loss, o.Mode, o.Normalize, o.Mining, o.Temperature, o.Scale)
}

// TestGradientFiniteDifferences checks value and gradient of every loss and
// mode against the float64 oracle and its central finite differences. The
// shapes (d = 20, M = 24) run the assembly kernels and their scalar tails.
func TestGradientFiniteDifferences(t *testing.T) {
	for _, o := range gradCases() {
		t.Run(name(o), func(t *testing.T) {
			p := newProblem(7, 12, 2, 20, 4, !o.Normalize && o.Loss != CrossEntropy)
			if o.Normalize {
				for k := range p.w32 { // break scale invariance: rows of varied norm
					p.w32[k] *= float32(1 + k%3)
					p.w64[k] = float64(p.w32[k])
				}
			}
			res, g := p.run(t, o)
			want := refLoss(p.w64, p.m, p.d, p.labels, o)
			if math.Abs(res.Value-want) > 1e-5*(1+math.Abs(want)) {
				t.Errorf("value %.9g, oracle %.9g", res.Value, want)
			}
			if res.Value <= 0 && o.Loss != CrossEntropy {
				t.Errorf("value %g: the test problem should have a positive loss", res.Value)
			}
			compareGrad(t, "finite differences", g, refGradFD(p.w64, p.m, p.d, p.labels, o), 2e-4)
		})
	}
}

// TestClosedForm compares SupCon's gradient with the closed form of docs/loss.md,
// c/(n·τ)(G + Gᵀ)Z, evaluated naively in float64.
func TestClosedForm(t *testing.T) {
	for _, o := range gradCases() {
		if o.Loss != SupConOut && o.Loss != SupConIn {
			continue
		}
		t.Run(name(o), func(t *testing.T) {
			p := newProblem(11, 24, 2, 33, 5, !o.Normalize)
			_, g := p.run(t, o)
			compareGrad(t, "closed form", g, refClosedForm(p.w64, p.m, p.d, p.labels, o), 1e-4)
		})
	}
}
