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
			for l := 0; l < kc; l++ {
				*(*[mr]float32)(p[l*mr:]) = *(*[mr]float32)(a[(l0+l)*lda+r0:])
			}
		case trans:
			for l := 0; l < kc; l++ {
				d := (*[mr]float32)(p[l*mr:])
				*d = [mr]float32{}
				copy(d[:h], a[(l0+l)*lda+r0:][:h])
			}
		case h == mr:
			packANFull(p, a, lda, r0, l0, kc)
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
		d := (*[mr]float32)(p[l*mr:])
		d[0], d[1], d[2], d[3], d[4], d[5] = s0[l], s1[l], s2[l], s3[l], s4[l], s5[l]
	}
}

// packB packs columns j0..j0+cols-1 (cols ≤ nr) and rows l0..l0+kc-1 of
// op(B) into one panel: element (l, j) at dst[l·nr+j], the columns past
// cols zero.
func packB(dst, b []float32, ldb int, trans bool, l0, kc, j0, cols int) {
	switch {
	case !trans && cols == nr:
		if packBNAsm(dst, b, ldb, l0, kc, j0) {
			return
		}
		for l := 0; l < kc; l++ {
			*(*[nr]float32)(dst[l*nr:]) = *(*[nr]float32)(b[(l0+l)*ldb+j0:])
		}
	case !trans:
		for l := 0; l < kc; l++ {
			d := (*[nr]float32)(dst[l*nr:])
			*d = [nr]float32{}
			copy(d[:cols], b[(l0+l)*ldb+j0:][:cols])
		}
	default:
		j := 0
		if cols < nr {
			clear(dst[:kc*nr])
		}
		// Groups of 8 columns in assembly, up to kc&^7; the rest in Go.
		done := kc
		for ; j+8 <= cols; j += 8 {
			done = packBTAsm(dst[j:], b, ldb, l0, kc, j0+j)
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
