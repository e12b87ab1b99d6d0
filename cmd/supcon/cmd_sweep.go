package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/pipelines"
	"github.com/supcon/supcon/sweep"
)

func init() {
	register(&command{
		Name:    "sweep",
		Args:    "--data GLOB --val GLOB --grid 'key=v1,v2;...' --out DIR",
		Summary: "train and score a grid of runs (the paper's ablations) as one Beam pipeline",
		Help: `Sweep trains one model per point of --grid, every combination of one value
per key, as the elements of one Beam pipeline: on Dataflow the points train
on many workers at once. Each point is trained like 'supcon train' (the
flags below set every point's settings; the grid overrides them) into
OUT/points/NNN_key-value_..., then scored on --val: a SupCon-type run through
a linear probe trained on its frozen encoder (on --linear-data, default
--data), a cross-entropy run through its own classifier head ('supcon eval'
into the point's eval/). A point that fails (a value the trainer refuses)
is recorded with its error; the others go on. Results: OUT/sweep.json and
OUT/sweep.md, one row per point. 'supcon compare OUT --out DIR' draws top-1
against each setting, SupCon and cross-entropy side by side.

Grid keys: ` + strings.Join(sweep.Keys(), ", ") + `.
Example: --grid 'loss=supcon-out,ce;optimizer=sgd,lars;lr=0.05,0.1;k=1,3,5'

A point is deterministic (same settings and seed, same checkpoints), and a
finished point is not trained again: rerunning a sweep into the same --out
does only what is missing, failed or made with other settings. --out may be
gs://. batch-images fixes P·K (P = batch-images / K), so that a sweep of k
keeps the batch, as the paper's positives table does.`,
		Run: runSweep,
	})
}

func runSweep(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	job := sweep.DefaultJob()
	var data, val, linearData stringList
	var grid, runner string
	fs.Var(&data, "data", "training shards: a `GLOB`, shard files or PREFIX.manifest.json")
	fs.Var(&val, "val", "validation shards top-1 is measured on (made with --policy none --views 1)")
	fs.Var(&linearData, "linear-data", "shards the linear probe of SupCon-type points trains on (default: --data)")
	fs.StringVar(&grid, "grid", "", "what varies: `'key=v1,v2;key=v1,...'`")
	fs.StringVar(&job.Out, "out", "", "sweep output `DIR`ectory (local or gs://)")
	fs.StringVar(&runner, "runner", "prism", "Beam runner: "+strings.Join(pipelines.Runners(), ", "))
	fs.IntVar(&job.Parallel, "parallel", job.Parallel, "points one process (prism's, a Dataflow worker) trains at once (0: as many as the runner hands it)")
	fs.IntVar(&job.Linear.Epochs, "linear-epochs", job.Linear.Epochs, "linear probe epochs")
	fs.Float64Var(&job.Linear.LR, "linear-lr", job.Linear.LR, "linear probe peak learning rate")
	fs.IntVar(&job.Linear.Batch, "linear-batch", job.Linear.Batch, "linear probe samples per step")
	defineTrainFlags(fs, &job.Base)
	if err := s.parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErrorf("unexpected arguments %q", fs.Args())
	case len(data) == 0:
		return usageErrorf("no --data")
	case len(val) == 0:
		return usageErrorf("no --val")
	case grid == "":
		return usageErrorf("no --grid")
	case job.Out == "":
		return usageErrorf("no --out directory")
	}
	g, err := sweep.ParseGrid(grid)
	if err != nil {
		return usageErrorf("--grid: %v", err)
	}
	job.Grid, job.Base.Data, job.Val, job.LinearData = g, data, val, linearData
	res, err := sweep.Run(ctx, job, runner, s.Err)
	if err != nil {
		return err
	}
	if err := res.WriteTable(s.Out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.Out, "\nwrote %s (%d points, %d failed); 'supcon compare %s --out DIR' draws the settings' effect\n",
		storage.Join(job.Out, sweep.SweepJSON), len(res.Points), res.Failed(), job.Out)
	return err
}
