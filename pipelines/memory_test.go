package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// memChildEnv carries the memory test's configuration to its child process.
const memChildEnv = "SUPCON_PIPELINES_MEMORY_CHILD"

// memResult is what the memory test's child reports.
type memResult struct {
	Peak  int64    // highest Go memory seen (mapped, not released to the OS)
	Bytes int64    // bytes of the shards
	Sums  []string // readManifestSums of the dataset
}

// goMemory returns the memory the Go runtime holds from the OS: what a
// memory limit bounds.
func goMemory(samples []metrics.Sample) int64 {
	metrics.Read(samples)
	return int64(samples[0].Value.Uint64() - samples[1].Value.Uint64())
}

// TestMemoryBoundedChild is the child process of TestMemoryBounded: it
// writes the dataset on prism under the memory limit it is given, sampling
// the Go memory, and prints a memResult. It does nothing in a normal run.
func TestMemoryBoundedChild(t *testing.T) {
	env := os.Getenv(memChildEnv)
	if env == "" {
		t.Skip("the child process of TestMemoryBounded")
	}
	var cfg Config
	var limit int64
	args := strings.SplitN(env, " ", 2)
	limit, _ = strconv.ParseInt(args[0], 10, 64)
	if err := json.Unmarshal([]byte(args[1]), &cfg); err != nil {
		t.Fatal(err)
	}
	if limit > 0 {
		debug.SetGCPercent(-1) // collect only at the limit: memory rises to it, and past it only if live data does
		debug.SetMemoryLimit(limit)
	}
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var peak int64
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := append([]metrics.Sample(nil), samples...)
		for {
			m := goMemory(s)
			mu.Lock()
			peak = max(peak, m)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	sum, err := Run(context.Background(), cfg, "prism", nil)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	sums, err := readManifestSums(cfg.Output)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(memResult{Peak: peak, Bytes: sum.Bytes, Sums: sums})
	fmt.Printf("memResult %s\n", b)
}

// runMemChild runs TestMemoryBoundedChild for cfg under limit (0: none).
func runMemChild(t *testing.T, cfg Config, limit int64) memResult {
	t.Helper()
	js, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryBoundedChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %s", memChildEnv, limit, js), "GOMAXPROCS="+strconv.Itoa(min(runtime.GOMAXPROCS(0), 2)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child under a %d-byte limit: %v\n%s", limit, err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(l, "memResult "); ok {
			var r memResult
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("child under a %d-byte limit printed no result:\n%s", limit, out)
	return memResult{}
}

// A dataset of ten times the memory limit is written on prism by a child
// process under that limit (debug.SetMemoryLimit, with collection only at
// the limit), and its peak Go memory stays at the limit: the records never
// are all in memory. Its shards are byte-identical to the ones the
// in-memory design wrote without a limit (golden, 3.12 GiB peak RSS then).
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 283 MB of shards")
	}
	const (
		name   = "memory-mnist360-raw-center128-v8-e2-s5"
		limit  = 26 << 20
		buffer = 2 << 20 // (GOMAXPROCS+1) run buffers, 2 CPUs: 6 MiB
	)
	cfg := goldenConfigs(t, writeMNIST(t, 360))["mnist-raw-none-v2-e2-s5"]
	cfg.Size, cfg.Channels, cfg.Crop, cfg.Policy, cfg.Views, cfg.Epochs = 128, 3, "center", "none", 8, 2
	cfg.RunBuffer = buffer
	cfg.Output = filepath.Join(t.TempDir(), "ds")
	r := runMemChild(t, cfg, limit)
	t.Logf("%d bytes of shards under a %d-byte limit: peak Go memory %d", r.Bytes, limit, r.Peak)
	if r.Bytes < 10*limit {
		t.Errorf("%d bytes written, want at least 10 × the %d-byte limit", r.Bytes, limit)
	}
	if r.Peak > limit+limit/4 {
		t.Errorf("peak Go memory %d bytes, over the %d-byte limit: live data passed it", r.Peak, limit)
	}
	if g, w := strings.Join(r.Sums, "\n"), strings.Join(readGolden(t)[name], "\n"); g != w {
		t.Errorf("under a memory limit, shards differ from the golden ones:\n%s\nwant\n%s", g, w)
	}
}
