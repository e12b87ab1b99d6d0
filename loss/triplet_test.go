package loss

import (
	"sort"
	"testing"
)

func TestBounds(t *testing.T) {
	s := []float64{1, 2, 2, 2, 5, 7, 7, 9}
	for n := 0; n <= len(s); n++ {
		for _, x := range []float64{0, 1, 1.5, 2, 3, 5, 6, 7, 8, 9, 10} {
			sub := s[:n]
			wantLo := sort.Search(n, func(i int) bool { return sub[i] >= x })
			wantUp := sort.Search(n, func(i int) bool { return sub[i] > x })
			if got := lowerBound(sub, x); got != wantLo {
				t.Errorf("lowerBound(%v, %g) = %d, want %d", sub, x, got, wantLo)
			}
			if got := upperBound(sub, x); got != wantUp {
				t.Errorf("upperBound(%v, %g) = %d, want %d", sub, x, got, wantUp)
			}
		}
	}
}
