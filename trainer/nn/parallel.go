package nn

import (
	"fmt"
	"runtime"

	"github.com/supcon/supcon/internal/parallel"
)

// procs is the goroutine budget of the package's loops: runtime.GOMAXPROCS.
func procs() int { return runtime.GOMAXPROCS(0) }

// workers is how many goroutines parallelFor uses for n tasks.
func workers(n int) int { return parallel.Workers(procs(), n) }

// parallelFor runs body(worker, task) for every task in [0, n) on
// workers(n) goroutines with parallel.For: body must make its result
// independent of which worker runs which task; worker only selects
// per-goroutine scratch memory.
func parallelFor(n int, body func(worker, task int)) { parallel.For(procs(), n, body) }

// elemChunk is the piece size of the elementwise kernels.
const elemChunk = 1 << 15

// parallelRange splits [0, n) into pieces of elemChunk and runs body on each.
func parallelRange(n int, body func(lo, hi int)) {
	parallel.Chunks(procs(), n, elemChunk, func(_, lo, hi int) { body(lo, hi) })
}

func checkLen(name string, s []float32, want int) {
	if len(s) != want {
		panic(fmt.Sprintf("nn: %s has length %d, want %d", name, len(s), want))
	}
}
