// Package nn holds the float32 kernels behind the trainer's hot layers:
// convolution (im2col + GEMM), batch normalisation (optionally fused with
// ReLU), global average pooling and a fused residual add.
//
// # Layout
//
// Every 4-D activation is CNHW: one []float32 of length C·N·H·W whose element
// (c, n, h, w) is at ((c·N+n)·H+h)·W+w. A convolution is then one GEMM
// y[Co × N·Ho·Wo] = W[Co × Ci·KH·KW] · col[Ci·KH·KW × N·Ho·Wo] with no
// transposes, and each channel of a batch-norm input is one contiguous run
// of N·H·W values. Matrices (the projection head's activations, the pooled
// features) are row-major with one row per sample.
//
// # Calling convention
//
// Destinations come first, as in copy; every slice is owned by the caller and
// must have exactly the length the shapes imply (kernels panic otherwise).
// Layers that need scratch memory (Conv2D) or state between the forward and
// backward pass (BatchNorm) are structs that keep it; their steady-state calls
// allocate no data buffers. A layer value must not be used by two goroutines
// at once.
//
// # Determinism
//
// Results are bit-identical for every GOMAXPROCS. Work is split into pieces
// whose boundaries depend only on the shapes (never on the number of
// goroutines), every output element is produced by exactly one piece, and
// reductions that span pieces (a convolution's weight gradient) combine their
// partial results in a fixed order. Batch-norm statistics are accumulated in
// float64.
package nn
