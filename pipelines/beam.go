package pipelines

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/internal/version"
	"github.com/supcon/supcon/shards"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Config)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Unit)(nil)).Elem())
	register.DoFn3x1[context.Context, []byte, func(Unit), error](&listFn{})
	register.DoFn4x1[context.Context, Unit, func(int, string), func(string), error](&processFn{})
	register.DoFn4x1[context.Context, int, func(*string) bool, func(string), error](&writeShardFn{})
	register.DoFn4x1[context.Context, []byte, func(*string) bool, func(*string) bool, error](&finalizeFn{})
	register.Emitter1[Unit]()
	register.Emitter2[int, string]()
	register.Emitter1[string]()
	register.Iter1[string]()
}

// Beam metrics of the augment pipeline (namespace "supcon").
var (
	imagesRead   = beam.NewCounter("supcon", "images_read")
	viewsWritten = beam.NewCounter("supcon", "views_written")
	rejectedImgs = beam.NewCounter("supcon", "rejected")
	bytesWritten = beam.NewCounter("supcon", "bytes_written")
	lostViews    = beam.NewCounter("supcon", lostViewsCounter)
	// shuffleBytes is the bytes of the elements that go through a shuffle:
	// the units through the Reshuffle, the run references through the
	// GroupByKey. The views themselves never do.
	shuffleBytes = beam.NewCounter("supcon", shuffleBytesCounter)
	runsWritten  = beam.NewCounter("supcon", "runs_written")
)

// imagesDone counts images processed in this process, for the progress
// line of runners that run the work in-process (prism, direct).
var imagesDone atomic.Int64

// Build adds the augment pipeline to scope s: list the source's units,
// reshuffle them over workers, read, decode and augment every image into
// one multiview record per epoch, written by each bundle as runs sorted by
// id (one file per shard and buffer, see docs/pipeline-memory.md), group
// the references to the runs by shard, merge each shard's runs into a
// temporary shard file, and finalize the dataset once every shard is written. cfg.Labels must hold the class names unless the
// source is TFRecord. It returns the written shards (JSON of
// shards.TempShard with class counts) and the rejections (JSON lines).
func Build(s beam.Scope, cfg Config) (written, rejected beam.PCollection) {
	s = s.Scope("supcon.augment")
	imp := beam.Impulse(s)
	units := beam.ParDo(s, &listFn{Cfg: cfg}, imp)
	units = beam.Reshuffle(s, units)
	recs, rejected := beam.ParDo2(s, &processFn{Cfg: cfg}, units)
	grouped := beam.GroupByKey(s, recs)
	written = beam.ParDo(s, &writeShardFn{Cfg: cfg}, grouped)
	beam.ParDo0(s, &finalizeFn{Cfg: cfg}, imp, beam.SideInput{Input: written}, beam.SideInput{Input: rejected})
	return written, rejected
}

// listFn lists the source's units of work, emitting each as it is listed.
type listFn struct{ Cfg Config }

func (f *listFn) ProcessElement(ctx context.Context, _ []byte, emit func(Unit)) error {
	src, err := ParseSource(f.Cfg.Input, f.Cfg.Split)
	if err != nil {
		return err
	}
	err = src.EachUnit(ctx, func(u Unit) error {
		shuffleBytes.Inc(ctx, unitShuffleSize(u))
		emit(u)
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing %s: %w", src, err)
	}
	return nil
}

// processFn reads a unit's images and makes their records, which it
// writes itself as sorted runs (runSpiller); it emits only references to
// the runs, keyed by shard. Bad images go to the rejected output with their
// reason. Runners hand a worker one bundle at a time per stage, so the DoFn
// spreads a bundle's units over GOMAXPROCS goroutines itself: ProcessElement
// queues a unit and emits whatever has finished, FinishBundle writes the
// last runs and emits the rest. A retried bundle writes runs under new
// names, and only the references a committed bundle emitted are merged.
type processFn struct {
	Cfg  Config
	proc *processor
	kind SourceKind

	runs *runSpiller
	work chan Unit
	wg   sync.WaitGroup
	mu   sync.Mutex
	done []unitOutput
}

// unitOutput is what the workers made of one unit, besides its records.
type unitOutput struct {
	rejects             []rejection
	images, views, lost int64
}

func (f *processFn) Setup() error {
	p, err := newProcessor(f.Cfg)
	if err != nil {
		return err
	}
	src, err := ParseSource(f.Cfg.Input, f.Cfg.Split)
	if err != nil {
		return err
	}
	f.proc, f.kind = p, src.Kind
	return nil
}

func (f *processFn) StartBundle(ctx context.Context, _ func(int, string), _ func(string)) {
	f.abandon() // a bundle the runner gave up on without finishing it
	n := runtime.GOMAXPROCS(0)
	f.runs = newRunSpiller(f.Cfg.Output, f.Cfg.RunBuffer)
	f.work = make(chan Unit, n)
	for i := 0; i < n; i++ {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for u := range f.work {
				var out unitOutput
				f.proc.processUnit(ctx, f.kind, u, func(shard int, r keyedRecord) {
					out.views += int64(r.Views)
					out.lost += int64(r.Lost)
					f.runs.Add(ctx, shard, r)
				}, func(r rejection) {
					out.rejects = append(out.rejects, r)
				}, func() {
					out.images++
					imagesDone.Add(1)
				})
				f.mu.Lock()
				f.done = append(f.done, out)
				f.mu.Unlock()
			}
		}()
	}
}

