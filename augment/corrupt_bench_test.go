package augment

import (
	"fmt"
	"testing"

	"github.com/supcon/supcon/internal/cputime"
)

// BenchmarkCorrupt measures each corruption at severity 3 on a photograph
// centre-cropped to 32 and 224 px, on one goroutine: images/s of wall time
// and img/cpu-s of the process's CPU time (the figure to trust on a shared
// machine).
func BenchmarkCorrupt(b *testing.B) {
	for _, side := range []int{32, 224} {
		img := testImages(b, side)["chelsea"]
		for _, name := range Corruptions() {
			op := Corruption{Name: name, Severity: 3, Seed: 1}
			dst := newRGBA(side, side)
			b.Run(fmt.Sprintf("%s/%d", name, side), func(b *testing.B) {
				cpu0 := cputime.Process()
				for i := 0; b.Loop(); i++ {
					op.Seed = uint64(i)
					op.apply(dst, img)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
				if cpu := cputime.Process() - cpu0; cpu > 0 {
					b.ReportMetric(float64(b.N)/cpu.Seconds(), "img/cpu-s")
				}
			})
		}
	}
}
