package gemm

// kernelGo sets the mr×nr tile c (row stride ldc) to alpha·AB + beta·c,
// where AB = sum over l < kc of the outer products of column l of the
// packed A panel a (kc×mr) and row l of the packed B panel b (kc×nr). With
// beta == 0, c is not read. Each element's products are summed in order.
// kernelGo is the portable micro-kernel. It works on 2×4 sub-tiles so that
// the accumulators can stay in registers.
func kernelGo(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	a = a[:kc*mr]
	b = b[:kc*nr]
	for i := 0; i < mr; i += 2 {
		for j := 0; j < nr; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			for l := 0; l < kc; l++ {
				av := a[l*mr+i : l*mr+i+2 : l*mr+i+2]
				bv := b[l*nr+j : l*nr+j+4 : l*nr+j+4]
				a0, a1 := av[0], av[1]
				b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
			}
			r0 := c[i*ldc+j : i*ldc+j+4 : i*ldc+j+4]
			r1 := c[(i+1)*ldc+j : (i+1)*ldc+j+4 : (i+1)*ldc+j+4]
			store4(r0, c00, c01, c02, c03, alpha, beta)
			store4(r1, c10, c11, c12, c13, alpha, beta)
		}
	}
}

// store4 sets r[j] = alpha·v_j + beta·r[j], each product rounded separately
// (as the assembly kernel does), ignoring r when beta == 0.
func store4(r []float32, v0, v1, v2, v3, alpha, beta float32) {
	r = r[:4]
	if beta == 0 {
		r[0], r[1], r[2], r[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	r[0] = float32(alpha*v0) + float32(beta*r[0])
	r[1] = float32(alpha*v1) + float32(beta*r[1])
	r[2] = float32(alpha*v2) + float32(beta*r[2])
	r[3] = float32(alpha*v3) + float32(beta*r[3])
}
