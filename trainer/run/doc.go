// Package run is the run directory: the one place a training run and its
// evaluations keep their files, local or on gs://.
//
//	config.json            the run's record: settings and what was found in the data (Record)
//	metrics.jsonl          a line per training step (Metric), and a monitor line per epoch with Config.Monitor
//	checkpoints/           step-NNNNNNNNN.ckpt (Checkpoint), newest last
//	loss.png               the loss curve, redrawn at each checkpoint
//	summary.json           what the last training session reported
//	linear.ckpt            the model with the linear probe's classifier
//	linear.json            the linear evaluation's report
//	linear-metrics.jsonl   a line per linear-probe step
//	events.out.tfevents.*  TensorBoard event files of the training (package tfevents)
//	linear/                the linear probe's event files
//
// A Dir names files with storage.Join, never filepath.Join, so a gs://
// directory keeps its scheme, and every byte goes through internal/storage.
// Whole files are written to a temporary name and renamed, so a reader sees
// the old file or the new one, never half of one.
package run
