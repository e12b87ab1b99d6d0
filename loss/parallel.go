package loss

import "github.com/supcon/supcon/internal/parallel"

// blockRows is the number of rows a worker takes at a time: its tile holds
// blockRows × M similarities.
const blockRows = 32

// colChunk returns how many rows of Z are swept together so that they stay in
// the first-level cache (about 16 KiB), a multiple of 4 and at least 4.
func colChunk(d int) int {
	c := (16384 / (4 * max(d, 1))) &^ 3
	return max(c, 4)
}

// parallelBlocks calls f(w, lo, hi) for the blocks [lo, hi) of blockRows rows
// covering [0, n), spread over at most workers goroutines; w identifies the
// goroutine so that f can use its scratch buffers. Which goroutine takes a
// block does not matter as long as f writes only the rows of its block.
func parallelBlocks(workers, n int, f func(w, lo, hi int)) {
	parallel.Chunks(workers, n, blockRows, f)
}

// gram fills tile with the raw dot products z_i·z_j for rows i in [lo, hi)
// and every j, sweeping z in cache-sized chunks. tile row r is row lo+r.
func gram(tile, z []float32, lo, hi, m, d int) {
	cc := colChunk(d)
	for j0 := 0; j0 < m; j0 += cc {
		j1 := min(j0+cc, m)
		zc := z[j0*d : j1*d]
		for i := lo; i < hi; i++ {
			r := (i - lo) * m
			dots(tile[r+j0:r+j1], z[i*d:(i+1)*d], zc, d)
		}
	}
}

// gemmRows adds, for rows i in [lo, hi), Σ_j tile[i-lo][j]·z_j to dst row i,
// sweeping z in the same chunks as gram so that the order of the sum is fixed.
func gemmRows(dst, tile, z []float32, lo, hi, m, d int) {
	cc := colChunk(d)
	for j0 := 0; j0 < m; j0 += cc {
		j1 := min(j0+cc, m)
		zc := z[j0*d : j1*d]
		for i := lo; i < hi; i++ {
			r := (i - lo) * m
			axpys(dst[i*d:(i+1)*d], tile[r+j0:r+j1], zc, d)
		}
	}
}
