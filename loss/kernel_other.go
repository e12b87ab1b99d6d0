//go:build !amd64 || purego

package loss

// haveAVX2 is false where there are no assembly kernels.
const haveAVX2 = false

// useAVX2 selects the assembly kernels; always false here, so the Go twins
// of kernel_go.go run.
var useAVX2 = false

func dots4AVX(a, b *float32, n, rows, stride int, dst *float32) { panic(noAsm) }

func axpysAVX(y, h, x *float32, n, rows, stride int) { panic(noAsm) }

func expScalarAVX(dst, src *float32, n int, scale, shift, shiftLo float32) { panic(noAsm) }

func expVectorAVX(dst, src, shift, shiftLo *float32, n int, scale float32) { panic(noAsm) }

func sum64AVX(s *float32, n int) float64 { panic(noAsm) }

func maxAVX(s *float32, n int) float32 { panic(noAsm) }

const noAsm = "loss: no assembly kernels"
