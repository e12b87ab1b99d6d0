package nn

// Fast im2col and col2im for 3×3 kernels with padding 1 and stride 1 or 2,
// the convolutions of the trainer's CNNs.
//
// For stride 1, each of the nine rows (kh, kw) of one image's block of col
// is the image shifted by (kh−1, kw−1): one contiguous copy of the whole
// plane, then the few padding entries (a row at the top or bottom, a column
// at the left or right) set to zero.
//
// For stride 2 the image is first split into its four polyphase components
// P[pr][pc](i, j) = x(2i+pr, 2j+pc), each Ho×Wo (zero past the image). Output
// (oh, ow) of row (kh, kw) reads input (2oh−1+kh, 2ow−1+kw), which is
// P[pr][pc](oh−dr, ow−dc) with pr = dr = 1 for kh = 0, pr = 0, dr = 0 for
// kh = 1, pr = 1, dr = 0 for kh = 2 (and the same for kw), so again each row
// is one contiguous copy of a component shifted by dr·Wo+dc, with a zero top
// row (dr = 1) and left column (dc = 1).
//
// col2im runs the same maps backwards: the shifted blocks are added into the
// plane (stride 1) or into the four components, which are then interleaved
// into dx (stride 2). Every element's contributions are summed in a fixed
// order.

// maxPhase bounds the stack buffer for one image's polyphase components
// (4·Ho·Wo floats); larger images take the generic path.
const maxPhase = 4096

// fast3x3 reports whether im2col3x3 and col2im3x3 handle c's geometry.
func (c *Conv2D) fast3x3(g *geom) bool {
	if c.KH != 3 || c.KW != 3 || c.Pad != 1 {
		return false
	}
	switch c.Stride {
	case 1:
		return g.h >= 2 && g.w >= 2
	case 2:
		return g.ho >= 2 && g.wo >= 2 && 4*g.ho*g.wo <= maxPhase
	}
	return false
}

// phaseShift returns, for kernel offset k (0, 1, 2) at stride 2, the parity
// of the input index and the shift d of the output index: input 2o−1+k is
// component parity p at o−d.
func phaseShift(k int) (p, d int) {
	switch k {
	case 0:
		return 1, 1
	case 1:
		return 0, 0
	}
	return 1, 0
}

// im2col3x3 is im2col for a geometry fast3x3 accepts.
func (c *Conv2D) im2col3x3(col, x []float32, g *geom, n0, cnt int) {
	h, w, ho, wo := g.h, g.w, g.ho, g.wo
	hw, howo := h*w, ho*wo
	nc := cnt * howo
	var phase [maxPhase]float32
	for ci := 0; ci < c.Ci; ci++ {
		plane := x[(ci*g.n+n0)*hw : (ci*g.n+n0+cnt)*hw]
		rows := col[ci*9*nc : (ci+1)*9*nc]
		for i := 0; i < cnt; i++ {
			img := plane[i*hw : (i+1)*hw]
			if c.Stride == 1 {
				for kh := 0; kh < 3; kh++ {
					for kw := 0; kw < 3; kw++ {
						r := kh*3 + kw
						d := rows[r*nc+i*howo : r*nc+(i+1)*howo]
						shiftCopy(d, img, (kh-1)*w+(kw-1))
						fixEdges(d, h, w, kh, kw)
					}
				}
				continue
			}
			splitPhases(phase[:4*howo], img, h, w, ho, wo)
			for kh := 0; kh < 3; kh++ {
				pr, dr := phaseShift(kh)
				for kw := 0; kw < 3; kw++ {
					pc, dc := phaseShift(kw)
					r := kh*3 + kw
					d := rows[r*nc+i*howo : r*nc+(i+1)*howo]
					p := phase[(2*pr+pc)*howo : (2*pr+pc+1)*howo]
					off := dr*wo + dc
					clear(d[:off])
					copy(d[off:], p)
					if dc == 1 {
						for o := wo; o < len(d); o += wo {
							d[o] = 0
						}
					}
				}
			}
		}
	}
}

// shiftCopy sets d[t] = s[t+off] where 0 ≤ t+off < len(s) and 0 elsewhere
// (len(d) == len(s)).
func shiftCopy(d, s []float32, off int) {
	n := len(d)
	if off >= 0 {
		copy(d, s[off:])
		clear(d[n-off:])
		return
	}
	clear(d[:-off])
	copy(d[-off:], s)
}

// fixEdges zeroes the entries of the shifted plane d (h×w, stride 1, pad 1)
// that stand for padding: its top or bottom row and left or right column.
func fixEdges(d []float32, h, w, kh, kw int) {
	// The top (kh = 0) and bottom (kh = 2) rows are zero already: shiftCopy
	// shifts by at least w there.
	switch kw {
	case 0:
		for o := 0; o < len(d); o += w {
			d[o] = 0
		}
	case 2:
		for o := w - 1; o < len(d); o += w {
			d[o] = 0
		}
	}
}

// splitPhases writes the four polyphase components of the h×w image img,
// each ho×wo, into p: component (pr, pc) at p[(2pr+pc)·ho·wo:].
func splitPhases(p, img []float32, h, w, ho, wo int) {
	howo := ho * wo
	for pr := 0; pr < 2; pr++ {
		for oi := 0; oi < ho; oi++ {
			ee := p[(2*pr)*howo+oi*wo : (2*pr)*howo+(oi+1)*wo]
			oo := p[(2*pr+1)*howo+oi*wo : (2*pr+1)*howo+(oi+1)*wo]
			ih := 2*oi + pr
			if ih >= h {
				clear(ee)
				clear(oo)
				continue
			}
			deinterleave(ee, oo, img[ih*w:(ih+1)*w])
		}
	}
}

