package optim

import "math"

// The update rules. Every product is wrapped in float32(...) so that the
// compiler cannot fuse it with the following addition into an FMA (the Go
// spec lets an explicit conversion force the rounding): the bits then depend
// only on the inputs, not on the CPU.

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// stepSGD is torch.optim.SGD with dampening 0:
//
//	d = g + wd·w
//	b = d (first step), μ·b + d (later)
//	d = d + μ·b (Nesterov) or b
//	w = w − lr·d
func (o *Optimizer) stepSGD(p *Param, st *paramState, lr, wd64 float64) {
	wd := float32(wd64)
	mu := float32(o.cfg.Momentum)
	lr32 := float32(lr)
	nesterov := o.cfg.Nesterov
	var buf []float32
	if len(st.bufs) > 0 {
		buf = st.bufs[0]
	}
	first := st.steps == 0
	val := p.Value
	for j, g := range p.Grad[:len(val)] {
		w := val[j]
		d := g
		if wd != 0 {
			d = g + float32(wd*w)
		}
		if buf != nil {
			if first {
				buf[j] = d
			} else {
				buf[j] = float32(mu*buf[j]) + d
			}
			if nesterov {
				d = d + float32(mu*buf[j])
			} else {
				d = buf[j]
			}
		}
		val[j] = w - float32(lr32*d)
	}
}

// stepLARS is the LARS of the SimCLR / SupCon TensorFlow code (classic
// momentum, learning rate inside the velocity, velocity starting at 0):
//
//	d = g + wd·w                                 (Weight only)
//	t = η·‖w‖/‖d‖ if both norms > 0, else 1      (Weight only; NoDecay: t = 1)
//	v = μ·v + lr·t·d
//	w = w − (μ·v + lr·t·d) (Nesterov) or w − v
func (o *Optimizer) stepLARS(p *Param, st *paramState, lr, wd64 float64) {
	wd := float32(wd64)
	val := p.Value
	grad := p.Grad[:len(val)]
	trust := 1.0
	if p.Kind == Weight {
		var wn, gn float64
		for j, g := range grad {
			w := val[j]
			d := g
			if wd != 0 {
				d = g + float32(wd*w)
			}
			wn += float64(w) * float64(w)
			gn += float64(d) * float64(d)
		}
		if wn > 0 && gn > 0 {
			trust = o.cfg.TrustCoef * math.Sqrt(wn) / math.Sqrt(gn)
		}
	}
	scaled := float32(lr * trust)
	mu := float32(o.cfg.Momentum)
	nesterov := o.cfg.Nesterov
	v := st.bufs[0]
	for j, g := range grad {
		w := val[j]
		d := g
		if wd != 0 {
			d = g + float32(wd*w)
		}
		step := float32(scaled * d)
		v[j] = float32(mu*v[j]) + step
		upd := v[j]
		if nesterov {
			upd = float32(mu*v[j]) + step
		}
		val[j] = w - upd
	}
}

// stepRMSProp is torch.optim.RMSprop, non-centred:
//
//	d = g + wd·w
//	s = α·s + (1−α)·d²
//	a = √s + ε
//	b = μ·b + d/a; w = w − lr·b     (μ > 0)
//	w = w − lr·d/a                  (μ = 0)
func (o *Optimizer) stepRMSProp(p *Param, st *paramState, lr, wd64 float64) {
	wd := float32(wd64)
	alpha := float32(o.cfg.Alpha)
	oneMinus := float32(1 - o.cfg.Alpha)
	eps := float32(o.cfg.Eps)
	mu := float32(o.cfg.Momentum)
	lr32 := float32(lr)
	sq := st.bufs[0]
	var buf []float32
	if len(st.bufs) > 1 {
		buf = st.bufs[1]
	}
	val := p.Value
	for j, g := range p.Grad[:len(val)] {
		w := val[j]
		d := g
		if wd != 0 {
			d = g + float32(wd*w)
		}
		sq[j] = float32(sq[j]*alpha) + float32(oneMinus*float32(d*d))
		avg := sqrt32(sq[j]) + eps
		u := d / avg
		if buf != nil {
			buf[j] = float32(mu*buf[j]) + u
			u = buf[j]
		}
		val[j] = w - float32(lr32*u)
	}
}

// stepAdam is torch.optim.Adam (L2: d = g + wd·w) or torch.optim.AdamW
// (decoupled: w = w·(1 − lr·wd), d = g), non-AMSGrad, at step t ≥ 1:
//
//	m = lerp(m, d, 1−β1)           (PyTorch's lerp: m + (1−β1)·(d−m) for β1 > 0.5)
//	v = β2·v + (1−β2)·d²
//	w = w − (lr/(1−β1ᵗ)) · m / (√v/√(1−β2ᵗ) + ε)
func (o *Optimizer) stepAdam(p *Param, st *paramState, lr, wd64 float64) {
	wd := float32(wd64)
	t := float64(st.steps + 1)
	b1, b2 := o.cfg.Beta1, o.cfg.Beta2
	stepSize := float32(lr / (1 - math.Pow(b1, t)))
	bc2Sqrt := float32(math.Sqrt(1 - math.Pow(b2, t)))
	oneMinusB1 := float32(1 - b1)
	b1f := float32(b1)
	lerpLow := oneMinusB1 < 0.5 // PyTorch's lerp picks its formula by weight
	b2f := float32(b2)
	oneMinusB2 := float32(1 - b2)
	eps := float32(o.cfg.Eps)
	decoupled := o.algo == algoAdamW
	decay := float32(1)
	if decoupled && wd != 0 {
		decay = float32(1 - lr*wd64)
	}
	m, v := st.bufs[0], st.bufs[1]
	val := p.Value
	for j, g := range p.Grad[:len(val)] {
		w := val[j]
		d := g
		if decoupled {
			if wd != 0 {
				w = float32(w * decay)
			}
		} else if wd != 0 {
			d = g + float32(wd*w)
		}
		if lerpLow {
			m[j] = m[j] + float32(oneMinusB1*(d-m[j]))
		} else {
			m[j] = d - float32((d-m[j])*b1f)
		}
		v[j] = float32(v[j]*b2f) + float32(oneMinusB2*float32(d*d))
		denom := sqrt32(v[j])/bc2Sqrt + eps
		val[j] = w - float32(stepSize*(m[j]/denom))
	}
}
