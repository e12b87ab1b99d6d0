package nn

import "math"

// Add sets y = a + b elementwise, followed by ReLU when relu is set (the
// residual join of a ResNet block). y may alias a or b. Its backward pass is
// dy for both inputs without ReLU, and ReLUBackward(·, y, dy) with it.
func Add(y, a, b []float32, relu bool) {
	checkLen("Add b", b, len(a))
	checkLen("Add y", y, len(a))
	parallelRange(len(a), func(lo, hi int) {
		ys, as, bs := y[lo:hi], a[lo:hi], b[lo:hi]
		if relu {
			for i, v := range as {
				ys[i] = max(0, v+bs[i])
			}
			return
		}
		for i, v := range as {
			ys[i] = v + bs[i]
		}
	})
}

// ReLU sets y = max(0, x) elementwise. y may alias x.
func ReLU(y, x []float32) {
	checkLen("ReLU y", y, len(x))
	parallelRange(len(x), func(lo, hi int) {
		ys := y[lo:hi]
		for i, v := range x[lo:hi] {
			ys[i] = max(0, v)
		}
	})
}

// ReLUBackward sets dx = dy where the ReLU output y is positive and 0
// elsewhere; it is the backward pass of ReLU and of Add with relu. dx may
// alias dy.
func ReLUBackward(dx, y, dy []float32) {
	checkLen("ReLUBackward dy", dy, len(y))
	checkLen("ReLUBackward dx", dx, len(y))
	parallelRange(len(y), func(lo, hi int) {
		dxs, dys := dx[lo:hi], dy[lo:hi]
		for i, v := range y[lo:hi] {
			dxs[i] = keepIfPos(dys[i], v)
		}
	})
}

// keepIfPos returns d if v > 0 and 0 otherwise (for v not NaN), without a
// branch: ReLU masks are unpredictable, and a mispredicted branch per element
// would cost more than the rest of the loop.
func keepIfPos(d, v float32) float32 {
	// v > 0 exactly when its bits, as a signed integer, are positive; the
	// widening keeps −0 (bits 0x80000000) from wrapping round.
	mask := uint32(^((int64(int32(math.Float32bits(v))) - 1) >> 63))
	return math.Float32frombits(math.Float32bits(d) & mask)
}
