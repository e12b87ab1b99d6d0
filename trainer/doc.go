// Package trainer pre-trains an encoder with Supervised Contrastive
// Learning (or SimCLR, or cross-entropy as the baseline) on multiview
// shards.
//
// Train streams class-balanced batches of P classes × K images × V views
// from the shards (package trainer/input), runs the encoder and projection
// head (package trainer/model), takes the loss and its exact gradient
// (package loss), and updates the weights (package trainer/optim), writing
// the run directory as it goes (package trainer/run): config.json, a
// metrics line per step, checkpoints from which a resumed run continues
// bit for bit, the loss curve, and a summary. Damaged input skipped under
// Config.Corrupt "skip" is counted in the summary and the metrics.
//
// Loop is the part of a training loop that pre-training and the linear
// probe (package evaluate) share. Bench times training steps on synthetic
// input.
package trainer
