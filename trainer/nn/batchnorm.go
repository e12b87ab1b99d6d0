package nn

import (
	"fmt"
	"math"
)

// BatchNorm is batch normalisation over C channels with a learnable
// per-channel scale gamma and shift beta, optionally followed by a fused
// ReLU. It matches torch.nn.BatchNorm2d (Forward, Backward, Infer on CNHW
// activations) and torch.nn.BatchNorm1d (Forward1D, Backward1D, Infer1D on
// n×C row-major matrices): training normalises with the batch mean and the
// biased variance and updates the running statistics with the unbiased one.
//
// Gamma and beta are passed to the forward calls (they are the caller's
// parameters); the running statistics are buffers kept here. A BatchNorm
// remembers what its last training forward pass needs for the backward pass
// (per channel: mean, 1/√(var+eps), and the gamma it used), so the calls for
// one layer must alternate Forward, Backward (Infer may come between them).
// It must not be used concurrently.
type BatchNorm struct {
	C        int     // channels (features)
	ReLU     bool    // apply ReLU to the output
	Eps      float64 // added to the variance; NewBatchNorm sets 1e-5
	Momentum float64 // running-statistics momentum; NewBatchNorm sets 0.1

	// RunningMean and RunningVar are the running statistics used by Infer,
	// updated by every training forward pass as
	// running = (1−Momentum)·running + Momentum·batch, with the unbiased batch
	// variance. NewBatchNorm initialises them to 0 and 1.
	RunningMean, RunningVar []float32

	// Saved by the last training forward pass, per channel.
	mean, invStd, g []float64 // batch mean, 1/√(var+eps), gamma/√(var+eps)
	center          []float32 // float32(mean)
	scale, shift    []float32 // y = (x−center)·scale + shift before the ReLU
	m               int       // values per channel (0: no forward yet)
}

// NewBatchNorm returns a BatchNorm for c channels with PyTorch's defaults
// (eps 1e-5, momentum 0.1, running mean 0 and variance 1).
func NewBatchNorm(c int, relu bool) *BatchNorm {
	b := &BatchNorm{C: c, ReLU: relu, Eps: 1e-5, Momentum: 0.1,
		RunningMean: make([]float32, c), RunningVar: make([]float32, c)}
	for i := range b.RunningVar {
		b.RunningVar[i] = 1
	}
	return b
}

func (b *BatchNorm) check(m int) {
	if b.C < 1 || m < 1 || len(b.RunningMean) != b.C || len(b.RunningVar) != b.C {
		panic(fmt.Sprintf("nn: BatchNorm with C=%d, %d running means, %d running variances, %d values per channel",
			b.C, len(b.RunningMean), len(b.RunningVar), m))
	}
}

func (b *BatchNorm) checkTrain(y, x, gamma, beta []float32, m int) {
	b.check(m)
	if m < 2 {
		panic("nn: BatchNorm training needs more than one value per channel")
	}
	checkLen("BatchNorm x", x, b.C*m)
	checkLen("BatchNorm y", y, b.C*m)
	checkLen("BatchNorm gamma", gamma, b.C)
	checkLen("BatchNorm beta", beta, b.C)
	if len(b.mean) != b.C {
		b.mean, b.invStd, b.g = make([]float64, b.C), make([]float64, b.C), make([]float64, b.C)
		b.center, b.scale, b.shift = make([]float32, b.C), make([]float32, b.C), make([]float32, b.C)
	}
	b.m = m
}

func (b *BatchNorm) checkBackward(dx, dgamma, dbeta, x, dy []float32, m int) {
	b.check(m)
	if b.m != m {
		panic("nn: BatchNorm backward pass without a matching forward pass")
	}
	checkLen("BatchNorm x", x, b.C*m)
	checkLen("BatchNorm dy", dy, b.C*m)
	checkLen("BatchNorm dx", dx, b.C*m)
	checkLen("BatchNorm dgamma", dgamma, b.C)
	checkLen("BatchNorm dbeta", dbeta, b.C)
}

// stats records channel c's batch statistics from the shifted sums
// s = Σ(x−x0) and q = Σ(x−x0)² over b.m values and updates its running
// statistics.
func (b *BatchNorm) stats(c int, x0, s, q float64, gamma, beta float32) {
	fm := float64(b.m)
	d := s / fm
	mean := x0 + d
	v := max(0, q/fm-float64(d*d))
	inv := 1 / math.Sqrt(v+b.Eps)
	g := float64(gamma) * inv
	b.mean[c], b.invStd[c], b.g[c] = mean, inv, g
	b.center[c], b.scale[c] = float32(mean), float32(g)
	b.shift[c] = float32(float64(beta) - float64((mean-float64(b.center[c]))*g))
	mo := b.Momentum
	b.RunningMean[c] = float32(float64(mo*mean) + float64((1-mo)*float64(b.RunningMean[c])))
	b.RunningVar[c] = float32(mo*v*fm/(fm-1) + float64((1-mo)*float64(b.RunningVar[c])))
}

