package main

import (
	"context"

	"github.com/supcon/supcon/evaluate"
)

func init() {
	register(&command{
		Name:    "linear",
		Args:    "--run RUN_DIR --data GLOB [--val GLOB]",
		Summary: "linear evaluation: train a linear classifier on a run's frozen encoder",
		Help: `Linear loads the run's latest checkpoint, drops the projection head, and
computes the frozen encoder's features (batch norm in evaluation mode; the
classifier's graph starts at the features, so no gradient reaches the encoder)
for every stored view of the --data records and for the --val records. It then
trains a linear classifier on them with cross-entropy (SGD momentum 0.9,
cosine decay) and reports top-1 (and top-5) on --val.

It writes into the run: linear.ckpt (the model with its classifier),
linear.json (the report), linear-metrics.jsonl (a line per step) and, in
linear/, a TensorBoard event file (loss per step, then the accuracies). The run
may be a gs:// URL. With --corrupt skip, damaged input passed over is counted
in the report.`,
		Run: runLinear,
	})
}

func runLinear(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	c := evaluate.DefaultLinearConfig()
	var data, val stringList
	var run string
	fs.StringVar(&run, "run", "", "the training run's `DIR`ectory")
	fs.Var(&data, "data", "training shards: a `GLOB`, shard files or PREFIX.manifest.json")
	fs.Var(&val, "val", "validation shards, to report top-1 on (made with --policy none --views 1)")
	fs.IntVar(&c.Views, "views", c.Views, "stored views of each training record to use (0: all)")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "epochs over the training features")
	fs.IntVar(&c.Batch, "batch", c.Batch, "samples per step")
	fs.StringVar(&c.Optimizer, "optimizer", c.Optimizer, "optimiser (sgd, nesterov, lars, rmsprop, adam, adamw)")
	fs.Float64Var(&c.LR, "lr", c.LR, "peak learning rate, cosine to 0")
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "momentum (negative: the optimiser's default)")
	fs.Float64Var(&c.WeightDecay, "weight-decay", c.WeightDecay, "weight decay (negative: the optimiser's default)")
	fs.Int64Var(&c.Seed, "seed", c.Seed, "seed of the classifier's initial weights and of the sample order")
	fs.StringVar(&c.Corrupt, "corrupt", c.Corrupt, "damaged records: fail, or skip and count")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErrorf("unexpected arguments %q", fs.Args())
	case run == "":
		return usageErrorf("no --run")
	case len(data) == 0:
		return usageErrorf("no --data")
	}
	c.Data, c.Val = data, val
	rep, err := evaluate.Linear(ctx, run, c, s.Err)
	if err != nil {
		return err
	}
	return rep.WriteText(s.Out)
}
