package loss

import "math"

// This file holds naive float64 implementations of every loss, written from
// the formulas of docs/loss.md with explicit loops over anchors, pairs and
// triplets, as the oracle of the tests.

// refOpts are Options with the package's defaults applied, for the oracle.
func refOpts(o Options) (tau, c, margin float64, views int) {
	tau, c, margin, views = o.Temperature, o.Scale, o.Margin, o.Views
	if tau == 0 {
		tau = DefaultTemperature
	}
	if c == 0 {
		c = 1
		if o.BaseTemperature > 0 {
			c = tau / o.BaseTemperature
		}
	}
	if margin == 0 {
		margin = DefaultMargin
	}
	if views == 0 {
		views = 1
		if o.Loss == NPairs {
			views = 2
		}
	}
	if o.Loss == NPairs {
		tau, c = 1, 1
	}
	return
}

// refNormalize returns the rows of w as the loss sees them.
func refNormalize(w []float64, m, d int, o Options) []float64 {
	if !o.Normalize || o.Loss == CrossEntropy {
		return w
	}
	z := make([]float64, len(w))
	for i := range m {
		n := 0.0
		for k := range d {
			n += w[i*d+k] * w[i*d+k]
		}
		n = math.Max(math.Sqrt(n), normEps)
		for k := range d {
			z[i*d+k] = w[i*d+k] / n
		}
	}
	return z
}

func refDot(z []float64, d, i, j int) float64 {
	s := 0.0
	for k := range d {
		s += z[i*d+k] * z[j*d+k]
	}
	return s
}

// refSets returns, for anchor i, A(i) and P(i) as docs/loss.md defines them. Copies
// (o.ImageKeys equal, different batch rows) are in neither.
func refSets(i, m, b int, labels []int, o Options) (a, p []int) {
	for j := range m {
		if j == i {
			continue
		}
		if o.ImageKeys != nil && o.ImageKeys[i] == o.ImageKeys[j] && i%b != j%b {
			continue
		}
		switch o.Loss {
		case NPairs:
			if (i < b) == (j < b) {
				continue
			}
			same := j%b == i%b
			if same || labels == nil || labels[i] != labels[j] {
				a = append(a, j)
			}
			if same {
				p = append(p, j)
			}
		case SimCLR:
			a = append(a, j)
			if j%b == i%b {
				p = append(p, j)
			}
		default:
			a = append(a, j)
			if labels[j] == labels[i] {
				p = append(p, j)
			}
		}
	}
	return a, p
}

// refLoss is the oracle's value of o.Loss at w (M×d).
func refLoss(w []float64, m, d int, labels []int, o Options) float64 {
	tau, c, margin, views := refOpts(o)
	z := refNormalize(w, m, d, o)
	b := m / views
	anchors := m
	if o.Mode == ModeOne {
		anchors = b
	}
	switch o.Loss {
	case Triplet:
		return refTriplet(z, d, anchors, labels, margin, o.Mining)
	case CrossEntropy:
		return refCE(z, m, d, labels, o.LabelSmoothing)
	}
	sum, n := 0.0, 0
	for i := range anchors {
		a, p := refSets(i, m, b, labels, o)
		if len(p) == 0 || len(a) == 0 {
			continue
		}
		n++
		mx := math.Inf(-1)
		for _, j := range a {
			mx = math.Max(mx, refDot(z, d, i, j)/tau)
		}
		den := 0.0
		for _, j := range a {
			den += math.Exp(refDot(z, d, i, j)/tau - mx)
		}
		logDen := mx + math.Log(den)
		if o.Loss == SupConIn {
			mean := 0.0
			for _, j := range p {
				mean += math.Exp(refDot(z, d, i, j)/tau-logDen) / float64(len(p))
			}
			sum += -math.Log(mean)
		} else {
			for _, j := range p {
				sum += -(refDot(z, d, i, j)/tau - logDen) / float64(len(p))
			}
		}
	}
	if n == 0 {
		return 0
	}
	return c * sum / float64(n)
}

func refDist(z []float64, d, i, j int) float64 {
	s := 0.0
	for k := range d {
		t := z[i*d+k] - z[j*d+k]
		s += t * t
	}
	return s
}

