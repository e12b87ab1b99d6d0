//go:build !amd64 || purego

package nn

// haveBNAsm is false where there are no assembly batch-norm loops.
const haveBNAsm = false

// useBNAsm selects the assembly loops; always false here.
var useBNAsm = false

func bnSums16(x *float32, n int, x0 float32) (s, q float64) {
	panic("nn: no assembly batch-norm loops")
}

func bnAffine16(y, x *float32, n int, center, scale, shift float32, relu bool) {
	panic("nn: no assembly batch-norm loops")
}

func bnGradSums16(x, dy *float32, n int, mean float64, center, scale, shift float32, relu bool) (s, t float64) {
	panic("nn: no assembly batch-norm loops")
}

func bnDx16(dx, x, dy *float32, n int, k1, k2, k3, center, scale, shift float32, relu bool) {
	panic("nn: no assembly batch-norm loops")
}
