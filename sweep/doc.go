// Package sweep runs a grid of training runs as one Apache Beam pipeline:
// the paper's ablations (loss × optimiser × learning rate × positives K, ...)
// as data. Every grid point is one element; a DoFn trains it with
// trainer.Train into OUT/points/NAME and scores it with evaluate.Eval (a
// SupCon-type run through a linear probe on its frozen encoder, a
// cross-entropy run through its own classifier head), so on Dataflow the
// points train on many workers at once. The results are gathered, inside
// the pipeline, into OUT/sweep.json and OUT/sweep.md; WriteStability draws
// top-1 against each setting, SupCon and cross-entropy side by side
// (docs/sweep.md).
//
//	Create(points) -> Reshuffle -> train and score a point -> result (JSON)
//	Impulse + results as a side input -> write sweep.json, sweep.md
//
// It is a composition of its own, beside quickstart, rather than part of
// trainer, evaluate or pipelines: it imports all three (the trainer and the
// evaluation run in the worker; pipelines checks the runner and the same
// binary serves as the Beam worker), and none of them should depend on the
// others' orchestration.
//
// A point is deterministic: its folder is cleared before it trains (unless
// an earlier attempt finished it: then its result is reused), and the
// same settings and seed give the same checkpoints, so a retried worker
// writes the same run. A point that fails (a value the trainer refuses, a
// diverged run) is recorded with its error and the others go on.
package sweep
