package pipelines

import (
	"context"
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
	beam.RegisterType(reflect.TypeOf((*keyedRecord)(nil)).Elem())
	register.DoFn3x1[context.Context, []byte, func(Unit), error](&listFn{})
	register.DoFn4x1[context.Context, Unit, func(int, keyedRecord), func(string), error](&processFn{})
	register.DoFn4x1[context.Context, int, func(*keyedRecord) bool, func(string), error](&writeShardFn{})
	register.DoFn4x1[context.Context, []byte, func(*string) bool, func(*string) bool, error](&finalizeFn{})
	register.Emitter1[Unit]()
	register.Emitter2[int, keyedRecord]()
	register.Emitter1[string]()
	register.Iter1[*keyedRecord]()
	register.Iter1[string]()
}

// Beam metrics of the augment pipeline (namespace "supcon").
var (
	imagesRead   = beam.NewCounter("supcon", "images_read")
	viewsWritten = beam.NewCounter("supcon", "views_written")
	rejectedImgs = beam.NewCounter("supcon", "rejected")
	bytesWritten = beam.NewCounter("supcon", "bytes_written")
	lostViews    = beam.NewCounter("supcon", lostViewsCounter)
)

// imagesDone counts images processed in this process, for the progress
// line of runners that run the work in-process (prism, direct).
var imagesDone atomic.Int64

// Build adds the augment pipeline to scope s: list the source's units,
// reshuffle them over workers, read, decode and augment every image into
// one multiview record per epoch, group the records by shard, write each
// shard (sorted by id) to a temporary file, and finalize the dataset once
// every shard is written. cfg.Labels must hold the class names unless the
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

// listFn lists the source's units of work.
type listFn struct{ Cfg Config }

func (f *listFn) ProcessElement(ctx context.Context, _ []byte, emit func(Unit)) error {
	src, err := ParseSource(f.Cfg.Input, f.Cfg.Split)
	if err != nil {
		return err
	}
	units, err := src.Units(ctx)
	if err != nil {
		return fmt.Errorf("listing %s: %w", src, err)
	}
	for _, u := range units {
		emit(u)
	}
	return nil
}

// processFn reads a unit's images and makes their records; bad images go
// to the rejected output with their reason. Runners hand a worker one
// bundle at a time per stage, so the DoFn spreads a bundle's units over
// GOMAXPROCS goroutines itself: ProcessElement queues a unit and emits
// whatever has finished, FinishBundle emits the rest. Order does not matter:
// shard writers sort their records.
type processFn struct {
	Cfg  Config
	proc *processor
	kind SourceKind

	work chan Unit
	wg   sync.WaitGroup
	mu   sync.Mutex
	done []unitOutput
}

// unitOutput is what the workers made of one unit.
type unitOutput struct {
	records []shardedRecord
	rejects []rejection
	images  int64
}

type shardedRecord struct {
	shard int
	rec   keyedRecord
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

func (f *processFn) StartBundle(ctx context.Context, _ func(int, keyedRecord), _ func(string)) {
	n := runtime.GOMAXPROCS(0)
	f.work = make(chan Unit, n)
	for i := 0; i < n; i++ {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for u := range f.work {
				var out unitOutput
				f.proc.processUnit(ctx, f.kind, u, func(shard int, r keyedRecord) {
					out.records = append(out.records, shardedRecord{shard, r})
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

func (f *processFn) ProcessElement(ctx context.Context, u Unit, emit func(int, keyedRecord), rejectOut func(string)) error {
	f.work <- u
	f.flush(ctx, emit, rejectOut)
	return nil
}

func (f *processFn) FinishBundle(ctx context.Context, emit func(int, keyedRecord), rejectOut func(string)) error {
	close(f.work)
	f.wg.Wait()
	f.flush(ctx, emit, rejectOut)
	return nil
}

// flush emits, on the DoFn's own goroutine, everything the workers have finished.
func (f *processFn) flush(ctx context.Context, emit func(int, keyedRecord), rejectOut func(string)) {
	f.mu.Lock()
	done := f.done
	f.done = nil
	f.mu.Unlock()
	for _, out := range done {
		imagesRead.Inc(ctx, out.images)
		for _, r := range out.records {
			viewsWritten.Inc(ctx, int64(r.rec.Views))
			lostViews.Inc(ctx, int64(r.rec.Lost))
			emit(r.shard, r.rec)
		}
		for _, r := range out.rejects {
			rejectedImgs.Inc(ctx, 1)
			b, err := json.Marshal(r)
			if err != nil { // a struct of strings: cannot happen
				panic(fmt.Sprintf("pipelines: encoding rejection %+v: %v", r, err))
			}
			rejectOut(string(b))
		}
	}
}

// shardResult is what a shard writer reports to finalize.
type shardResult struct {
	Temp        shards.TempShard `json:"temp"`
	ClassCounts map[string]int64 `json:"class_counts"`
	Labels      map[string]int64 `json:"labels"`
	Views       int64            `json:"views"`
}

// writeShardFn writes one shard's records, sorted by id, to a temporary
// file unique to this attempt.
type writeShardFn struct{ Cfg Config }

func (f *writeShardFn) ProcessElement(ctx context.Context, shard int, recs func(*keyedRecord) bool, emit func(string)) error {
	var all []keyedRecord
	var r keyedRecord
	for recs(&r) {
		all = append(all, r)
		r = keyedRecord{}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].ID != all[j].ID {
			return all[i].ID < all[j].ID
		}
		return string(all[i].Data) < string(all[j].Data)
	})
	comp, err := f.Cfg.compression()
	if err != nil {
		return err
	}
	w, err := shards.CreateShard(ctx, f.Cfg.Output, shard, f.Cfg.Shards*f.Cfg.Epochs, comp)
	if err != nil {
		return err
	}
	res := shardResult{ClassCounts: map[string]int64{}, Labels: map[string]int64{}}
	for _, r := range all {
		if err := w.Write(r.Data); err != nil {
			return errors.Join(err, w.Abort(ctx))
		}
		res.ClassCounts[r.Class]++
		res.Labels[r.Class] = r.Label
		res.Views += int64(r.Views)
		bytesWritten.Inc(ctx, int64(r.Bytes))
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
			ViewFormat: f.Cfg.Format, Height: f.Cfg.Size, Width: f.Cfg.Size, Channels: f.Cfg.Channels,
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
