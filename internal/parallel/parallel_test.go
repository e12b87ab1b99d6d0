package parallel

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
)

// TestChunksCoverOnce checks that every item is visited exactly once, in
// chunks whose bounds depend only on n and chunk, and that worker numbers
// stay below Workers.
func TestChunksCoverOnce(t *testing.T) {
	for _, tc := range []struct{ workers, n, chunk int }{
		{1, 0, 4}, {3, 0, 4}, {1, 10, 4}, {4, 10, 4}, {8, 10, 3}, {0, 7, 2}, {-1, 7, 7}, {5, 100, 1}, {2, 5, 10},
	} {
		t.Run(fmt.Sprintf("w%d/n%d/c%d", tc.workers, tc.n, tc.chunk), func(t *testing.T) {
			seen := make([]atomic.Int32, tc.n)
			starts := make([]atomic.Int32, tc.n)
			limit := Workers(tc.workers, (tc.n+tc.chunk-1)/tc.chunk)
			Chunks(tc.workers, tc.n, tc.chunk, func(w, lo, hi int) {
				if w < 0 || w >= limit {
					t.Errorf("worker %d, want [0, %d)", w, limit)
				}
				if lo%tc.chunk != 0 || hi != min(lo+tc.chunk, tc.n) {
					t.Errorf("chunk [%d, %d) of size %d over %d", lo, hi, tc.chunk, tc.n)
				}
				starts[lo].Add(1)
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if seen[i].Load() != 1 {
					t.Errorf("item %d visited %d times", i, seen[i].Load())
				}
				if i%tc.chunk == 0 && starts[i].Load() != 1 {
					t.Errorf("chunk at %d started %d times", i, starts[i].Load())
				}
			}
		})
	}
}

// TestForSameResult: a body that writes per task gives the same output for
// any worker count.
func TestForSameResult(t *testing.T) {
	run := func(workers int) []float64 {
		out := make([]float64, 257)
		scratch := make([][]float64, Workers(workers, len(out)))
		For(workers, len(out), func(w, k int) {
			scratch[w] = append(scratch[w][:0], float64(k)/3)
			out[k] = scratch[w][0] * scratch[w][0]
		})
		return out
	}
	want := run(1)
	for _, w := range []int{2, 3, 8, 64} {
		if got := run(w); !slices.Equal(got, want) {
			t.Errorf("workers %d: result differs from one worker", w)
		}
	}
}

func TestWorkers(t *testing.T) {
	for _, tc := range []struct{ workers, n, want int }{
		{4, 10, 4}, {4, 2, 2}, {0, 5, 1}, {-3, 5, 1}, {4, 0, 1},
	} {
		if got := Workers(tc.workers, tc.n); got != tc.want {
			t.Errorf("Workers(%d, %d) = %d, want %d", tc.workers, tc.n, got, tc.want)
		}
	}
}
