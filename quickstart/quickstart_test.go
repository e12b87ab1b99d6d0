package quickstart

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"

	"github.com/supcon/supcon/pipelines"
)

func TestMain(m *testing.M) {
	flag.Parse()
	beamlog.LogLevel = "warn"
	beam.Init()
	os.Exit(m.Run())
}

// TestMNISTSubsetIsBalanced locates MNIST and writes the subset the
// quickstart trains on, through the pipeline's mnist: source.
func TestMNISTSubsetIsBalanced(t *testing.T) {
	ctx := context.Background()
	src, err := LocateMNIST(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	n, err := pipelines.Source{Kind: pipelines.MNIST, Path: src, Split: "test"}.WriteSubset(ctx, dst, 7)
	if err != nil || n != 70 {
		t.Fatalf("wrote %d images: %v", n, err)
	}
	labels, err := os.ReadFile(filepath.Join(dst, "t10k-labels-idx1-ubyte"))
	if err != nil {
		t.Fatal(err)
	}
	images, err := os.ReadFile(filepath.Join(dst, "t10k-images-idx3-ubyte"))
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 8+70 || len(images) != 16+70*28*28 {
		t.Fatalf("labels file of %d bytes, images file of %d", len(labels), len(images))
	}
	count := map[byte]int{}
	for _, l := range labels[8:] {
		count[l]++
	}
	for d := range byte(10) {
		if count[d] != 7 {
			t.Fatalf("digit %d: %d images (%v)", d, count[d], count)
		}
	}
	// MNIST's first test digit is a 7.
	if labels[8] != 7 {
		t.Fatalf("first label %d", labels[8])
	}
	if _, err := LocateMNIST(ctx, t.TempDir()); err == nil {
		t.Fatal("an empty folder passed for MNIST")
	}
}

// TestQuickstartMNIST runs the whole job on a CI-sized MNIST subset: the
// Beam pipeline, SupCon pre-training of cnn-small and linear evaluation must
// reach a top-1 far above chance (10%) on held-out test digits.
func TestQuickstartMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	o := Defaults()
	o.Out = t.TempDir()
	o.TrainPerClass, o.TestPerClass, o.Epochs = 300, 50, 6
	rep, err := Run(context.Background(), o, testWriter{t}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := rep.Linear
	t.Logf("%d train / %d test digits, %d steps, loss %.3f -> %.3f, linear top-1 %.1f%% (train %.1f%%), %v",
		rep.TrainImages, l.ValImages, rep.Train.Steps, rep.Train.FirstLoss, rep.Train.LastLoss, 100*l.ValTop1, 100*l.TrainTop1, rep.Seconds)
	if rep.TrainImages != 3000 || l.ValImages != 500 || l.Classes != 10 {
		t.Fatalf("report %+v", l)
	}
	if l.ValTop1 < 0.75 {
		t.Fatalf("linear top-1 %.3f on MNIST test digits: want far above chance (≥ 0.75)", l.ValTop1)
	}
	if rep.Train.LastLoss >= rep.Train.FirstLoss {
		t.Fatalf("training loss went from %.3f to %.3f", rep.Train.FirstLoss, rep.Train.LastLoss)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Quickstart never deletes from a folder it did not make.
func TestQuickstartRefusesForeignFolder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "run"), 0o755)
	os.WriteFile(filepath.Join(dir, "run", "precious.txt"), []byte("x"), 0o644)
	o := Defaults()
	o.Out = dir
	if _, err := Run(context.Background(), o, testWriter{t}, nil); err == nil || !strings.Contains(err.Error(), "not made by quickstart") {
		t.Fatalf("quickstart in a foreign folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "run", "precious.txt")); err != nil {
		t.Fatal("quickstart deleted a file it did not make")
	}
}
