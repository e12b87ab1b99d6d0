package augment

import (
	"fmt"
	"testing"
)

// BenchmarkCorrupt measures each corruption at severity 3 on a photograph
// centre-cropped to 32 and 224 px (images/s = 1e9 / ns/op; one core).
func BenchmarkCorrupt(b *testing.B) {
	for _, side := range []int{32, 224} {
		img := testImages(b, side)["chelsea"]
		for _, name := range Corruptions() {
			op := Corruption{Name: name, Severity: 3, Seed: 1}
			dst := newRGBA(side, side)
			b.Run(fmt.Sprintf("%s/%d", name, side), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					op.Seed = uint64(i)
					op.apply(dst, img)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}
