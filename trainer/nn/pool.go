package nn

// GlobalAvgPool averages each h·w plane of x (c×n×h×w, CNHW; hw = h·w) into
// y, an n×c row-major matrix: y[i·c+ch] = mean of x's plane (ch, i).
func GlobalAvgPool(y, x []float32, c, n, hw int) {
	checkLen("GlobalAvgPool x", x, c*n*hw)
	checkLen("GlobalAvgPool y", y, c*n)
	parallelFor(c, func(_, ch int) {
		for i := 0; i < n; i++ {
			p := x[(ch*n+i)*hw : (ch*n+i+1)*hw]
			var s float64
			for _, v := range p {
				s += float64(v)
			}
			y[i*c+ch] = float32(s / float64(hw))
		}
	})
}

// GlobalAvgPoolBackward is GlobalAvgPool's backward pass: every element of
// plane (ch, i) of dx (c×n×h×w) gets dy[i·c+ch]/hw.
func GlobalAvgPoolBackward(dx, dy []float32, c, n, hw int) {
	checkLen("GlobalAvgPool dx", dx, c*n*hw)
	checkLen("GlobalAvgPool dy", dy, c*n)
	parallelFor(c, func(_, ch int) {
		for i := 0; i < n; i++ {
			v := dy[i*c+ch] / float32(hw)
			p := dx[(ch*n+i)*hw : (ch*n+i+1)*hw]
			for j := range p {
				p[j] = v
			}
		}
	})
}
