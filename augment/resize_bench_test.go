package augment

import "testing"

// benchResize measures one PIL-bilinear resize of a 375×375 crop.
func benchResize(b *testing.B, out int) {
	src := randomImage(375, 375, 1)
	dst := newRGBA(out, out)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resize(dst, src, Bilinear)
	}
}

func BenchmarkResize375To224(b *testing.B) { benchResize(b, 224) }
func BenchmarkResize375To32(b *testing.B)  { benchResize(b, 32) }

// BenchmarkResizePIL375To224 is the exact 22-bit path, for comparison.
func BenchmarkResizePIL375To224(b *testing.B) {
	src := randomImage(375, 375, 1)
	dst := newRGBA(224, 224)
	for i := 0; i < b.N; i++ {
		resizePIL(dst, src, Bilinear)
	}
}
