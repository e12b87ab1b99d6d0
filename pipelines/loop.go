package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/supcon/supcon/shards"
)

// RunLocal does the work of the augment pipeline without Beam: the same
// listing, reading, augmenting, sorted runs, merging and finalize, on
// `workers` goroutines of this process. It is the baseline that measures
// Beam's overhead, and a way to make a dataset where Beam is not wanted.
// The shards it writes are byte-identical to the pipeline's.
func RunLocal(ctx context.Context, cfg Config, workers int) (*shards.Manifest, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	src, err := ParseSource(cfg.Input, cfg.Split)
	if err != nil {
		return nil, err
	}
	proc, err := newProcessor(cfg)
	if err != nil {
		return nil, err
	}
	units, err := src.Units(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", src, err)
	}
	runs := newRunSpiller(cfg.Output, cfg.RunBuffer)
	var mu sync.Mutex
	var rejects []string
	reject := func(r rejection) {
		b, _ := json.Marshal(r)
		mu.Lock()
		rejects = append(rejects, string(b))
		mu.Unlock()
	}
	work := make(chan Unit)
	var wg sync.WaitGroup
	for w := 0; w < max(workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				proc.processUnit(ctx, src.Kind, u, func(shard int, r keyedRecord) {
					runs.Add(ctx, shard, r)
				}, reject, func() {})
			}
		}()
	}
	for _, u := range units {
		work <- u
	}
	close(work)
	wg.Wait()
	if err := runs.Flush(ctx); err != nil {
		return nil, err
	}
	byShard := map[int][]string{}
	for _, ref := range runs.Take() {
		byShard[ref.Shard] = append(byShard[ref.Shard], ref.encode())
	}

	var results []string
	for shard, refs := range byShard {
		var out string
		err := (&writeShardFn{Cfg: cfg}).ProcessElement(ctx, shard, iterate(refs), func(s string) { out = s })
		if err != nil {
			return nil, err
		}
		results = append(results, out)
	}
	sort.Strings(results)
	if err := (&finalizeFn{Cfg: cfg}).ProcessElement(ctx, nil, iterate(results), iterate(rejects)); err != nil {
		return nil, err
	}
	return shards.ReadManifest(ctx, shards.ManifestPath(cfg.Output))
}

// iterate returns a Beam-style iterator over the strings.
func iterate(ss []string) func(*string) bool {
	i := 0
	return func(s *string) bool {
		if i == len(ss) {
			return false
		}
		*s = ss[i]
		i++
		return true
	}
}