// affine is the normalisation (x−center)·scale + shift. Centring first keeps
// it accurate when the mean is large next to the spread (x−center is exact
// for x near center). The conversion keeps the compiler from fusing it into
// an FMA, so that the backward pass's recomputed ReLU mask matches the
// forward pass exactly.
func affine(x, center, scale, shift float32) float32 {
	return float32((x-center)*scale) + shift
}

// Forward normalises x (C×m, CNHW with m = N·H·W) with its batch statistics
// into y: y = gamma·(x−mean)/√(var+eps) + beta, then ReLU if b.ReLU. It
// updates the running statistics and saves what Backward needs. y must not
// alias x if Backward follows (Backward reads x). Training needs m ≥ 2.
func (b *BatchNorm) Forward(y, x, gamma, beta []float32, m int) {
	b.checkTrain(y, x, gamma, beta, m)
	parallelFor(b.C, func(_, c int) {
		xs := x[c*m : (c+1)*m]
		x0 := xs[0]
		s, q := bnSums(xs, x0)
		b.stats(c, float64(x0), s, q, gamma[c], beta[c])
		applyAffine(y[c*m:(c+1)*m], xs, b.center[c], b.scale[c], b.shift[c], b.ReLU)
	})
}

// The per-channel loops of the CNHW path run on the assembly versions in
// bn_amd64.s for the largest multiple of 16 values when useBNAsm is set, on
// their Go twins in bn_go.go (same bits) otherwise, and in Go for the rest. Either way the order of every sum depends only on the
// length, so results do not depend on the goroutine count.

// bnSums returns Σ(x−x0) and Σ(x−x0)² over xs in float64.
func bnSums(xs []float32, x0 float32) (s, q float64) {
	n := 0
	if n = len(xs) &^ 15; n > 0 {
		if useBNAsm {
			s, q = bnSums16(&xs[0], n, x0)
		} else {
			s, q = bnSums16Go(xs[:n], x0)
		}
	}
	ts, tq := bnSumsGo(xs[n:], float64(x0))
	return s + ts, q + tq
}

func bnSumsGo(xs []float32, x0 float64) (s, q float64) {
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		x4 := (*[4]float32)(xs[i:])
		d0 := float64(x4[0]) - x0
		d1 := float64(x4[1]) - x0
		d2 := float64(x4[2]) - x0
		d3 := float64(x4[3]) - x0
		s0, s1, s2, s3 = s0+d0, s1+d1, s2+d2, s3+d3
		q0, q1, q2, q3 = q0+float64(d0*d0), q1+float64(d1*d1), q2+float64(d2*d2), q3+float64(d3*d3)
	}
	for ; i < len(xs); i++ {
		d := float64(xs[i]) - x0
		s0, q0 = s0+d, q0+float64(d*d)
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
}

// applyAffine sets y = affine(x) (then ReLU if relu) for len(x) values.
func applyAffine(y, x []float32, center, scale, shift float32, relu bool) {
	y = y[:len(x)]
	n := 0
	if useBNAsm {
		if n = len(x) &^ 15; n > 0 {
			bnAffine16(&y[0], &x[0], n, center, scale, shift, relu)
		}
	}
	applyAffineGo(y[n:], x[n:], center, scale, shift, relu)
}

func applyAffineGo(y, x []float32, center, scale, shift float32, relu bool) {
	y = y[:len(x)]
	if relu {
		for i, v := range x {
			y[i] = max(0, affine(v, center, scale, shift))
		}
		return
	}
	for i, v := range x {
		y[i] = affine(v, center, scale, shift)
	}
}

// Infer normalises x (C×m, CNHW) with the running statistics into y (ReLU if
// b.ReLU), as a PyTorch module in eval mode. It changes no state; y may alias
// x.
func (b *BatchNorm) Infer(y, x, gamma, beta []float32, m int) {
	b.check(m)
	checkLen("BatchNorm x", x, b.C*m)
	checkLen("BatchNorm y", y, b.C*m)
	checkLen("BatchNorm gamma", gamma, b.C)
	checkLen("BatchNorm beta", beta, b.C)
	parallelFor(b.C, func(_, c int) {
		center, scale, shift := b.inferAffine(c, gamma[c], beta[c])
		applyAffine(y[c*m:(c+1)*m], x[c*m:(c+1)*m], center, scale, shift, b.ReLU)
	})
}

