package pipelines

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"

	// Runners selectable by name.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/direct"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"

	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/shards"
)

var runners = [...]string{"prism", "direct", "universal", "dataflow"}

// Runners returns the names of the runners Run accepts.
func Runners() []string { return append([]string(nil), runners[:]...) }

// CheckRunner reports an error unless Run accepts the runner name.
func CheckRunner(name string) error {
	for _, r := range runners {
		if r == name {
			return nil
		}
	}
	return fmt.Errorf("pipelines: unknown runner %q (want prism, direct, universal or dataflow)", name)
}

// Summary is what a finished run reports.
type Summary struct {
	Images   int64   // images that became records
	Records  int64   // records written (images × epochs)
	Views    int64   // views written
	Rejected int64   // inputs set aside in PREFIX.rejected.jsonl
	Bytes    int64   // bytes of the shards
	Shards   int     // shard files
	Seconds  float64 // wall time of the pipeline
	// Lost counts the views whose content is gone (augment.Lost: all fill,
	// or flat), from the Beam counter supcon/lost_views; -1 when the runner
	// reports no metrics.
	Lost int64
	// ShuffleBytes is the bytes that went through the pipeline's shuffles
	// (unit and run references, never views), from the Beam counter
	// supcon/shuffle_bytes; -1 when the runner reports no metrics.
	ShuffleBytes int64
	// Runs counts the sorted run files the augment step wrote (Beam
	// counter supcon/runs_written); -1 when the runner reports no metrics.
	Runs int64
	// Missing lists the files of the source's split that are absent and
	// were not read (CIFAR-10 training batches); empty when all were there.
	Missing []string
	// Epoch is the run's first epoch (Config.FirstEpoch).
	Epoch    int
	Manifest *shards.Manifest
}

// lostViewsCounter is the name of the Beam counter of lost views
// (namespace "supcon").
const lostViewsCounter = "lost_views"

// shuffleBytesCounter is the name of the Beam counter of the bytes that go
// through a shuffle (namespace "supcon").
const shuffleBytesCounter = "shuffle_bytes"

// counterTotal sums the counter supcon/name over a finished pipeline's
// steps, or returns -1 when the runner gave no result.
func counterTotal(pr beam.PipelineResult, name string) int64 {
	if pr == nil {
		return -1
	}
	res := pr.Metrics().Query(func(r metrics.SingleResult) bool {
		return r.Namespace() == "supcon" && r.Name() == name
	})
	var n int64
	for _, c := range res.Counters() {
		n += c.Result()
	}
	return n
}

// ImagesPerSecond is the run's throughput in source images.
func (s *Summary) ImagesPerSecond() float64 {
	if s.Seconds <= 0 {
		return 0
	}
	return float64(s.Images+s.Rejected) / s.Seconds
}

// ResolveLabels fills cfg.Labels from labelsFile (when given) or from the
// source's own classes, so that every worker assigns the same labels.
func ResolveLabels(ctx context.Context, cfg *Config, labelsFile string) error {
	if labelsFile != "" {
		l, err := shards.ReadLabels(ctx, labelsFile)
		if err != nil {
			return err
		}
		if len(l) == 0 {
			return fmt.Errorf("labels file %s is empty", labelsFile)
		}
		cfg.Labels = l
		return nil
	}
	src, err := ParseSource(cfg.Input, cfg.Split)
	if err != nil {
		return err
	}
	l, err := src.Classes(ctx)
	if err != nil {
		return err
	}
	cfg.Labels = l
	return nil
}

// Run builds the augment pipeline for cfg (whose Labels ResolveLabels has
// filled) and runs it on the named runner, showing progress on progressOut
// when the runner works in this process. It returns once the dataset is
// finalized, with counts from the manifest.
func Run(ctx context.Context, cfg Config, runner string, progressOut io.Writer) (*Summary, error) {
	if err := CheckRunner(runner); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	src, err := ParseSource(cfg.Input, cfg.Split)
	if err != nil {
		return nil, err
	}
	missing, err := src.Missing(ctx) // fail before starting when no batch is there
	if err != nil {
		return nil, err
	}
	p, s := beam.NewPipelineWithRoot()
	Build(s, cfg)

	start := time.Now()
	stop := watchImages(progressOut)
	pr, err := beam.Run(ctx, runner, p)
	stop()
	if err != nil {
		return nil, fmt.Errorf("running the augment pipeline on %s: %w", runner, err)
	}
	sum := &Summary{Seconds: time.Since(start).Seconds(), Lost: counterTotal(pr, lostViewsCounter), ShuffleBytes: counterTotal(pr, shuffleBytesCounter), Runs: counterTotal(pr, "runs_written"),
		Missing: missing, Epoch: cfg.FirstEpoch}
	man, err := shards.ReadManifest(ctx, shards.ManifestPath(cfg.Output))
	if err != nil {
		return nil, fmt.Errorf("the pipeline finished but its manifest is not readable: %w", err)
	}
	sum.Manifest = man
	sum.Records, sum.Rejected, sum.Shards = man.Records, man.Rejected, len(man.Shards)
	sum.Images = man.Records / int64(cfg.Epochs)
	sum.Views = man.Records * int64(man.Views)
	for _, sh := range man.Shards {
		sum.Bytes += sh.Bytes
	}
	return sum, nil
}

// watchImages shows the images the pipeline has read so far on w (nothing
// when w is nil), as a progress line updated every 200 ms, until the
// returned stop is called; stop draws the final count and returns once the
// line is done.
func watchImages(w io.Writer) (stop func()) {
	if w == nil {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	base := imagesDone.Load()
	go func() {
		defer close(finished)
		m := progress.New(w, "images", 0)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for last := base; ; {
			select {
			case <-done:
				m.Add(imagesDone.Load() - last)
				m.Done()
				return
			case <-t.C:
				now := imagesDone.Load()
				m.Add(now - last)
				last = now
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
