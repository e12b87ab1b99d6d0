package augment

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
)

// grayImage builds an opaque RGBA image whose three channels equal vals
// (row-major, w wide).
func grayImage(w int, vals ...uint8) *image.RGBA {
	h := len(vals) / w
	m := newRGBA(w, h)
	for i, v := range vals {
		m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2], m.Pix[4*i+3] = v, v, v, 0xff
	}
	return m
}

// rgbImage builds an opaque RGBA image from RGB triples (row-major, w wide).
func rgbImage(w int, px ...[3]uint8) *image.RGBA {
	m := newRGBA(w, len(px)/w)
	for i, p := range px {
		m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2], m.Pix[4*i+3] = p[0], p[1], p[2], 0xff
	}
	return m
}

// randomImage returns an opaque w×h image of uniform noise.
func randomImage(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 7))
	m := newRGBA(w, h)
	for i := range m.Pix {
		m.Pix[i] = uint8(r.IntN(256))
	}
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 0xff
	}
	return m
}

// run applies op on the fast path.
func run(op Op, src *image.RGBA) *image.RGBA {
	dst := newRGBA(src.Rect.Dx(), src.Rect.Dy())
	op.apply(dst, src)
	return dst
}

// channel returns channel c of m as a row-major slice.
func channel(m *image.RGBA, c int) []uint8 {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := make([]uint8, 0, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out = append(out, m.Pix[y*m.Stride+4*x+c])
		}
	}
	return out
}

// sameImage fails the test when a and b differ, naming the first pixel.
func sameImage(t *testing.T, what string, got, want *image.RGBA) {
	t.Helper()
	if got.Rect.Size() != want.Rect.Size() {
		t.Fatalf("%s: size %v, want %v", what, got.Rect.Size(), want.Rect.Size())
	}
	w, h := got.Rect.Dx(), got.Rect.Dy()
	for y := 0; y < h; y++ {
		g := got.Pix[y*got.Stride : y*got.Stride+4*w]
		e := want.Pix[y*want.Stride : y*want.Stride+4*w]
		if !bytes.Equal(g, e) {
			for x := 0; x < w; x++ {
				if !bytes.Equal(g[4*x:4*x+4], e[4*x:4*x+4]) {
					t.Fatalf("%s: pixel (%d,%d) = %v, want %v", what, x, y, g[4*x:4*x+4], e[4*x:4*x+4])
				}
			}
		}
	}
}

// fmtPix prints the first channel of m for failure messages.
func fmtPix(m *image.RGBA) string { return fmt.Sprint(channel(m, 0)) }

// sha returns the SHA-256 of b.
func sha(b []byte) [32]byte { return sha256.Sum256(b) }

// viewGolden holds TestViewGolden's pinned hashes.
var viewGolden = map[string]string{
	"none":                              "6d6b336f63efe1abe13a8ba5a58ebf75eb3e26f6a234f8467bbc2c9c06599b96",
	"autoaugment:imagenet":              "44f021008f775d82f8a0ad403f60e77674b2a6646f7c82e68702e9191dcc2aa0",
	"randaugment:n=2,m=9,convention=tv": "949a923374e3d0fc6fd328c4296a47700d2b27db4f594bd7ef4903127787a7b9",
	"simaugment:strength=1,blur=1":      "be1616c215bbf7516265f658577dd83f7d07545af1aa0ec2e3f141ee019280ae",
	"trivialaugment":                    "77c48aa0f2818ff8effb4a9061c02572a30a27602bf5deaf149313422b20e6df",
}