func refTriplet(z []float64, d, anchors int, labels []int, margin float64, mining Mining) float64 {
	m := len(labels)
	sum, n := 0.0, 0
	for i := range anchors {
		hp, hn := math.Inf(-1), math.Inf(1)
		for p := range m {
			if p == i || labels[p] != labels[i] {
				continue
			}
			hp = math.Max(hp, refDist(z, d, i, p))
			for q := range m {
				if labels[q] == labels[i] {
					continue
				}
				hn = math.Min(hn, refDist(z, d, i, q))
				if l := refDist(z, d, i, p) - refDist(z, d, i, q) + margin; mining == BatchAll && l > 0 {
					sum += l
					n++
				}
			}
		}
		if mining == BatchHard && !math.IsInf(hp, 0) && !math.IsInf(hn, 0) {
			sum += math.Max(0, hp-hn+margin)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func refCE(x []float64, m, c int, labels []int, eps float64) float64 {
	sum := 0.0
	for i := range m {
		mx := math.Inf(-1)
		for k := range c {
			mx = math.Max(mx, x[i*c+k])
		}
		den := 0.0
		for k := range c {
			den += math.Exp(x[i*c+k] - mx)
		}
		for k := range c {
			t := eps / float64(c)
			if k == labels[i] {
				t += 1 - eps
			}
			sum -= t * (x[i*c+k] - mx - math.Log(den))
		}
	}
	return sum / float64(m)
}

// refClosedForm is the closed-form SupCon gradient of docs/loss.md in float64:
// dL/dZ = c/(n·τ)·(G + Gᵀ)·Z, G_ij = Q_i·P_ij - q_ij, then through the
// normalisation when it is done here.
func refClosedForm(w []float64, m, d int, labels []int, o Options) []float64 {
	tau, c, _, views := refOpts(o)
	z := refNormalize(w, m, d, o)
	b := m / views
	anchors := m
	if o.Mode == ModeOne {
		anchors = b
	}
	g := make([]float64, m*m)
	n := 0
	for i := range anchors {
		a, p := refSets(i, m, b, labels, o)
		if len(p) == 0 {
			continue
		}
		n++
		den, pden := 0.0, 0.0
		for _, j := range a {
			den += math.Exp(refDot(z, d, i, j) / tau)
		}
		for _, j := range p {
			pden += math.Exp(refDot(z, d, i, j) / tau)
		}
		for _, j := range a {
			g[i*m+j] += math.Exp(refDot(z, d, i, j)/tau) / den
		}
		for _, j := range p {
			if o.Loss == SupConIn {
				g[i*m+j] -= math.Exp(refDot(z, d, i, j)/tau) / pden
			} else {
				g[i*m+j] -= 1 / float64(len(p))
			}
		}
	}
	dz := make([]float64, m*d)
	if n == 0 {
		return dz
	}
	for k := range m {
		for j := range m {
			h := (g[k*m+j] + g[j*m+k]) * c / (float64(n) * tau)
			for e := range d {
				dz[k*d+e] += h * z[j*d+e]
			}
		}
	}
	if !o.Normalize {
		return dz
	}
	for i := range m {
		norm := 0.0
		for e := range d {
			norm += w[i*d+e] * w[i*d+e]
		}
		norm = math.Sqrt(norm)
		zg := 0.0
		for e := range d {
			zg += z[i*d+e] * dz[i*d+e]
		}
		for e := range d {
			dz[i*d+e] = (dz[i*d+e] - z[i*d+e]*zg) / norm
		}
	}
	return dz
}

// refGradFD is the central finite-difference gradient of refLoss.
func refGradFD(w []float64, m, d int, labels []int, o Options) []float64 {
	const h = 1e-6
	g := make([]float64, len(w))
	x := append([]float64(nil), w...)
	for k := range x {
		x[k] = w[k] + h
		fp := refLoss(x, m, d, labels, o)
		x[k] = w[k] - h
		fm := refLoss(x, m, d, labels, o)
		x[k] = w[k]
		g[k] = (fp - fm) / (2 * h)
	}
	return g
}
