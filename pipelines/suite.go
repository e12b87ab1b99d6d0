package pipelines

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/supcon/supcon/shards"
)

// CorruptionSuite returns one Config per corruption × severity, in that
// order: cfg with Policy corrupt:NAME,severity=S and Output
// cfg.Output-NAME-sS (e.g. val-c-fog-s3), the datasets that evaluate's
// Corrupted reads (docs/evaluation.md).
func CorruptionSuite(cfg Config, names []string, severities []int) []Config {
	var out []Config
	for _, n := range names {
		for _, s := range severities {
			c := cfg
			c.Policy = "corrupt:" + n + ",severity=" + strconv.Itoa(s)
			c.Output = cfg.Output + "-" + n + "-s" + strconv.Itoa(s)
			out = append(out, c)
		}
	}
	return out
}

// RunAll runs the augment pipelines of several configs (whose Labels
// ResolveLabels has filled) as one Beam job: one branch per config, each
// built by Build in its own scope and reading its own source, so a runner
// such as Dataflow starts once and shares its workers among all the
// datasets. It returns one Summary per config, in order; their Lost is -1
// and Seconds the whole job's (the job's counters are not split by
// dataset).
func RunAll(ctx context.Context, cfgs []Config, runner string, progressOut io.Writer) ([]*Summary, error) {
	if err := CheckRunner(runner); err != nil {
		return nil, err
	}
	if len(cfgs) == 0 {
		return nil, fmt.Errorf("pipelines: RunAll: no dataset to write")
	}
	missing := make([][]string, len(cfgs))
	for i, cfg := range cfgs {
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", cfg.Output, err)
		}
		src, err := ParseSource(cfg.Input, cfg.Split)
		if err != nil {
			return nil, err
		}
		if missing[i], err = src.Missing(ctx); err != nil {
			return nil, err
		}
	}
	p, s := beam.NewPipelineWithRoot()
	for i, cfg := range cfgs {
		Build(s.Scope("dataset"+strconv.Itoa(i)), cfg)
	}
	start := time.Now()
	stop := watchImages(progressOut)
	_, err := beam.Run(ctx, runner, p)
	stop()
	if err != nil {
		return nil, fmt.Errorf("running %d augment pipelines on %s: %w", len(cfgs), runner, err)
	}
	secs := time.Since(start).Seconds()
	sums := make([]*Summary, len(cfgs))
	for i, cfg := range cfgs {
		man, err := shards.ReadManifest(ctx, shards.ManifestPath(cfg.Output))
		if err != nil {
			return nil, fmt.Errorf("the pipeline finished but the manifest of %s is not readable: %w", cfg.Output, err)
		}
		sum := &Summary{Seconds: secs, Lost: -1, Missing: missing[i], Manifest: man,
			Records: man.Records, Rejected: man.Rejected, Shards: len(man.Shards), Images: man.Records / int64(cfg.Epochs),
			Views: man.Records * int64(man.Views)}
		for _, sh := range man.Shards {
			sum.Bytes += sh.Bytes
		}
		sums[i] = sum
	}
	return sums, nil
}