func (f *processFn) ProcessElement(ctx context.Context, u Unit, emit func(int, string), rejectOut func(string)) error {
	f.work <- u
	if err := f.flush(ctx, emit, rejectOut); err != nil {
		f.abandon()
		return err
	}
	return nil
}

func (f *processFn) FinishBundle(ctx context.Context, emit func(int, string), rejectOut func(string)) error {
	f.stop()
	err := f.runs.Flush(ctx)
	if err != nil {
		err = fmt.Errorf("augment: %w", err)
	} else {
		err = f.flush(ctx, emit, rejectOut)
	}
	f.runs = nil
	return err
}

// Teardown gives back what a bundle left unfinished holds.
func (f *processFn) Teardown() { f.abandon() }

// abandon stops the current bundle, if one is running, and drops its
// unwritten records: it failed, and its retry makes them again.
func (f *processFn) abandon() {
	f.stop()
	if f.runs != nil {
		f.runs.Discard()
		f.runs = nil
	}
	f.mu.Lock()
	f.done = nil
	f.mu.Unlock()
}

// stop lets the bundle's goroutines finish and waits for them.
func (f *processFn) stop() {
	if f.work != nil {
		close(f.work)
		f.wg.Wait()
		f.work = nil
	}
}

// flush emits, on the DoFn's own goroutine, everything the workers have
// finished: the references to the runs written so far, the rejections and
// the counts. It reports a run that could not be written.
func (f *processFn) flush(ctx context.Context, emit func(int, string), rejectOut func(string)) error {
	if err := f.runs.Err(); err != nil {
		return fmt.Errorf("augment: %w", err)
	}
	for _, ref := range f.runs.Take() {
		s := ref.encode()
		shuffleBytes.Inc(ctx, shuffleSize(ref.Shard, s))
		runsWritten.Inc(ctx, 1)
		emit(ref.Shard, s)
	}
	f.mu.Lock()
	done := f.done
	f.done = nil
	f.mu.Unlock()
	for _, out := range done {
		imagesRead.Inc(ctx, out.images)
		viewsWritten.Inc(ctx, out.views)
		lostViews.Inc(ctx, out.lost)
		for _, r := range out.rejects {
			rejectedImgs.Inc(ctx, 1)
			b, err := json.Marshal(r)
			if err != nil { // a struct of strings: cannot happen
				panic(fmt.Sprintf("pipelines: encoding rejection %+v: %v", r, err))
			}
			rejectOut(string(b))
		}
	}
	return nil
}

// shardResult is what a shard writer reports to finalize.
type shardResult struct {
	Temp        shards.TempShard `json:"temp"`
	ClassCounts map[string]int64 `json:"class_counts"`
	Labels      map[string]int64 `json:"labels"`
	Views       int64            `json:"views"`
}

// writeShardFn merges one shard's runs (sorted by id) into a temporary
// file unique to this attempt, streaming: it holds a read buffer and one
// record per run it reads at once (about Config.RunBuffer), never the
// shard. A process runs at most GOMAXPROCS merges at once.
type writeShardFn struct{ Cfg Config }

func (f *writeShardFn) ProcessElement(ctx context.Context, shard int, refs func(*string) bool, emit func(string)) error {
	runs, err := collectRuns(shard, refs)
	if err != nil {
		return err
	}
	mergeSlots <- struct{}{} // bounds the merges of this process, and their memory
	defer func() { <-mergeSlots }()
	if runs, err = reduceRuns(ctx, f.Cfg.Output, shard, runs, f.Cfg.RunBuffer); err != nil {
		return fmt.Errorf("shard %d: merging runs: %w", shard, err)
	}
	comp, err := f.Cfg.compression()
	if err != nil {
		return err
	}
	w, err := shards.CreateShard(ctx, f.Cfg.Output, shard, f.Cfg.Shards*f.Cfg.Epochs, comp)
	if err != nil {
		return err
	}
	res := shardResult{ClassCounts: map[string]int64{}, Labels: map[string]int64{}}
	err = mergeRuns(ctx, runs, func(r *keyedRecord) error {
		if err := w.Write(r.Data); err != nil {
			return err
		}
		res.ClassCounts[r.Class]++
		res.Labels[r.Class] = r.Label
		res.Views += int64(r.Views)
		bytesWritten.Inc(ctx, int64(r.Bytes))
		return nil
	})
	if err != nil {
		return errors.Join(err, w.Abort(ctx))
	}
	if err := w.Close(); err != nil {
		return errors.Join(err, w.Abort(ctx))
	}
	res.Temp, _ = w.Result() // Close succeeded: the result is there
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	emit(string(b))
	return nil
}

