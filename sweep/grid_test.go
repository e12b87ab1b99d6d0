package sweep

import (
	"strings"
	"testing"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer"
)

func TestParseGrid(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
		points        int
	}{
		{in: "loss=supcon-out,ce;optimizer=sgd,lars;lr=0.05,0.1;k=1,3,5", want: "loss=supcon-out,ce;optimizer=sgd,lars;lr=0.05,0.1;k=1,3,5", points: 24},
		{in: " k = 1 , 3 ; ", want: "k=1,3", points: 2},
		{in: "model=mlp", want: "model=mlp", points: 1},
		{in: "", err: "no settings"},
		{in: "lr", err: "has no '='"},
		{in: "batch=1,2", err: `grid key "batch": not a setting`},
		{in: "k=1;k=2", err: `grid key "k": given twice`},
		{in: "k=1,1", err: `value "1" given twice`},
		{in: "k=1,", err: `value "": empty`},
		{in: "k=1,x", err: `grid key "k": "x" is not an integer`},
		{in: "lr=fast", err: `grid key "lr": "fast" is not a number`},
		{in: "loss=hinge", err: `grid key "loss"`},
		{in: "model=a/b", err: `'/' is not allowed`},
	} {
		g, err := ParseGrid(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseGrid(%q): error %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseGrid(%q): %v", tc.in, err)
			continue
		}
		if g.String() != tc.want || len(g.Points()) != tc.points {
			t.Errorf("ParseGrid(%q) = %q with %d points, want %q with %d", tc.in, g, len(g.Points()), tc.want, tc.points)
		}
	}
}

func TestPointsApply(t *testing.T) {
	g, err := ParseGrid("loss=supcon-out,ce;optimizer=sgd,lars;k=1,3,5")
	if err != nil {
		t.Fatal(err)
	}
	pts := g.Points()
	p := pts[9] // 9 = 1·6 + 1·3 + 0: ce, lars, k=1
	if p.Name != "009_loss-ce_optimizer-lars_k-1" {
		t.Fatalf("point 9 is %q", p.Name)
	}
	c := trainer.DefaultConfig()
	if err := p.Apply(&c); err != nil {
		t.Fatal(err)
	}
	if c.Loss != loss.CrossEntropy || c.Optimizer != "lars" || c.K != 1 {
		t.Errorf("applied %s: loss %v optimizer %s k %d", p.Name, c.Loss, c.Optimizer, c.K)
	}
	seen := map[string]bool{}
	for _, p := range pts {
		if seen[p.Name] {
			t.Errorf("point name %s twice", p.Name)
		}
		seen[p.Name] = true
	}
}

func TestApplyBatchImages(t *testing.T) {
	for _, tc := range []struct {
		grid    string
		p, k    int
		wantErr string
	}{
		{grid: "k=1;batch-images=10", p: 10, k: 1},
		{grid: "batch-images=10;k=5", p: 2, k: 5},
		{grid: "batch-images=10;k=3", wantErr: "batch-images 10 is not a multiple of K 3"},
		{grid: "batch-images=2;k=5", wantErr: "not a multiple of K 5"},
	} {
		g, err := ParseGrid(tc.grid)
		if err != nil {
			t.Fatal(err)
		}
		c := trainer.DefaultConfig()
		err = g.Points()[0].Apply(&c)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.grid, err, tc.wantErr)
			}
			continue
		}
		if err != nil || c.P != tc.p || c.K != tc.k {
			t.Errorf("%s: P %d K %d (%v), want P %d K %d", tc.grid, c.P, c.K, err, tc.p, tc.k)
		}
	}
}
