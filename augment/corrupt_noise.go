package augment

import (
	"image"
	"math"
	"math/rand/v2"
)

// gaussianNoise adds N(0, σ) to every sample: x + N(0, σ), clipped.
func gaussianNoise(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand) {
	s := pick(t, [5]float64{.08, .12, .18, .26, .38}, [5]float64{.04, .06, .08, .09, .10}, sev)
	f := toFloat(src)
	for i, v := range f.p {
		f.p[i] = v + s*r.NormFloat64()
	}
	f.store(dst)
}

// shotNoise replaces every sample by Poisson(x·λ)/λ.
func shotNoise(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand) {
	lam := pick(t, [5]float64{60, 25, 12, 5, 3}, [5]float64{500, 250, 100, 75, 50}, sev)
	// a sampler per input level: the sample's mean is level/255·λ
	var samplers [256]poissonSampler
	for k := range samplers {
		samplers[k] = newPoisson(float64(k) / 255 * lam)
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	f := newFimg(w, h)
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride:][:4*w]
		out := f.p[3*w*y:][:3*w]
		for x := 0; x < w; x++ {
			for ch := 0; ch < 3; ch++ {
				out[3*x+ch] = float64(samplers[row[4*x+ch]].draw(r)) / lam
			}
		}
	}
	f.store(dst)
}

// impulseNoise is skimage's random_noise(mode='s&p', amount=a): every
// sample (each channel on its own) is replaced with probability a, by 0 or
// 1 with equal odds.
func impulseNoise(dst, src *image.RGBA, t corruptTable, sev int, r *rand.Rand) {
	a := pick(t, [5]float64{.03, .06, .09, .17, .27}, [5]float64{.01, .02, .03, .05, .07}, sev)
	f := toFloat(src)
	for i := range f.p {
		if r.Float64() < a {
			if r.Float64() < 0.5 {
				f.p[i] = 1
			} else {
				f.p[i] = 0
			}
		}
	}
	f.store(dst)
}

// poissonSampler draws from Poisson(lam): Knuth's multiplication method
// below 10, Hörmann's PTRS transformed rejection from 10 on (numpy's
// choice). Its constants depend on lam only.
type poissonSampler struct {
	lam, limit                            float64
	slam, loglam, a, b, invalpha, vr, lia float64
}

func newPoisson(lam float64) poissonSampler {
	p := poissonSampler{lam: lam}
	if !(lam > 0) {
		return p
	}
	if lam < 10 {
		p.limit = math.Exp(-lam)
		return p
	}
	p.slam, p.loglam = math.Sqrt(lam), math.Log(lam)
	p.b = 0.931 + 2.53*p.slam
	p.a = -0.059 + 0.02483*p.b
	p.invalpha = 1.1239 + 1.1328/(p.b-3.4)
	p.vr = 0.9277 - 3.6224/(p.b-2)
	p.lia = math.Log(p.invalpha)
	return p
}

func (p *poissonSampler) draw(r *rand.Rand) int {
	if !(p.lam > 0) {
		return 0
	}
	if p.lam < 10 {
		k, prod := 0, r.Float64()
		for prod > p.limit {
			k++
			prod *= r.Float64()
		}
		return k
	}
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*p.a/us+p.b)*u + p.lam + 0.43)
		if us >= 0.07 && v <= p.vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+p.lia-math.Log(p.a/(us*us)+p.b) <= -p.lam+k*p.loglam-lg {
			return int(k)
		}
	}
}
