package nn

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// workers is how many goroutines parallelFor uses for n tasks.
func workers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n))
}

// parallelFor runs body(worker, task) for every task in [0, n) on
// workers(n) goroutines (the caller is worker 0). Tasks are handed out
// dynamically, so body must make its result independent of which worker runs
// which task; worker only selects per-goroutine scratch memory.
func parallelFor(n int, body func(worker, task int)) {
	p := workers(n)
	if p == 1 {
		for t := 0; t < n; t++ {
			body(0, t)
		}
		return
	}
	var next atomic.Int64
	run := func(w int) {
		for {
			t := int(next.Add(1) - 1)
			if t >= n {
				return
			}
			body(w, t)
		}
	}
	var wg sync.WaitGroup
	wg.Add(p - 1)
	for w := 1; w < p; w++ {
		go func() {
			defer wg.Done()
			run(w)
		}()
	}
	run(0)
	wg.Wait()
}

// elemChunk is the piece size of the elementwise kernels.
const elemChunk = 1 << 15

// parallelRange splits [0, n) into pieces of elemChunk and runs body on each.
func parallelRange(n int, body func(lo, hi int)) {
	parallelFor((n+elemChunk-1)/elemChunk, func(_, t int) {
		lo := t * elemChunk
		body(lo, min(lo+elemChunk, n))
	})
}

func checkLen(name string, s []float32, want int) {
	if len(s) != want {
		panic(fmt.Sprintf("nn: %s has length %d, want %d", name, len(s), want))
	}
}