func (b *BatchNorm) inferAffine(c int, gamma, beta float32) (center, scale, shift float32) {
	g := float64(gamma) / math.Sqrt(float64(b.RunningVar[c])+b.Eps)
	return b.RunningMean[c], float32(g), beta
}

// grads turns channel c's sums Σdz and Σdz·(x−mean) (dz = ∂L/∂ of the
// pre-ReLU output) into dgamma, dbeta and the coefficients of
// dx = k1·dz + k2·(x−center) + k3.
func (b *BatchNorm) grads(c int, sdz, sdzx float64) (dg, db, k1, k2, k3 float32) {
	inv, g, fm := b.invStd[c], b.g[c], float64(b.m)
	dgamma := sdzx * inv
	k2 = float32(-g * inv * dgamma / fm)
	// (x−mean) = (x−center) − (mean−center)
	k3 = float32(-g*sdz/fm + float64(g*inv*dgamma/fm*(b.mean[c]-float64(b.center[c]))))
	return float32(dgamma), float32(sdz), float32(g), k2, k3
}

// Backward computes, from dy = ∂L/∂y of the last Forward (same x), dx = ∂L/∂x
// and the parameter gradients dgamma and dbeta (length C, overwritten),
// using the gamma of that Forward. With ReLU the output mask is recomputed
// from x. dx may alias dy.
func (b *BatchNorm) Backward(dx, dgamma, dbeta, x, dy []float32, m int) {
	b.checkBackward(dx, dgamma, dbeta, x, dy, m)
	parallelFor(b.C, func(_, c int) {
		xs, dys, dxs := x[c*m:(c+1)*m], dy[c*m:(c+1)*m], dx[c*m:(c+1)*m]
		center, scale, shift := b.center[c], b.scale[c], b.shift[c]
		// Two passes over x and dy: the sums, then dx (the ReLU mask is
		// recomputed in both rather than stored).
		s, t := bnGradSums(xs, dys, b.mean[c], center, scale, shift, b.ReLU)
		dg, db, k1, k2, k3 := b.grads(c, s, t)
		dgamma[c], dbeta[c] = dg, db
		bnDx(dxs, xs, dys, k1, k2, k3, center, scale, shift, b.ReLU)
	})
}

// bnGradSums returns Σdz and Σdz·(x−mean) in float64, where dz is dy, or
// with relu dy masked by the ReLU of affine(x).
func bnGradSums(xs, dys []float32, mean float64, center, scale, shift float32, relu bool) (s, t float64) {
	n := 0
	if n = len(xs) &^ 15; n > 0 {
		_ = dys[n-1]
		if useBNAsm {
			s, t = bnGradSums16(&xs[0], &dys[0], n, mean, center, scale, shift, relu)
		} else {
			s, t = bnGradSums16Go(xs[:n], dys[:n], mean, center, scale, shift, relu)
		}
	}
	ts, tt := bnGradSumsGo(xs[n:], dys[n:], mean, center, scale, shift, relu)
	return s + ts, t + tt
}

func bnGradSumsGo(xs, dys []float32, mean float64, center, scale, shift float32, relu bool) (s, t float64) {
	var s0, s1, s2, s3, t0, t1, t2, t3 float64
	dys = dys[:len(xs)]
	i := 0
	if relu {
		for ; i+4 <= len(xs); i += 4 {
			x4 := (*[4]float32)(xs[i:])
			y4 := (*[4]float32)(dys[i:])
			d0 := float64(keepIfPos(y4[0], affine(x4[0], center, scale, shift)))
			d1 := float64(keepIfPos(y4[1], affine(x4[1], center, scale, shift)))
			d2 := float64(keepIfPos(y4[2], affine(x4[2], center, scale, shift)))
			d3 := float64(keepIfPos(y4[3], affine(x4[3], center, scale, shift)))
			s0, s1, s2, s3 = s0+d0, s1+d1, s2+d2, s3+d3
			t0 += float64(d0 * (float64(x4[0]) - mean))
			t1 += float64(d1 * (float64(x4[1]) - mean))
			t2 += float64(d2 * (float64(x4[2]) - mean))
			t3 += float64(d3 * (float64(x4[3]) - mean))
		}
	} else {
		for ; i+4 <= len(xs); i += 4 {
			x4 := (*[4]float32)(xs[i:])
			y4 := (*[4]float32)(dys[i:])
			d0, d1, d2, d3 := float64(y4[0]), float64(y4[1]), float64(y4[2]), float64(y4[3])
			s0, s1, s2, s3 = s0+d0, s1+d1, s2+d2, s3+d3
			t0 += float64(d0 * (float64(x4[0]) - mean))
			t1 += float64(d1 * (float64(x4[1]) - mean))
			t2 += float64(d2 * (float64(x4[2]) - mean))
			t3 += float64(d3 * (float64(x4[3]) - mean))
		}
	}
	for ; i < len(xs); i++ {
		dz := dys[i]
		if relu {
			dz = keepIfPos(dz, affine(xs[i], center, scale, shift))
		}
		d := float64(dz)
		s0, t0 = s0+d, t0+float64(d*(float64(xs[i])-mean))
	}
	return (s0 + s1) + (s2 + s3), (t0 + t1) + (t2 + t3)
}

