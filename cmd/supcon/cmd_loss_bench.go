package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/supcon/supcon/internal/cputime"
	"github.com/supcon/supcon/loss"
)

const benchLossHelp = `
Time one forward+backward of a loss on random unit vectors (M rows of
dimension d, V views, labels drawn from --classes classes, fixed seed).

It prints the median wall time per call over --runs calls with a reused
workspace (the steady state of training), the CPU time the process used per
call (user+system, all goroutines; where the OS reports it), and the bytes
allocated: by the first call, which grows every buffer (its peak, since
nothing is freed during a call), and per later call.`

func init() {
	register(&command{
		Name:    "bench loss",
		Summary: "time forward+backward of a loss and report the memory it allocates",
		Help:    benchLossHelp,
		Run:     runBenchLoss,
	})
}

func runBenchLoss(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	var lf lossFlags
	lf.define(fs)
	m := fs.Int("m", 4096, "rows M (views of all images)")
	d := fs.Int("d", 128, "dimension d")
	classes := fs.Int("classes", 10, "number of classes of the random labels")
	runs := fs.Int("runs", 5, "timed calls after the first")
	seed := fs.Uint64("seed", 1, "seed of the random features and labels")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	o, err := lf.options()
	if err != nil {
		return err
	}
	if o.Views == 0 {
		o.Views = 2
	}
	switch {
	case *m < 2 || *d < 1:
		return usageErrorf("--m must be at least 2 and --d at least 1")
	case *m%o.Views != 0:
		return usageErrorf("--m %d is not a multiple of --views %d", *m, o.Views)
	case *classes < 1 || *runs < 1:
		return usageErrorf("--classes and --runs must be positive")
	case o.Loss == loss.CrossEntropy:
		return usageErrorf("bench loss times the pairwise losses, not ce")
	}
	z, labels := lossBenchInput(*m, *d, o.Views, *classes, *seed)
	t, err := timeLoss(ctx, z, labels, o, *runs)
	if err != nil {
		return err
	}
	workers := o.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	fmt.Fprintf(s.Out, "loss %v  M=%d d=%d views=%d classes=%d workers=%d  value %.6g\n", o.Loss, *m, *d, o.Views, *classes, workers, t.value)
	fmt.Fprintf(s.Out, "forward+backward: %.2f ms median of %d (min %.2f, max %.2f)", t.ms[len(t.ms)/2], *runs, t.ms[0], t.ms[len(t.ms)-1])
	if t.cpuMs > 0 {
		fmt.Fprintf(s.Out, ", CPU %.2f ms per call", t.cpuMs)
	}
	fmt.Fprintln(s.Out)
	fmt.Fprintf(s.Out, "allocated: %s peak (first call, fresh workspace), %s per later call; inputs %s + gradient %s\n",
		lossBytes(float64(t.first)), lossBytes(t.steady), lossBytes(float64(4**m**d)), lossBytes(float64(4**m**d)))
	return nil
}

// lossTiming is what bench loss measures: the value, the sorted wall times
// of the timed calls (ms), their mean CPU time, and the bytes allocated by
// the first call and by each later one.
type lossTiming struct {
	value  float64
	ms     []float64
	cpuMs  float64
	first  uint64
	steady float64
}

// timeLoss calls the loss once with a fresh workspace, then runs times more.
func timeLoss(ctx context.Context, z loss.Matrix, labels []int, o loss.Options, runs int) (*lossTiming, error) {
	grad := loss.Matrix{Rows: z.Rows, Cols: z.Cols, Data: make([]float32, len(z.Data))}
	var ws loss.Workspace
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := ws.Compute(&grad, z, labels, o); err != nil {
		return nil, err
	}
	runtime.ReadMemStats(&after)
	t := &lossTiming{first: after.TotalAlloc - before.TotalAlloc, ms: make([]float64, 0, runs)}
	cpu0 := cputime.Process()
	runtime.ReadMemStats(&before)
	for range runs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		res, err := ws.Compute(&grad, z, labels, o)
		if err != nil {
			return nil, err
		}
		t.value = res.Value
		t.ms = append(t.ms, float64(time.Since(t0).Microseconds())/1000)
	}
	runtime.ReadMemStats(&after)
	t.cpuMs = (cputime.Process() - cpu0).Seconds() * 1000 / float64(runs)
	t.steady = float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
	slices.Sort(t.ms)
	return t, nil
}

// lossBenchInput returns m random unit rows of dimension d in the view-major
// layout of views views, and labels per row drawn from classes classes.
func lossBenchInput(m, d, views, classes int, seed uint64) (loss.Matrix, []int) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	data := make([]float32, m*d)
	for i := range m {
		row := data[i*d : (i+1)*d]
		n := 0.0
		for k := range row {
			v := r.NormFloat64()
			row[k] = float32(v)
			n += v * v
		}
		inv := float32(1 / math.Sqrt(n))
		for k := range row {
			row[k] *= inv
		}
	}
	per := make([]int, m/views)
	for i := range per {
		per[i] = r.IntN(classes)
	}
	return loss.Matrix{Rows: m, Cols: d, Data: data}, loss.RepeatLabels(per, views)
}

// lossBytes formats a byte count with a binary unit.
func lossBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}
