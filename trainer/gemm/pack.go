package gemm

// packA packs rows i0..i0+rows-1 and columns l0..l0+kc-1 of op(A) into
// panels of ks.mr rows: panel q holds element (q·mr+i, l) at
// dst[q·mr·kc+l·mr+i], with the rows past the end zero.
func packA(ks *kernelSet, dst, a []float32, lda int, trans bool, i0, rows, l0, kc int) {
	mr := ks.mr
	for q := 0; q*mr < rows; q++ {
		p := dst[q*mr*kc : (q+1)*mr*kc]
		r0 := i0 + q*mr
		h := min(mr, rows-q*mr)
		switch {
		case trans:
			for l := 0; l < kc; l++ {
				d := p[l*mr : l*mr+mr]
				clear(d[copy(d[:h], a[(l0+l)*lda+r0:][:h]):])
			}
		case h == mr:
			done := 0
			if ks.packAN != nil {
				done = ks.packAN(p, a, lda, r0, l0, kc)
			}
			for i := 0; i < mr; i++ {
				for l, v := range a[(r0+i)*lda+l0+done:][:kc-done] {
					p[(done+l)*mr+i] = v
				}
			}
		default:
			clear(p)
			for i := 0; i < h; i++ {
				for l, v := range a[(r0+i)*lda+l0:][:kc] {
					p[l*mr+i] = v
				}
			}
		}
	}
}

// packB packs columns j0..j0+cols-1 (cols ≤ ks.nr) and rows l0..l0+kc-1 of
// op(B) into one panel: element (l, j) at dst[l·nr+j], the columns past
// cols zero.
func packB(ks *kernelSet, dst, b []float32, ldb int, trans bool, l0, kc, j0, cols int) {
	nr := ks.nr
	switch {
	case !trans && cols == nr:
		if ks.packBN != nil && ks.packBN(dst, b, ldb, l0, kc, j0) {
			return
		}
		for l := 0; l < kc; l++ {
			copy(dst[l*nr:l*nr+nr], b[(l0+l)*ldb+j0:])
		}
	case !trans:
		for l := 0; l < kc; l++ {
			d := dst[l*nr : l*nr+nr]
			clear(d[copy(d[:cols], b[(l0+l)*ldb+j0:][:cols]):])
		}
	default:
		j := 0
		if cols < nr {
			clear(dst[:kc*nr])
		}
		// Groups of 8 columns in assembly, up to kc&^7; the rest in Go.
		done := 0
		if ks.packBT != nil {
			for ; j+8 <= cols; j += 8 {
				done = ks.packBT(dst[j:], b, ldb, l0, kc, j0+j)
			}
		}
		for jj := 0; jj < cols; jj++ {
			from := done
			if jj >= j {
				from = 0
			}
			for l, v := range b[(j0+jj)*ldb+l0+from:][:kc-from] {
				dst[(from+l)*nr+jj] = v
			}
		}
	}
}
