// Package loss computes supervised contrastive losses and their relatives on
// float32 matrices, with the gradient in closed form and no framework:
// SupCon L_out and L_in, SimCLR (NT-Xent), N-pairs, triplet (batch-all and
// batch-hard) and softmax cross-entropy with optional label smoothing.
//
// # Layout
//
// The input is a Matrix of M rows of dimension d: one row per view. With B
// images and V views each, rows are stacked view by view, so row v*B + b is view
// v of image b (as torch.cat(torch.unbind(features, 1)) does in the PyTorch
// reference). Labels are given per row (len M); RepeatLabels expands per-image
// labels to that layout. Options.Views (V) is only needed where the layout
// matters: contrast mode ModeOne (anchors are rows 0..B-1, the first view),
// SimCLR (positives are the rows with the same b) and N-pairs.
//
// # Copies
//
// Class-balanced batches pad a class with fewer than K images by sampling
// images with replacement, so one image can fill two batch rows. Options.ImageKeys
// (one key per row, as trainer/input's Batch.ImageKeys gives it) marks such
// copies: rows i and j with equal keys and i mod B != j mod B. Copies are left
// out of each other's positives P(i), where they would be trivial, and of the
// contrast set A(i), where as negatives they would push identical images
// apart; views of one batch row stay positives. The exclusion is symmetric
// and enters the log-sum-exp, the positive sums and the gradient alike, so
// the positives are exactly Batch.Positive's. Anchors left without a positive
// are counted in Result like any other.
//
// # Numerics
//
// Similarities are dot products computed in float32 (AVX2/FMA kernels on
// amd64, portable Go elsewhere); every log-sum-exp is taken over the contrast
// set A(i) only, shifted by its maximum, and accumulated in float64, as are the
// loss sums. No finite input yields NaN or Inf: inputs that are not finite, or
// so large that their similarities would overflow float32, are rejected with
// an error instead. Anchors without a positive are left out of the mean and
// counted in Result; a batch without any positive pair has value 0, a zero
// gradient and Result.NoPositivePair set.
//
// # Cost
//
// SupCon, SimCLR and N-pairs take about 3·M²·d multiply-adds and 2·M²
// exponentials for value and gradient (M²·d and M² for the value alone), in two passes over
// blocks of 32 rows: the M×M similarity matrix is never held, only a 32×M
// tile per worker, so memory is O(M·d + M·32). Blocks are spread over
// Options.Workers goroutines; every output row is reduced by one goroutine in
// a fixed order, so results are bit-identical for any number of workers.
// Triplet batch-all costs as many multiply-adds plus a sort per anchor
// (O(M² log M)); batch-hard and cross-entropy are O(M²·d) and O(M·C).
//
// A Workspace keeps the buffers between calls so that a training loop does
// not allocate; the package-level Compute allocates a fresh one each call.
package loss
