package main

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"

	"github.com/supcon/supcon/evaluate"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/sweep"
)

func init() {
	register(&command{
		Name:    "compare",
		Args:    "DIR... --out DIR",
		Summary: "put runs or eval folders side by side (Markdown, HTML and a plot)",
		Help: `Compare reads each DIR, a training run (config.json, summary.json and, when
there, linear.json and metrics.jsonl) or a folder written by 'supcon eval'
(report.json, and the run it names when readable), and writes into --out:

  compare.md     the tables: the runs (loss, encoder, τ, batch, steps, last
                 loss, kNN top-1 from --monitor, linear top-1/top-5), and top-1
                 and ECE in the paper's layout (Test, then severities 1..5)
  compare.html   the same tables and the plot, one self-contained page
  compare.png    top-1 and ECE against severity, a line per eval folder; with
                 no eval folder, the runs' training losses against the step
  compare.json   everything read

Given one folder written by 'supcon sweep' (or its sweep.json), it draws the
sweep's hyperparameter stability instead: for every grid setting but the
loss, top-1 against its values, a column per loss (SupCon and cross-entropy
side by side: the mean over the other settings' points, the best, and the
spread), K's panel being the positives table. It writes stability.md,
stability.png (a panel per setting) and stability.json into --out.

Folders may be gs:// URLs, and so may --out. Flags may come before or after
the folders.`,
		Run: runCompare,
	})
}

func runCompare(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	var out string
	fs.StringVar(&out, "out", "", "output `DIR`ectory")
	var dirs []string
	for {
		if err := s.parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		dirs, args = append(dirs, fs.Arg(0)), fs.Args()[1:]
	}
	switch {
	case len(dirs) == 0:
		return usageErrorf("no folders to compare")
	case out == "":
		return usageErrorf("no --out directory")
	}
	if len(dirs) == 1 {
		res, err := sweep.ReadResult(ctx, dirs[0])
		if err == nil {
			return compareSweep(ctx, s, res, out)
		}
		if !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
	}
	c, err := evaluate.Compare(ctx, dirs)
	if err != nil {
		return err
	}
	if err := evaluate.WriteComparison(ctx, out, c); err != nil {
		return err
	}
	var md []byte
	if md, err = storage.ReadFile(ctx, storage.Join(out, evaluate.CompareMarkdown)); err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.Out, "%s\nwrote %s\n", md, storage.Join(out, evaluate.CompareHTML))
	return err
}

// compareSweep writes a sweep's stability tables and plot into out.
func compareSweep(ctx context.Context, s *streams, res *sweep.Result, out string) error {
	md, err := sweep.WriteStability(ctx, out, res)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.Out, "%s\nwrote %s\n", md, storage.Join(out, sweep.StabilityPlot))
	return err
}
