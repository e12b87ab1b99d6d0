package pipelines

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden-shards.txt from the current code")

// goldenPath holds the SHA-256 of every shard each goldenConfigs entry
// writes. Provenance: computed with -update-golden from the pipeline as it
// was before shard writing went through sorted runs (commit 0d4a246, where
// every record went through the GroupByKey and was sorted in memory), so
// the test shows the runs write the same bytes as that design.
const goldenPath = "testdata/golden-shards.txt"

// writeMNIST writes synthetic MNIST idx files of n 28×28 digits (varied
// pixels, label i%10) to a new folder and returns it.
func writeMNIST(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	var imgs, labs bytes.Buffer
	binary.Write(&imgs, binary.BigEndian, []uint32{0x803, uint32(n), 28, 28})
	binary.Write(&labs, binary.BigEndian, []uint32{0x801, uint32(n)})
	for i := 0; i < n; i++ {
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				v := byte(0)
				if dx, dy := x-14+i%5, y-14+i%7; dx*dx+dy*dy < 40+i%60 {
					v = byte(128 + (i*31+x*7+y*3)%128)
				}
				imgs.WriteByte(v)
			}
		}
		labs.WriteByte(byte(i % 10))
	}
	for name, b := range map[string][]byte{"train-images-idx3-ubyte": imgs.Bytes(), "train-labels-idx1-ubyte": labs.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goldenConfigs are the configurations whose shards goldenPath fixes:
// every view format, every compression, 1 to 3 views and epochs, 1 to 5
// shards per epoch, photographs and digits.
func goldenConfigs(t *testing.T, mnist string) map[string]Config {
	tree := func(c Config) Config {
		c.Input, c.Policy, c.Size, c.Channels, c.Seed = "testdata/tree", "randaugment:n=2,m=9", 24, 3, 42
		if c.Quality == 0 {
			c.Quality = 90
		}
		return c
	}
	digits := func(c Config) Config {
		c.Input, c.Policy, c.Size, c.Seed, c.NoFlip, c.MinArea = "mnist:"+mnist, "autoaugment:imagenet", 28, 3, true, 0.3
		if c.Channels == 0 {
			c.Channels = 1
		}
		if c.Quality == 0 {
			c.Quality = 75
		}
		return c
	}
	cfgs := map[string]Config{
		"tree-png-none-v2-e2-s2":      tree(Config{Format: "png", Compression: "none", Views: 2, Epochs: 2, Shards: 2}),
		"tree-jpeg-gzip-v3-e1-s3":     tree(Config{Format: "jpeg", Compression: "gzip", Views: 3, Epochs: 1, Shards: 3}),
		"tree-raw-zlib-v1-e3-s1":      tree(Config{Format: "raw", Compression: "zlib", Views: 1, Epochs: 3, Shards: 1, Channels: 1}),
		"tree-png-center-v1-e1-s4":    tree(Config{Format: "png", Compression: "none", Views: 1, Epochs: 1, Shards: 4, Crop: "center", PNGCompression: "speed"}),
		"mnist-raw-none-v2-e2-s5":     digits(Config{Format: "raw", Compression: "none", Views: 2, Epochs: 2, Shards: 5}),
		"mnist-png-gzip-v2-e1-s4":     digits(Config{Format: "png", Compression: "gzip", Views: 2, Epochs: 1, Shards: 4, PNGCompression: "speed"}),
		"mnist-jpeg-zlib-v1-e2-s3-c3": digits(Config{Format: "jpeg", Compression: "zlib", Views: 1, Epochs: 2, Shards: 3, Channels: 3}),
	}
	for name, c := range cfgs {
		if err := ResolveLabels(context.Background(), &c, ""); err != nil {
			t.Fatal(err)
		}
		cfgs[name] = c
	}
	return cfgs
}

// goldenMNISTImages is the size of the synthetic digit set of goldenConfigs.
const goldenMNISTImages = 300

// readGolden reads goldenPath: config name -> "shard sha256" lines.
func readGolden(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, rest, _ := strings.Cut(l, " ")
		out[name] = append(out[name], rest)
	}
	return out
}

