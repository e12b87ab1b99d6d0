//go:build !amd64 || purego

package gemm

// available lists the paths this build can run, fastest first.
func available() []*kernelSet { return []*kernelSet{goKernels} }
