package loss

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSimCLRIsSupConWithImageLabels checks NT-Xent against SupCon L_out with
// the image id as the label, value and gradient, in both modes.
func TestSimCLRIsSupConWithImageLabels(t *testing.T) {
	for _, tc := range []struct {
		views int
		mode  Mode
		norm  bool
	}{{2, ModeAll, false}, {2, ModeOne, true}, {3, ModeAll, true}, {4, ModeOne, false}} {
		p := newProblem(3, 10, tc.views, 24, 3, !tc.norm)
		o := Options{Loss: SimCLR, Views: tc.views, Mode: tc.mode, Normalize: tc.norm}
		simclr, gs := p.run(t, o)
		p.labels = ImageLabels(10, tc.views)
		o.Loss = SupConOut
		sup, gu := p.run(t, o)
		if simclr.Value != sup.Value || simclr.Counted != sup.Counted {
			t.Errorf("V=%d %v: SimCLR %+v, SupCon with image labels %+v", tc.views, tc.mode, simclr, sup)
		}
		for k := range gs {
			if gs[k] != gu[k] {
				t.Fatalf("V=%d %v: gradient %d differs: %g vs %g", tc.views, tc.mode, k, gs[k], gu[k])
			}
		}
	}
}

// TestInvariance permutes the images (keeping the view-major layout) and
// renames the labels: the value must not change and the gradient must move
// with its rows.
func TestInvariance(t *testing.T) {
	const b, v, d = 16, 2, 20
	for _, o := range gradCases() {
		if o.Loss == CrossEntropy {
			continue
		}
		t.Run(name(o), func(t *testing.T) {
			p := newProblem(5, b, v, d, 4, true)
			res, g := p.run(t, o)
			r := rand.New(rand.NewPCG(8, 8))
			perm := r.Perm(b) // new image k is old image perm[k]
			q := problem{m: p.m, d: d, w32: make([]float32, p.m*d), labels: make([]int, p.m)}
			for vv := range v {
				for k := range b {
					dst, src := vv*b+k, vv*b+perm[k]
					copy(q.w32[dst*d:(dst+1)*d], p.w32[src*d:(src+1)*d])
					q.labels[dst] = 1000 - 7*p.labels[src] // renamed classes
				}
			}
			res2, g2 := q.run(t, o)
			if math.Abs(res.Value-res2.Value) > 1e-6*(1+math.Abs(res.Value)) || res.Counted != res2.Counted {
				t.Errorf("value %.9g (counted %d) after permutation and renaming: %.9g (counted %d)", res.Value, res.Counted, res2.Value, res2.Counted)
			}
			for vv := range v {
				for k := range b {
					dst, src := vv*b+k, vv*b+perm[k]
					for e := range d {
						a, c := g[src*d+e], g2[dst*d+e]
						if math.Abs(float64(a-c)) > 1e-5*(1e-3+math.Abs(float64(a))) && math.Abs(float64(a-c)) > 1e-7 {
							t.Fatalf("row %d gradient moved to row %d differs at %d: %g vs %g", src, dst, e, a, c)
						}
					}
				}
			}
		})
	}
}

// TestDeterministicAcrossWorkers checks bit-identical results for any
// number of workers, and that a reused Workspace gives the same bits.
func TestDeterministicAcrossWorkers(t *testing.T) {
	p := newProblem(9, 70, 2, 36, 6, false)
	for _, o := range gradCases() {
		if o.Loss == CrossEntropy {
			continue
		}
		o.Workers = 1
		want, wg := p.run(t, o)
		var ws Workspace
		for _, w := range []int{2, 3, 8} {
			o.Workers = w
			g := Matrix{Rows: p.m, Cols: p.d, Data: make([]float32, p.m*p.d)}
			for range 2 {
				got, err := ws.Compute(&g, Matrix{Rows: p.m, Cols: p.d, Data: p.w32}, p.labels, o)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%s workers=%d: %+v, with 1 worker %+v", name(o), w, got, want)
				}
				for k := range wg {
					if g.Data[k] != wg[k] {
						t.Fatalf("%s workers=%d: gradient %d = %g, with 1 worker %g", name(o), w, k, g.Data[k], wg[k])
					}
				}
			}
		}
	}
}

// TestWorkspaceReuseDoesNotAllocate checks the steady state of a training
// loop: the same sizes again allocate nothing but the goroutines' closures.
func TestWorkspaceReuseDoesNotAllocate(t *testing.T) {
	p := newProblem(2, 64, 2, 32, 5, true)
	z := Matrix{Rows: p.m, Cols: p.d, Data: p.w32}
	g := Matrix{Rows: p.m, Cols: p.d, Data: make([]float32, p.m*p.d)}
	var ws Workspace
	o := Options{Workers: 1}
	if _, err := ws.Compute(&g, z, p.labels, o); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := ws.Compute(&g, z, p.labels, o); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 4 {
		t.Errorf("%v allocations per call with a reused Workspace, want at most 4", allocs)
	}
}
