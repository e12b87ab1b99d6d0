//go:build amd64 && !purego

package nn

//go:generate python3 gen_bn_amd64.py

import "golang.org/x/sys/cpu"

// haveBNAsm reports whether the AVX2/FMA batch-norm loops of bn_amd64.s may
// run: the CPU has AVX, AVX2 and FMA and the OS saves the YMM registers.
// (golang.org/x/sys/cpu's HasAVX includes the OS check.)
var haveBNAsm = cpu.X86.HasAVX && cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useBNAsm selects the assembly loops; tests turn it off to run the Go
// fallback on this machine.
var useBNAsm = haveBNAsm

// The loops below work on the first n values, n a positive multiple of 16;
// the callers do the rest in Go. See the Go versions in batchnorm.go for
// what they compute.

// bnSums16 returns Σ(x−x0) and Σ(x−x0)² in float64 (see bnSumsGo).
//
//go:noescape
func bnSums16(x *float32, n int, x0 float32) (s, q float64)

// bnAffine16 sets y = (x−center)·scale + shift, then ReLU if relu (see
// applyAffineGo).
//
//go:noescape
func bnAffine16(y, x *float32, n int, center, scale, shift float32, relu bool)

// bnGradSums16 returns Σdz and Σdz·(x−mean) in float64 (see bnGradSumsGo).
//
//go:noescape
func bnGradSums16(x, dy *float32, n int, mean float64, center, scale, shift float32, relu bool) (s, t float64)

// bnDx16 sets dx = k1·dz + (k2·(x−center) + k3), fused (see bnDxGo).
//
//go:noescape
func bnDx16(dx, x, dy *float32, n int, k1, k2, k3, center, scale, shift float32, relu bool)
