package loss

import (
	"math"
	"testing"
)

func TestExpNonPos(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 2000000; i++ {
		x := -745 + float64(i)*(745+5)/2000000
		got, want := expNonPos(x), math.Exp(x)
		if want == 0 {
			if got != 0 {
				t.Fatalf("expNonPos(%g) = %g, want 0", x, got)
			}
			continue
		}
		rel := math.Abs(got-want) / want
		worst = math.Max(worst, rel)
	}
	if worst > 1e-15 {
		t.Errorf("worst relative error %g, want <= 1e-15", worst)
	}
	for _, x := range []float64{math.Inf(-1), -1e308, 800, math.Inf(1)} {
		if got, want := expNonPos(x), math.Exp(x); got != want {
			t.Errorf("expNonPos(%g) = %g, want %g", x, got, want)
		}
	}
	if !math.IsNaN(expNonPos(math.NaN())) {
		t.Error("expNonPos(NaN) is not NaN")
	}
}

var expSink float64

func BenchmarkExpNonPos(b *testing.B) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += expNonPos(-float64(i&1023) * 0.01)
	}
	expSink = s
}

func BenchmarkMathExp(b *testing.B) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += math.Exp(-float64(i&1023) * 0.01)
	}
	expSink = s
}
