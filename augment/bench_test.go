package augment

import (
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/supcon/supcon/internal/cputime"
)

// photos returns the test photographs (sorted by file name) as RGBA, as
// PIL holds a decoded JPEG or PNG as RGB: the benchmarks, like
// torchvision's, start from decoded images. They are decoded once per test
// binary and shared: callers must not modify them.
func photos(tb testing.TB) []*image.RGBA {
	tb.Helper()
	photosOnce.Do(func() { photosCache, photosErr = decodePhotos() })
	if photosErr != nil {
		tb.Fatal(photosErr)
	}
	return append([]*image.RGBA(nil), photosCache...)
}

var (
	photosOnce  sync.Once
	photosCache []*image.RGBA
	photosErr   error
)

// decodePhotos decodes testdata's JPEG and PNG photographs.
func decodePhotos() ([]*image.RGBA, error) {
	paths, _ := filepath.Glob("testdata/*.[jp][pn]g")
	if len(paths) == 0 {
		return nil, errors.New("no photographs in testdata")
	}
	var out []*image.RGBA
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		m, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		rgba := newRGBA(m.Bounds().Dx(), m.Bounds().Dy())
		convertInto(rgba, m, m.Bounds())
		out = append(out, rgba)
	}
	return out, nil
}

// benchView measures View (crop, resize, flip, policy) on the photographs,
// one view per iteration, cycling through the images.
func benchView(b *testing.B, spec string, size int) {
	b.Helper()
	imgs := photos(b)
	a, err := New(spec, Options{Size: size})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	for i := 0; i < b.N; i++ {
		if _, err := a.View(imgs[i%len(imgs)], 1, "bench", i, 0); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cputime.Process() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
	if cpu > 0 {
		// On a shared machine the wall clock counts time other processes
		// held the core; CPU time does not.
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "img/cpu-s")
	}
}

// The five workloads of issue 3, in torchvision's convention where it has
// one, as torchvision's figures were measured (torchvision + PIL per core:
// 565, 429, 324, 82 and 2172 images/s). SimCLR-style is SimCLR's setting:
// jitter strength 1, grayscale p 0.2, blur p 0.5.
func BenchmarkCropFlip224(b *testing.B) { benchView(b, "none", 224) }
func BenchmarkAutoAugmentImageNet224(b *testing.B) {
	benchView(b, "autoaugment:imagenet,convention=tv", 224)
}
func BenchmarkRandAugment2x9_224(b *testing.B) {
	benchView(b, "randaugment:n=2,m=9,convention=tv", 224)
}
func BenchmarkSimCLR224(b *testing.B) { benchView(b, "simaugment:strength=1,blur=0.5", 224) }
func BenchmarkAutoAugmentCIFAR10_32(b *testing.B) {
	benchView(b, "autoaugment:cifar10,convention=tv", 32)
}
