// Package evaluate measures what a pre-trained run is worth.
//
// Features runs a run's frozen encoder (batch norm in evaluation mode, no
// gradient) over every record of a dataset once, in order, and returns one
// feature row per sample. Linear is the linear evaluation of the SupCon
// paper: it trains a linear classifier with cross-entropy on the features
// of the run's latest checkpoint and reports top-1 and top-5 accuracy
// (LinearReport, whose Text is what `supcon linear` prints). It writes
// linear.ckpt, linear.json and linear-metrics.jsonl into the run directory
// (see package trainer/run), which may be local or on gs://.
//
// Prediction, Tally and Score turn class probabilities into the figures of
// docs/evaluation.md: top-1 and top-5 (ties against the label), per-class
// accuracy, the confusion matrix, NLL and the expected calibration error
// with its reliability diagram. KNN classifies by the votes of the nearest
// training features (cosine similarity), and Retrieval gives
// pytorch-metric-learning's precision@1, R-precision and MAP@R.
//
// Eval scores a run on test data (a SupCon run through its linear probe, a
// cross-entropy run through its own head), clean and under the corruptions
// of package augment made on the fly, and writes report.json, report.md,
// report.html and predictions.jsonl (what `supcon eval` does). KNNMonitor
// plugs kNN top-1 into trainer.Config.Monitor, measured after every epoch.
// Compare lays runs and evaluations side by side in the paper's layout
// (`supcon compare`). Training, the probe and Eval write TensorBoard event
// files through package trainer/run/tfevents.
package evaluate