// deinterleave sets ee[j] = src[2j] and oo[j] = src[2j+1], or 0 where
// 2j+1 is past src (len(ee) == len(oo) == (len(src)+1)/2).
func deinterleave(ee, oo, src []float32) {
	j := 0
	for ; 4*j+8 <= len(src) && 4*j+4 <= len(ee) && 4*j+4 <= len(oo); j++ {
		s := (*[8]float32)(src[8*j:])
		e := (*[4]float32)(ee[4*j:])
		o := (*[4]float32)(oo[4*j:])
		e[0], o[0], e[1], o[1] = s[0], s[1], s[2], s[3]
		e[2], o[2], e[3], o[3] = s[4], s[5], s[6], s[7]
	}
	for j *= 4; 2*j+1 < len(src) && j < len(ee); j++ {
		ee[j], oo[j] = src[2*j], src[2*j+1]
	}
	for ; j < len(ee); j++ {
		ee[j], oo[j] = src[2*j], 0
	}
}

// col2im3x3 is col2im for a geometry fast3x3 accepts. It uses col as
// scratch: the entries that stand for padding are zeroed.
func (c *Conv2D) col2im3x3(dx, col []float32, g *geom, n0, cnt int) {
	h, w, ho, wo := g.h, g.w, g.ho, g.wo
	hw, howo := h*w, ho*wo
	nc := cnt * howo
	var phase [maxPhase]float32
	for ci := 0; ci < c.Ci; ci++ {
		plane := dx[(ci*g.n+n0)*hw : (ci*g.n+n0+cnt)*hw]
		rows := col[ci*9*nc : (ci+1)*9*nc]
		for i := 0; i < cnt; i++ {
			img := plane[i*hw : (i+1)*hw]
			if c.Stride == 1 {
				// The centre row covers the whole plane: it initialises it.
				copy(img, rows[4*nc+i*howo:4*nc+(i+1)*howo])
				for kh := 0; kh < 3; kh++ {
					for kw := 0; kw < 3; kw++ {
						r := kh*3 + kw
						if r == 4 {
							continue
						}
						d := rows[r*nc+i*howo : r*nc+(i+1)*howo]
						fixEdges(d, h, w, kh, kw)
						shiftAdd(img, d, (kh-1)*w+(kw-1))
					}
				}
				continue
			}
			p := phase[:4*howo]
			// Rows (kh, kw) with kh, kw ∈ {1, 2} cover a whole component
			// each: they initialise it; the others add to it.
			for _, k := range [9][2]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}, {0, 0}, {0, 1}, {0, 2}, {1, 0}, {2, 0}} {
				kh, kw := k[0], k[1]
				pr, dr := phaseShift(kh)
				pc, dc := phaseShift(kw)
				r := kh*3 + kw
				d := rows[r*nc+i*howo : r*nc+(i+1)*howo]
				q := p[(2*pr+pc)*howo : (2*pr+pc+1)*howo]
				if dr == 0 && dc == 0 {
					copy(q, d)
					continue
				}
				if dc == 1 {
					for o := wo; o < len(d); o += wo {
						d[o] = 0
					}
				}
				off := dr*wo + dc
				addTo(q[:len(q)-off], d[off:])
			}
			mergePhases(img, p, h, w, ho, wo)
		}
	}
}

// shiftAdd adds s[t] to d[t+off] wherever 0 ≤ t+off < len(d).
func shiftAdd(d, s []float32, off int) {
	if off >= 0 {
		addTo(d[off:], s[:len(s)-off])
		return
	}
	addTo(d[:len(d)+off], s[-off:])
}

// addTo sets d[i] += s[i].
func addTo(d, s []float32) {
	s = s[:len(d)]
	i := 0
	for ; i+4 <= len(d); i += 4 {
		dd := (*[4]float32)(d[i:])
		ss := (*[4]float32)(s[i:])
		dd[0] += ss[0]
		dd[1] += ss[1]
		dd[2] += ss[2]
		dd[3] += ss[3]
	}
	for ; i < len(d); i++ {
		d[i] += s[i]
	}
}

// mergePhases interleaves the four components in p back into the h×w
// image img (the inverse of splitPhases).
func mergePhases(img, p []float32, h, w, ho, wo int) {
	howo := ho * wo
	for ih := 0; ih < h; ih++ {
		pr, oi := ih&1, ih>>1
		ee := p[(2*pr)*howo+oi*wo : (2*pr)*howo+(oi+1)*wo]
		oo := p[(2*pr+1)*howo+oi*wo : (2*pr+1)*howo+(oi+1)*wo]
		interleave(img[ih*w:(ih+1)*w], ee, oo)
	}
}

// interleave is the inverse of deinterleave: dst[2j] = ee[j] and
// dst[2j+1] = oo[j] within dst.
func interleave(dst, ee, oo []float32) {
	j := 0
	for ; 4*j+8 <= len(dst) && 4*j+4 <= len(ee) && 4*j+4 <= len(oo); j++ {
		d := (*[8]float32)(dst[8*j:])
		e := (*[4]float32)(ee[4*j:])
		o := (*[4]float32)(oo[4*j:])
		d[0], d[1], d[2], d[3] = e[0], o[0], e[1], o[1]
		d[4], d[5], d[6], d[7] = e[2], o[2], e[3], o[3]
	}
	for j *= 4; 2*j+1 < len(dst) && j < len(ee); j++ {
		dst[2*j], dst[2*j+1] = ee[j], oo[j]
	}
	if 2*j < len(dst) && j < len(ee) {
		dst[2*j] = ee[j]
	}
}
