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
package evaluate