// collectRuns reads a shard's run references, in path order, each once.
func collectRuns(shard int, refs func(*string) bool) ([]runRef, error) {
	byPath := map[string]runRef{}
	var s string
	for refs(&s) {
		r, err := decodeRunRef(s)
		if err != nil {
			return nil, fmt.Errorf("shard %d: %w", shard, err)
		}
		if r.Shard != shard {
			return nil, fmt.Errorf("shard %d: run %s is of shard %d", shard, r.Path, r.Shard)
		}
		byPath[r.Path] = r
	}
	out := make([]runRef, 0, len(byPath))
	for _, p := range sortedKeys(byPath) {
		out = append(out, byPath[p])
	}
	return out, nil
}

// unitShuffleSize is about the bytes of a unit's encoding: its strings,
// their lengths and its numbers.
func unitShuffleSize(u Unit) int64 {
	return int64(len(u.Path)+len(u.Labels)+len(u.ID)+len(u.Class)) + 4 + 3*binary.MaxVarintLen32
}

// finalizeFn runs once, after every shard writer has finished (its side
// inputs are their results): it writes the rejections, renames the shards
// into place, and writes the labels and, last, the manifest.
type finalizeFn struct{ Cfg Config }

func (f *finalizeFn) ProcessElement(ctx context.Context, _ []byte, written func(*string) bool, rejected func(*string) bool) error {
	var done []shards.TempShard
	counts := map[string]int64{}
	labelOf := map[string]int64{}
	var s string
	for written(&s) {
		var r shardResult
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			return fmt.Errorf("finalize: shard result %q: %w", s, err)
		}
		done = append(done, r.Temp)
		for c, n := range r.ClassCounts {
			counts[c] += n
		}
		for c, l := range r.Labels {
			labelOf[c] = l
		}
	}
	var rejects []string
	for rejected(&s) {
		rejects = append(rejects, s)
	}
	sort.Strings(rejects)
	var b []byte
	for _, r := range rejects {
		b = append(append(b, r...), '\n')
	}
	if err := storage.WriteFile(ctx, RejectedPath(f.Cfg.Output), b); err != nil {
		return fmt.Errorf("finalize: %w", err)
	}
	labels := f.Cfg.Labels
	if len(labels) == 0 {
		labels = labelsFromRecords(labelOf)
	}
	policy, err := augment.Parse(f.Cfg.Policy)
	if err != nil {
		return fmt.Errorf("finalize: Policy %q: %w", f.Cfg.Policy, err)
	}
	comp, err := f.Cfg.compression()
	if err != nil {
		return fmt.Errorf("finalize: %w", err)
	}
	_, err = shards.Finalize(ctx, f.Cfg.Output, done, shards.FinalizeOptions{
		NumShards:   f.Cfg.Shards * f.Cfg.Epochs,
		Compression: comp,
		Labels:      labels,
		Tool:        "supcon " + version.String(),
		Manifest: shards.Manifest{
			Source: f.Cfg.Input, Policy: policy.String(), Seed: f.Cfg.Seed, Views: f.Cfg.Views, Epochs: f.Cfg.Epochs,
			ViewFormat: f.Cfg.Format, Encoder: f.Cfg.encoderName(), Height: f.Cfg.Size, Width: f.Cfg.Size, Channels: f.Cfg.Channels,
			Classes: labels, ClassCounts: counts, Rejected: int64(len(rejects)),
		},
	})
	return err
}

// labelsFromRecords builds the class list of a source whose records carry
// labels (TFRecord): name at index label; a label no record names is its number.
func labelsFromRecords(labelOf map[string]int64) []string {
	maxLabel := int64(-1)
	for _, l := range labelOf {
		maxLabel = max(maxLabel, l)
	}
	out := make([]string, maxLabel+1)
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	for _, c := range sortedKeys(labelOf) {
		out[labelOf[c]] = c
	}
	return out
}

// RejectedPath returns PREFIX.rejected.jsonl, where the inputs set aside
// are listed, one JSON object (id, source, reason) per line.
func RejectedPath(prefix string) string { return prefix + ".rejected.jsonl" }
