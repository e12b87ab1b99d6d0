package trainer

import (
	"context"
	"errors"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/shards/shardstest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/supcon/supcon/trainer/run"
)

func toyConfig(data string) Config {
	c := DefaultConfig()
	c.Data = []string{data}
	c.P, c.K, c.Views = 4, 4, 2
	c.Epochs = 3
	c.Seed = 5
	c.LR = 0.1
	c.Mean, c.Std = []float32{0.5}, []float32{0.25}
	return c
}

func lossesOf(t *testing.T, dir string) []float64 {
	t.Helper()
	ms, err := run.ReadMetrics(context.Background(), run.Dir(dir).Path(run.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, m := range ms {
		out = append(out, m.Loss)
	}
	return out
}

func finalParams(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	p, err := run.Dir(dir).LatestCheckpoint(context.Background())
	if err != nil || p == "" {
		t.Fatalf("no checkpoint in %s: %v", dir, err)
	}
	ck, err := run.ReadCheckpoint(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for _, p := range ck.Model.Params.List {
		out[p.Name] = p.Data
	}
	return out
}

func TestTrainLossDecreases(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 96, 6, 8, 2, 1)
	for _, tc := range []struct {
		model string
		loss  loss.Kind
	}{
		{"cnn-small", loss.SupConOut}, {"mlp", loss.SupConIn}, {"cnn-small", loss.SimCLR}, {"mlp", loss.CrossEntropy},
	} {
		t.Run(tc.model+"-"+tc.loss.String(), func(t *testing.T) {
			dir := t.TempDir()
			cfg := toyConfig(data)
			cfg.Model, cfg.Loss, cfg.Epochs = tc.model, tc.loss, 6
			sum, err := Train(context.Background(), dir, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			l := lossesOf(t, dir)
			if int64(len(l)) != sum.Steps || len(l) < 30 {
				t.Fatalf("%d metric lines for %d steps", len(l), sum.Steps)
			}
			first, last := mean(l[:5]), mean(l[len(l)-5:])
			t.Logf("%s: %d steps, loss %.4f -> %.4f", tc.loss, len(l), first, last)
			if !(last < 0.9*first) {
				t.Fatalf("loss did not decrease: first steps %.4f, last steps %.4f", first, last)
			}
			for _, f := range []string{run.ConfigFile, run.LossCurveFile} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestTrainReproducible: the same data, settings and seed give the same
// losses and weights bit for bit, on 1 core or 2.
func TestTrainReproducible(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 64, 4, 8, 2, 2)
	cfg := toyConfig(data)
	var runs []string
	for _, procs := range []int{1, 2, 1} {
		old := runtime.GOMAXPROCS(procs)
		dir := t.TempDir()
		if _, err := Train(context.Background(), dir, cfg, nil); err != nil {
			t.Fatal(err)
		}
		runtime.GOMAXPROCS(old)
		runs = append(runs, dir)
	}
	want, wantP := lossesOf(t, runs[0]), finalParams(t, runs[0])
	for _, dir := range runs[1:] {
		if got := lossesOf(t, dir); !slices.Equal(got, want) {
			t.Fatalf("losses differ between runs:\n%v\n%v", want, got)
		}
		for name, w := range wantP {
			if !slices.Equal(finalParams(t, dir)[name], w) {
				t.Fatalf("final %s differs between runs", name)
			}
		}
	}
}

// TestResumeEquivalence: a run stopped and resumed gives the same losses and
// final weights as one that never stopped.
func TestResumeEquivalence(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 64, 4, 8, 2, 3)
	cfg := toyConfig(data)
	cfg.Model = "resnet-small"
	cfg.Optimizer = "adam"
	cfg.LR = 0.01
	whole := t.TempDir()
	sum, err := Train(context.Background(), whole, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	parts := t.TempDir()
	for _, stop := range []int64{5, 7} { // mid-epoch, twice
		c := cfg
		c.StopAfter = stop
		c.Resume = stop != 5
		s, err := Train(context.Background(), parts, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Stopped || s.Steps != stop {
			t.Fatalf("stop after %d: %+v", stop, s)
		}
	}
	c := cfg
	c.Resume = true
	if _, err := Train(context.Background(), parts, c, nil); err != nil {
		t.Fatal(err)
	}
	want, got := lossesOf(t, whole), lossesOf(t, parts)
	if int64(len(want)) != sum.Steps || !slices.Equal(got, want) {
		t.Fatalf("losses of the resumed run differ:\n%v\n%v", want, got)
	}
	wantP, gotP := finalParams(t, whole), finalParams(t, parts)
	for name, w := range wantP {
		if !slices.Equal(gotP[name], w) {
			t.Fatalf("final %s differs after resuming", name)
		}
	}
	// TensorBoard shows what metrics.jsonl holds, resumed or not.
	checkEventsMatchMetrics(t, whole)
	checkEventsMatchMetrics(t, parts)
}

// TestInterruptAndResume: cancelling the context (Ctrl-C) checkpoints the
// step reached, and resuming from there finishes exactly as an uninterrupted
// run, also when the checkpoint interval is not a divisor of the epoch.
func TestInterruptAndResume(t *testing.T) {
	data := shardstest.WriteSquares(t, t.TempDir(), 64, 4, 8, 2, 6)
	cfg := toyConfig(data)
	cfg.CheckpointEvery = 3
	whole := t.TempDir()
	if _, err := Train(context.Background(), whole, cfg, nil); err != nil {
		t.Fatal(err)
	}
	parts := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	testAfterStep = func(step int64) {
		if step == 5 {
			cancel()
		}
	}
	_, err := Train(ctx, parts, cfg, nil)
	testAfterStep = nil
	if err != context.Canceled {
		t.Fatalf("interrupted run returned %v", err)
	}
	if p, _ := run.Dir(parts).LatestCheckpoint(context.Background()); p != run.Dir(parts).CheckpointPath(5) {
		t.Fatalf("latest checkpoint after the interrupt: %s", p)
	}
	c := cfg
	c.Resume = true
	if _, err := Train(context.Background(), parts, c, nil); err != nil {
		t.Fatal(err)
	}
	if want, got := lossesOf(t, whole), lossesOf(t, parts); !slices.Equal(got, want) {
		t.Fatalf("losses differ after the interrupt:\n%v\n%v", want, got)
	}
	wantP, gotP := finalParams(t, whole), finalParams(t, parts)
	for name, w := range wantP {
		if !slices.Equal(gotP[name], w) {
			t.Fatalf("final %s differs after the interrupt", name)
		}
	}
	// Stopping after exactly the last step is finishing, not stopping.
	full := cfg
	full.StopAfter = int64(len(lossesOf(t, whole)))
	if s, err := Train(context.Background(), t.TempDir(), full, nil); err != nil || s.Stopped {
		t.Fatalf("--stop-after the last step: %+v, %v", s, err)
	}
	// Resuming with other settings is refused, naming the setting.
	c.Seed++
	if _, err := Train(context.Background(), parts, c, nil); err == nil || !strings.Contains(err.Error(), "seed was 5, now 6") {
		t.Fatalf("resume with another seed: %v", err)
	}
	// A fresh run into a directory with checkpoints is refused.
	if _, err := Train(context.Background(), parts, cfg, nil); !errors.Is(err, ErrRunExists) || !strings.Contains(err.Error(), parts) {
		t.Fatalf("fresh run over a run: %v", err)
	}
}
