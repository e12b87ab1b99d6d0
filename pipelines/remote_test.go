package pipelines

import (
	"context"
	"flag"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supcon/supcon/internal/gcstest"
)

// upload copies a local folder tree to a gs:// prefix.
func upload(t *testing.T, dir, prefix string) {
	t.Helper()
	ctx := context.Background()
	files, err := storage.Walk(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, f.Name)
		w, err := storage.Create(ctx, prefix+"/"+filepath.ToSlash(rel))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// gs:// input and output, against the in-process fake GCS server.
func TestAugmentOnGCS(t *testing.T) {
	bucket := gcstest.Start(t)
	upload(t, "testdata/tree", "gs://"+bucket+"/images")
	cfg := treeConfig(t, "gs://"+bucket+"/out/train")
	cfg.Input = "gs://" + bucket + "/images"
	cfg.Labels = nil
	if err := ResolveLabels(context.Background(), &cfg, ""); err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Labels, ",") != "cat,cup,space" {
		t.Fatalf("classes from gs:// = %v", cfg.Labels)
	}
	sum, err := Run(context.Background(), cfg, "prism", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Images != int64(len(wantTree)) || sum.Rejected != int64(len(wantRejected)) {
		t.Errorf("summary %+v", sum)
	}
	// Rejections name the gs:// source; ids are relative to the root.
	checkTreeDataset(t, cfg)
	left, _ := storage.Glob(context.Background(), "gs://"+bucket+"/out/train.temp/*")
	if len(left) != 0 {
		t.Errorf("temporary objects left: %v", left)
	}
}

// One run through a prism job server started as its own process: the
// universal runner's path, the one Dataflow and Flink take.
func TestUniversalRunnerWithPrismJobServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a prism job server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "prism")
	build := exec.Command("go", "build", "-o", bin, "github.com/apache/beam/sdks/v2/go/cmd/prism")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building prism: %v\n%s", err, out)
	}
	port := freePort(t)
	srv := exec.Command(bin, fmt.Sprintf("--job_port=%d", port), "--serve_http=false", "--log_level=warn")
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	endpoint := fmt.Sprintf("localhost:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.Dial("tcp", endpoint)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("prism job server did not listen on %s: %v", endpoint, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for name, value := range map[string]string{"endpoint": endpoint, "environment_type": "LOOPBACK"} {
		old := flag.Lookup(name).Value.String()
		flag.Set(name, value)
		defer flag.Set(name, old)
	}
	cfg := treeConfig(t, filepath.Join(dir, "train"))
	sum, err := Run(context.Background(), cfg, "universal", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Images != int64(len(wantTree)) {
		t.Errorf("summary %+v", sum)
	}
	checkTreeDataset(t, cfg)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
