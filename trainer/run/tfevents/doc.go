// Package tfevents writes and reads TensorBoard event files: TFRecord
// framing (package shards) of tensorflow.Event protocol buffers carrying
// scalar summaries, so that `tensorboard --logdir` plots a run's figures.
//
// It is a package of its own, below the run directory (package run), because
// the format is one job: the Event encoding, the file's name and how it is
// kept up to date on local disks and on gs://, where objects cannot be
// appended to. Package run decides which files a run has and where; the
// trainer and evaluate decide what goes in them.
//
// A file is named events.out.tfevents.TTTTTTTTTT.HOST (TensorFlow's
// EventsWriter convention: seconds since 1970 in ten digits, then the host).
// Its first event carries only the wall time and the file version
// "brain.Event:2"; every later event has a wall time, a step, and a summary
// of tagged values (simple_value, a float32). The encoding is described in
// the repository's docs/tensorboard.md; it is byte for byte what
// tensorboardX writes (see the tests).
package tfevents
