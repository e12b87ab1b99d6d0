//go:build amd64 && !purego

package loss

import "golang.org/x/sys/cpu"

// haveAVX2 reports whether the AVX2/FMA kernels of kernel_amd64.s may run:
// the CPU has AVX, AVX2 and FMA and the OS saves the YMM registers.
// (golang.org/x/sys/cpu's HasAVX includes the OS check.)
var haveAVX2 = cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX2 selects the assembly kernels; tests turn it off to run their Go
// twins (kernel_go.go) on this machine.
var useAVX2 = haveAVX2

//go:noescape
func dots4AVX(a, b *float32, n, rows, stride int, dst *float32)

//go:noescape
func axpysAVX(y, h, x *float32, n, rows, stride int)

//go:noescape
func expScalarAVX(dst, src *float32, n int, scale, shift, shiftLo float32)

//go:noescape
func expVectorAVX(dst, src, shift, shiftLo *float32, n int, scale float32)

//go:noescape
func sum64AVX(s *float32, n int) float64

//go:noescape
func maxAVX(s *float32, n int) float32
