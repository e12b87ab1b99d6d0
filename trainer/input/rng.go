package input

import "math/rand/v2"

// Purposes of the random streams, so that no two choices share a generator.
const (
	purposeShards  = "shards"
	purposeShuffle = "shuffle"
	purposeRotate  = "rotate"
	purposeBatch   = "batch"
	purposeViews   = "views"
)

// newRand returns a generator seeded from the run's seed, a purpose and any
// further values (epoch, rank, an image's hash): same values, same numbers.
func newRand(seed int64, purpose string, vals ...uint64) *rand.Rand {
	a, b := seedPair(seed, purpose, vals...)
	return rand.New(rand.NewPCG(a, b))
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// seedPair hashes the values (FNV-1a, little-endian words) into the two
// words of a PCG seed.
func seedPair(seed int64, purpose string, vals ...uint64) (uint64, uint64) {
	h := fnvWord(fnvOffset, uint64(seed))
	h = fnvString(h, purpose)
	for _, v := range vals {
		h = fnvWord(h, v)
	}
	return h, fnvWord(h, 0x9e3779b97f4a7c15)
}

func fnvWord(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= (v >> (8 * i)) & 0xff
		h *= fnvPrime
	}
	return h
}

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// hashString is FNV-1a of s, to seed per-image choices.
func hashString(s string) uint64 { return fnvString(fnvOffset, s) }

// permPrefix appends to dst the views a row uses: positions offset·V …
// offset·V+V−1 (modulo n) of a permutation of n stored views drawn from
// (seed, epoch, id). It allocates nothing for n ≤ 64.
func permPrefix(dst []int, seed int64, epoch int, id string, n, V, offset int) []int {
	a, b := seedPair(seed, purposeViews, uint64(epoch), hashString(id))
	pcg := rand.NewPCG(a, b)
	var small [64]int
	perm := small[:0]
	if n > len(small) {
		perm = make([]int, 0, n)
	}
	for i := 0; i < n; i++ {
		perm = append(perm, i)
	}
	// Fisher–Yates from the end, as math/rand's Shuffle (with a bounded
	// draw by multiply-shift, unbiased enough for choosing among ≤ 2^32).
	for i := n - 1; i > 0; i-- {
		j := int((pcg.Uint64() >> 32) * uint64(i+1) >> 32)
		perm[i], perm[j] = perm[j], perm[i]
	}
	for j := 0; j < V; j++ {
		dst = append(dst, perm[(offset*V+j)%n])
	}
	return dst
}
