package gemm

// packA packs rows i0..i0+rows-1 and columns l0..l0+kc-1 of op(A) into
// panels of mr rows: panel q holds element (q·mr+i, l) at dst[q·mr·kc+l·mr+i],
// with the rows past the end zero.
func packA(dst, a []float32, lda int, trans bool, i0, rows, l0, kc int) {
	for q := 0; q*mr < rows; q++ {
		p := dst[q*mr*kc : (q+1)*mr*kc]
		r0 := i0 + q*mr
		h := min(mr, rows-q*mr)
		switch {
		case trans && h == mr:
			packATFull(p, a, lda, r0, l0, kc)
		case !trans && h == mr:
			packANFull(p, a, lda, r0, l0, kc)
		default:
			for l := 0; l < kc; l++ {
				d := p[l*mr : l*mr+mr]
				for i := range d {
					switch {
					case i >= h:
						d[i] = 0
					case trans:
						d[i] = a[(l0+l)*lda+r0+i]
					default:
						d[i] = a[(r0+i)*lda+l0+l]
					}
				}
			}
		}
	}
}

// packANFull packs a full panel of A as stored (op(A) = A, rows contiguous in k).
func packANFull(p, a []float32, lda, r0, l0, kc int) {
	done := packANAsm(p, a, lda, r0, l0, kc)
	p, l0, kc = p[done*mr:], l0+done, kc-done
	s0 := a[r0*lda+l0:][:kc]
	s1 := a[(r0+1)*lda+l0:][:kc]
	s2 := a[(r0+2)*lda+l0:][:kc]
	s3 := a[(r0+3)*lda+l0:][:kc]
	s4 := a[(r0+4)*lda+l0:][:kc]
	s5 := a[(r0+5)*lda+l0:][:kc]
	for l := range s0 {
		d := p[l*mr : l*mr+mr : l*mr+mr]
		d[0], d[1], d[2], d[3], d[4], d[5] = s0[l], s1[l], s2[l], s3[l], s4[l], s5[l]
	}
}

// packATFull packs a full panel of op(A) = Aᵀ: mr contiguous values per k.
func packATFull(p, a []float32, lda, r0, l0, kc int) {
	for l := 0; l < kc; l++ {
		s := a[(l0+l)*lda+r0:][:mr]
		copy(p[l*mr:l*mr+mr], s)
	}
}

// packB packs columns j0..j0+cols-1 (cols ≤ nr) and rows l0..l0+kc-1 of
// op(B) into one panel: element (l, j) at dst[l·nr+j], the columns past
// cols zero.
func packB(dst, b []float32, ldb int, trans bool, l0, kc, j0, cols int) {
	switch {
	case !trans && cols == nr:
		for l := 0; l < kc; l++ {
			copy(dst[l*nr:l*nr+nr], b[(l0+l)*ldb+j0:][:nr])
		}
	case !trans:
		for l := 0; l < kc; l++ {
			d := dst[l*nr : l*nr+nr]
			copy(d, b[(l0+l)*ldb+j0:][:cols])
			clear(d[cols:])
		}
	default:
		if cols == nr {
			done := packBTAsm(dst, b, ldb, l0, kc, j0)
			dst, l0, kc = dst[done*nr:], l0+done, kc-done
		}
		for j := 0; j < cols; j++ {
			s := b[(j0+j)*ldb+l0:][:kc]
			for l, v := range s {
				dst[l*nr+j] = v
			}
		}
		if cols < nr {
			for l := 0; l < kc; l++ {
				clear(dst[l*nr+cols : l*nr+nr])
			}
		}
	}
}
