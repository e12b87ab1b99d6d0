// Package parallel runs loops of independent tasks on several goroutines so
// that the result does not depend on the schedule.
//
// The tasks, and with Chunks their boundaries, depend only on the loop's
// length and chunk size, never on the number of goroutines or on which
// goroutine runs what. A body that writes only its own task's output, and
// uses the worker number only to pick per-goroutine scratch memory, therefore
// gives bit-identical results for any worker count: the determinism the loss
// and the training kernels promise.
package parallel

import (
	"sync"
	"sync/atomic"
)

// Workers returns how many goroutines For uses for n tasks with a budget of
// workers goroutines: max(1, min(workers, n)).
func Workers(workers, n int) int {
	return max(1, min(workers, n))
}

// For calls body(worker, task) for every task in [0, n) on Workers(workers,
// n) goroutines, the caller being worker 0, and returns when all are done.
// Tasks are handed out dynamically, so body must make its result independent
// of which worker runs which task; worker, in [0, Workers(workers, n)), only
// selects per-goroutine scratch memory.
func For(workers, n int, body func(worker, task int)) {
	if Workers(workers, n) == 1 {
		for t := 0; t < n; t++ {
			body(0, t)
		}
		return
	}
	run(workers, &loop{tasks: n, task: body})
}

// Chunks calls body(worker, lo, hi) for the chunks [lo, hi) of chunk items
// (the last one shorter) that cover [0, n), as For's tasks: on at most
// workers goroutines, with the same rules for body.
func Chunks(workers, n, chunk int, body func(worker, lo, hi int)) {
	tasks := (n + chunk - 1) / chunk
	if Workers(workers, tasks) == 1 {
		for lo := 0; lo < n; lo += chunk {
			body(0, lo, min(lo+chunk, n))
		}
		return
	}
	run(workers, &loop{tasks: tasks, n: n, chunk: chunk, chunks: body})
}

// loop is the shared state of one parallel loop: either task or chunks is set.
type loop struct {
	next     atomic.Int64
	tasks    int
	n, chunk int
	task     func(worker, task int)
	chunks   func(worker, lo, hi int)
}

// work takes tasks of l until none is left.
func (l *loop) work(w int) {
	for {
		k := int(l.next.Add(1) - 1)
		if k >= l.tasks {
			return
		}
		if l.task != nil {
			l.task(w, k)
			continue
		}
		lo := k * l.chunk
		l.chunks(w, lo, min(lo+l.chunk, l.n))
	}
}

// run works on l with Workers(workers, l.tasks) goroutines, the caller being
// worker 0.
func run(workers int, l *loop) {
	p := Workers(workers, l.tasks)
	var wg sync.WaitGroup
	wg.Add(p - 1)
	for w := 1; w < p; w++ {
		go func() {
			defer wg.Done()
			l.work(w)
		}()
	}
	l.work(0)
	wg.Wait()
}
