package augment

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// rngDomain separates this package's seeds from any other use of the same
// numbers; changing it changes every view ever produced.
const rngDomain = "supcon/augment/view/v1"

// NewRand returns the random generator of one view: a PCG seeded with the
// SHA-256 of (seed, id, view, epoch) in a fixed binary layout. The same four
// values give the same stream on every machine and in every process; any
// change to one of them gives an unrelated stream. Every random choice of a
// view (crop, flip, policy) is drawn from it, in a fixed order.
func NewRand(seed int64, id string, view, epoch int) *rand.Rand {
	var b [8]byte
	h := sha256.New()
	h.Write([]byte(rngDomain))
	for _, v := range []uint64{uint64(seed), uint64(len(id))} {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	h.Write([]byte(id))
	for _, v := range []uint64{uint64(int64(view)), uint64(int64(epoch))} {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	sum := h.Sum(nil)
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[0:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// uniform draws from U(lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// coin returns true with probability p.
func coin(r *rand.Rand, p float64) bool { return r.Float64() < p }
