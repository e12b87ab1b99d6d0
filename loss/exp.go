package loss

import "math"

// expTableBits is log2 of the size of the 2^(j/N) table used by expNonPos.
const expTableBits = 6

// expTable[j] = 2^(j/64), correctly rounded to float64.
var expTable = func() (t [1 << expTableBits]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / (1 << expTableBits))
	}
	return t
}()

const (
	expN      = 1 << expTableBits
	expInvL   = expN / math.Ln2                   // N / ln 2
	expL1     = 6.93147180369123816490e-01 / expN // ln2/N, high part (trailing zero bits)
	expL2     = 1.90821492927058770002e-10 / expN // ln2/N, low part
	expShift  = 0x1.8p52                          // rounds to nearest integer when added
	expMinArg = -700.0                            // below: defer to math.Exp (subnormal results)
)

// expNonPos returns e^x for the arguments the losses produce: x <= a few ulps
// above 0 after a log-sum-exp shift. It is accurate to about 1 ulp (table of
// 2^(j/64) and a degree-5 polynomial on |r| <= ln2/128), several times faster
// than math.Exp, and defers to math.Exp outside [-700, 700] and for NaN.
func expNonPos(x float64) float64 {
	if !(x >= expMinArg && x <= -expMinArg) {
		return math.Exp(x)
	}
	kd := float64(x*expInvL) + expShift
	k := int64(math.Float64bits(kd)) // low bits hold round(x*N/ln2)
	kd -= expShift
	r := (x - float64(kd*expL1)) - float64(kd*expL2)
	// 1 + r·(1 + r·(1/2 + r·(1/6 + r·(1/24 + r/120)))), every product
	// rounded (no fused multiply-add on any CPU).
	h := 1.0/24 + float64(r*(1.0/120))
	h = 1.0/6 + float64(r*h)
	h = 0.5 + float64(r*h)
	h = 1 + float64(r*h)
	p := 1 + float64(r*h)
	t := expTable[k&(expN-1)]
	m := k >> expTableBits // floor division by N (arithmetic shift)
	return math.Float64frombits(math.Float64bits(t*p) + uint64(m)<<52)
}