// shardSums runs cfg with run and returns its shards as "name sha256" lines.
func shardSums(t *testing.T, cfg Config, run func(Config) error) []string {
	t.Helper()
	if err := run(cfg); err != nil {
		t.Fatal(err)
	}
	sum, err := readManifestSums(cfg.Output)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// The shards of every golden configuration are byte-identical to the ones
// the in-memory design wrote, on prism with the default run buffer and with
// runs so small that shards are merged in passes, and in RunLocal.
func TestShardsMatchGolden(t *testing.T) {
	mnist := writeMNIST(t, goldenMNISTImages)
	cfgs := goldenConfigs(t, mnist)
	var names []string
	for n := range cfgs {
		names = append(names, n)
	}
	sort.Strings(names)
	got := map[string][]string{}
	for _, name := range names {
		cfg := cfgs[name]
		cfg.Output = filepath.Join(t.TempDir(), "ds")
		got[name] = shardSums(t, cfg, func(c Config) error {
			_, err := Run(context.Background(), c, "prism", nil)
			return err
		})
	}
	if !*updateGolden {
		checkSmallRuns(t, cfgs, got)
	}
	if *updateGolden {
		var b strings.Builder
		b.WriteString("# SHA-256 of each shard of TestShardsMatchGolden's configurations, written by\n")
		b.WriteString("# `go test ./pipelines -run TestShardsMatchGolden -update-golden` at commit 0d4a246\n")
		b.WriteString("# (records grouped by shard through the GroupByKey and sorted in memory).\n")
		for _, name := range names {
			for _, l := range got[name] {
				fmt.Fprintf(&b, "%s %s\n", name, l)
			}
		}
		if err := os.WriteFile(goldenPath, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readGolden(t)
	for _, name := range names {
		if g, w := strings.Join(got[name], "\n"), strings.Join(want[name], "\n"); g != w {
			t.Errorf("%s: shards differ from the golden ones:\n%s\nwant\n%s", name, g, w)
		}
	}
}

// readManifestSums returns the dataset's shards as "name records sha256"
// lines, from its manifest.
func readManifestSums(prefix string) ([]string, error) {
	man, err := shards.ReadManifest(context.Background(), shards.ManifestPath(prefix))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range man.Shards {
		out = append(out, fmt.Sprintf("%s %d %s", s.Name, s.Records, s.SHA256))
	}
	return out, nil
}

// checkSmallRuns runs some golden configurations again with run buffers so
// small that each shard gets many runs, merged in passes of at most three
// (mergeFanIn), on prism and in RunLocal, and checks the same bytes come out.
// (Few configurations: every run is a file synced to disk.)
func checkSmallRuns(t *testing.T, cfgs map[string]Config, want map[string][]string) {
	t.Helper()
	defer func(n int) { mergeFanIn = n }(mergeFanIn)
	mergeFanIn = 3
	for _, tt := range []struct {
		name    string
		local   bool // RunLocal, not prism
		buffer  int
		minRuns int64 // on prism
	}{
		{"mnist-raw-none-v2-e2-s5", false, 64 << 10, 10 * 2 * 3}, // 10 shards, more than 2 passes of 3 each
		{"mnist-jpeg-zlib-v1-e2-s3-c3", true, 16 << 10, 0},
		{"tree-png-none-v2-e2-s2", false, 1, 12}, // a run per record
		{"tree-jpeg-gzip-v3-e1-s3", true, 1, 0},
	} {
		cfg := cfgs[tt.name]
		cfg.RunBuffer = tt.buffer
		cfg.Output = filepath.Join(t.TempDir(), "ds")
		runs := int64(-1)
		got := shardSums(t, cfg, func(c Config) error {
			if tt.local {
				_, err := RunLocal(context.Background(), c, 2)
				return err
			}
			sum, err := Run(context.Background(), c, "prism", nil)
			if err == nil {
				runs = sum.Runs
			}
			return err
		})
		if g, w := strings.Join(got, "\n"), strings.Join(want[tt.name], "\n"); g != w {
			t.Errorf("%s with %d-byte run buffers (RunLocal %v): shards differ:\n%s\nwant\n%s", tt.name, tt.buffer, tt.local, g, w)
		}
		if !tt.local && runs < tt.minRuns {
			t.Errorf("%s with %d-byte run buffers: %d runs, want at least %d", tt.name, tt.buffer, runs, tt.minRuns)
		}
	}
}