// bnDx sets dx = k1·dz + k2·(x−center) + k3, dz as in bnGradSums. dx may
// alias dy.
func bnDx(dxs, xs, dys []float32, k1, k2, k3, center, scale, shift float32, relu bool) {
	n := 0
	if n = len(xs) &^ 15; n > 0 {
		_, _ = dxs[n-1], dys[n-1]
		if useBNAsm {
			bnDx16(&dxs[0], &xs[0], &dys[0], n, k1, k2, k3, center, scale, shift, relu)
		} else {
			bnDx16Go(dxs[:n], xs[:n], dys[:n], k1, k2, k3, center, scale, shift, relu)
		}
	}
	bnDxGo(dxs[n:], xs[n:], dys[n:], k1, k2, k3, center, scale, shift, relu)
}

func bnDxGo(dxs, xs, dys []float32, k1, k2, k3, center, scale, shift float32, relu bool) {
	dxs, dys = dxs[:len(xs)], dys[:len(xs)]
	if relu {
		for i, v := range xs {
			dz := keepIfPos(dys[i], affine(v, center, scale, shift))
			dxs[i] = float32(k1*dz) + float32(k2*(v-center)) + k3
		}
		return
	}
	for i, v := range xs {
		dxs[i] = float32(k1*dys[i]) + float32(k2*(v-center)) + k3
	}
}

// Forward1D is Forward for an n×C row-major matrix x (BatchNorm1d on (N, C)
// input): row i is sample i. y has the same layout. Needs n ≥ 2.
func (b *BatchNorm) Forward1D(y, x, gamma, beta []float32, n int) {
	b.checkTrain(y, x, gamma, beta, n)
	C := b.C
	for c := 0; c < C; c++ {
		x0 := float64(x[c])
		var s, q float64
		for i := c; i < len(x); i += C {
			d := float64(x[i]) - x0
			s, q = s+d, q+float64(d*d)
		}
		b.stats(c, x0, s, q, gamma[c], beta[c])
	}
	for r := 0; r < n; r++ {
		xr, yr := x[r*C:(r+1)*C], y[r*C:(r+1)*C]
		for c, v := range xr {
			yv := affine(v, b.center[c], b.scale[c], b.shift[c])
			if b.ReLU {
				yv = max(0, yv)
			}
			yr[c] = yv
		}
	}
}

// Infer1D is Infer for an n×C row-major matrix. y may alias x.
func (b *BatchNorm) Infer1D(y, x, gamma, beta []float32, n int) {
	b.check(n)
	checkLen("BatchNorm x", x, b.C*n)
	checkLen("BatchNorm y", y, b.C*n)
	checkLen("BatchNorm gamma", gamma, b.C)
	checkLen("BatchNorm beta", beta, b.C)
	for c := 0; c < b.C; c++ {
		center, scale, shift := b.inferAffine(c, gamma[c], beta[c])
		for i := c; i < len(x); i += b.C {
			yv := affine(x[i], center, scale, shift)
			if b.ReLU {
				yv = max(0, yv)
			}
			y[i] = yv
		}
	}
}

// Backward1D is Backward for an n×C row-major matrix. dx may alias dy.
func (b *BatchNorm) Backward1D(dx, dgamma, dbeta, x, dy []float32, n int) {
	b.checkBackward(dx, dgamma, dbeta, x, dy, n)
	for c := 0; c < b.C; c++ {
		center, scale, shift, mean := b.center[c], b.scale[c], b.shift[c], b.mean[c]
		var s, t float64
		for i := c; i < len(x); i += b.C {
			if !b.ReLU || affine(x[i], center, scale, shift) > 0 {
				d := float64(dy[i])
				s, t = s+d, t+float64(d*(float64(x[i])-mean))
			}
		}
		dg, db, k1, k2, k3 := b.grads(c, s, t)
		dgamma[c], dbeta[c] = dg, db
		for i := c; i < len(x); i += b.C {
			var dz float32
			if !b.ReLU || affine(x[i], center, scale, shift) > 0 {
				dz = dy[i]
			}
			dx[i] = float32(k1*dz) + float32(k2*(x[i]-center)) + k3
		}
	}
}
