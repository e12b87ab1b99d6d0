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
	f := toFloat(src)
	for i, v := range f.p {
		f.p[i] = float64(poisson(r, v*lam)) / lam
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

// poisson draws from Poisson(lam): Knuth's multiplication method below 10,
// Hörmann's PTRS transformed rejection from 10 on (numpy's choice).
func poisson(r *rand.Rand, lam float64) int {
	if !(lam > 0) {
		return 0
	}
	if lam < 10 {
		limit := math.Exp(-lam)
		k, prod := 0, r.Float64()
		for prod > limit {
			k++
			prod *= r.Float64()
		}
		return k
	}
	slam, loglam := math.Sqrt(lam), math.Log(lam)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lam + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -lam+k*loglam-lg {
			return int(k)
		}
	}
}
