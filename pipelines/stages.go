package pipelines

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"time"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/internal/cputime"
	"github.com/supcon/supcon/shards"
)

// Cost is the CPU and wall time of some work.
type Cost struct {
	CPU, Wall time.Duration
}

// Per divides the cost by n (images or views); 0 when n is not positive.
func (c Cost) Per(n int) Cost {
	if n <= 0 {
		return Cost{}
	}
	return Cost{CPU: c.CPU / time.Duration(n), Wall: c.Wall / time.Duration(n)}
}

// StageCost is the cost of one stage of the augment pipeline over all the
// images measured.
type StageCost struct {
	// Name is read, decode, augment, encode or record+write.
	Name string
	Cost
}

// StageReport is what MeasureStages found: each stage timed on its own, in
// the pipeline's order and with the pipeline's own functions, then the
// whole pipeline on a runner; Runner is what the whole costs beyond the
// stages (runs, merge, shuffle, finalize, the runner itself).
type StageReport struct {
	Images, Views int // images measured, views made (images × Views × Epochs)
	Stages        []StageCost
	Total         Cost // the whole pipeline on RunnerName
	Runner        Cost // Total minus the sum of the stages
	RunnerName    string
}

// Sum is the summed cost of the stages.
func (r *StageReport) Sum() Cost {
	var s Cost
	for _, st := range r.Stages {
		s.CPU += st.CPU
		s.Wall += st.Wall
	}
	return s
}

// stageClock accumulates the CPU and wall time of calls to a stage.
type stageClock struct {
	cost Cost
}

// time runs fn and adds its CPU (the process's) and wall time.
func (c *stageClock) time(fn func() error) error {
	cpu0, w0 := cputime.Process(), time.Now()
	err := fn()
	c.cost.Wall += time.Since(w0)
	c.cost.CPU += cputime.Process() - cpu0
	return err
}

// MeasureStages measures what the augment pipeline costs per image for cfg
// (Output is ignored: the work goes to a temporary folder under dir, "" for
// the system's). First, in one goroutine, each image is read, decoded,
// augmented (V views × E epochs), its views encoded and its records built
// and written to one shard, each stage timed on its own with the same
// functions the pipeline calls; then the whole pipeline runs on runner
// (prism, direct; "" skips it), whose cost beyond the stages' sum is the
// runner's. Bad inputs are skipped, as the pipeline sets them aside. CPU
// time is the process's (internal/cputime), so run it on an otherwise idle
// process.
func MeasureStages(ctx context.Context, cfg Config, runner, dir string) (*StageReport, error) {
	tmp, err := os.MkdirTemp(dir, "supcon-bench-")
	if err != nil {
		return nil, fmt.Errorf("pipelines: bench folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	cfg.Output = filepath.Join(tmp, "stages", "data")
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rep, err := measureStages(ctx, cfg)
	if err != nil || runner == "" {
		return rep, err
	}
	cfg.Output = filepath.Join(tmp, "whole", "data")
	cpu0, w0 := cputime.Process(), time.Now()
	if _, err := Run(ctx, cfg, runner, nil); err != nil {
		return nil, err
	}
	rep.RunnerName = runner
	rep.Total = Cost{CPU: cputime.Process() - cpu0, Wall: time.Since(w0)}
	sum := rep.Sum()
	rep.Runner = Cost{CPU: rep.Total.CPU - sum.CPU, Wall: rep.Total.Wall - sum.Wall}
	return rep, nil
}

// measureStages times the stages one image at a time (so memory stays one
// image's views), writing every record to a single shard.
func measureStages(ctx context.Context, cfg Config) (*StageReport, error) {
	b, err := newStageBench(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rep := &StageReport{}
	for _, u := range b.units {
		if err := ctx.Err(); err != nil {
			return nil, errors.Join(err, b.w.Abort(ctx))
		}
		var got []sourceImage
		err := b.read.time(func() error {
			return readUnit(ctx, b.src.Kind, u, func(si sourceImage) error {
				got = append(got, si)
				return nil
			}, func(rejection) {}) // rejected inputs are set aside, as the pipeline does
		})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("pipelines: bench: reading %s: %w", u.Path, err), b.w.Abort(ctx))
		}
		for _, si := range got {
			n, err := b.image(si)
			if err != nil {
				return nil, errors.Join(err, b.w.Abort(ctx))
			}
			rep.Images += min(n, 1)
			rep.Views += n
		}
	}
	if err := b.rec.time(b.w.Close); err != nil {
		return nil, errors.Join(err, b.w.Abort(ctx))
	}
	if rep.Images == 0 {
		return nil, fmt.Errorf("pipelines: bench: no decodable image in %s", cfg.Input)
	}
	rep.Stages = []StageCost{{"read", b.read.cost}, {"decode", b.decode.cost}, {"augment", b.aug.cost},
		{"encode", b.enc.cost}, {"record+write", b.rec.cost}}
	return rep, nil
}

// stageBench does the pipeline's work image by image, one goroutine, with
// a clock per stage.
type stageBench struct {
	cfg                         Config
	p                           *processor
	src                         Source
	units                       []Unit
	w                           *shards.ShardWriter
	read, decode, aug, enc, rec stageClock
	imgs                        []image.Image // one image's views, until encoded
}

// newStageBench opens cfg's source, lists its units and creates the shard
// the records go to.
func newStageBench(ctx context.Context, cfg Config) (*stageBench, error) {
	p, err := newProcessor(cfg)
	if err != nil {
		return nil, err
	}
	src, err := ParseSource(cfg.Input, cfg.Split)
	if err != nil {
		return nil, fmt.Errorf("pipelines: %w", err)
	}
	units, err := src.Units(ctx)
	if err != nil {
		return nil, err
	}
	comp, err := cfg.compression()
	if err != nil {
		return nil, err
	}
	w, err := shards.CreateShard(ctx, cfg.Output, 0, 1, comp)
	if err != nil {
		return nil, err
	}
	return &stageBench{cfg: cfg, p: p, src: src, units: units, w: w}, nil
}

// image decodes, augments, encodes and writes one image's records, and
// returns how many views it made (0 for an image set aside).
func (b *stageBench) image(si sourceImage) (int, error) {
	cfg := b.cfg
	img := si.Img
	if img == nil {
		if b.decode.time(func() (err error) { img, err = decodeImage(si.Data); return err }) != nil {
			return 0, nil // set aside, as the pipeline does
		}
	}
	views := make([]*shards.Multiview, cfg.Epochs)
	err := b.aug.time(func() error {
		if cfg.Views*cfg.Epochs > 1 {
			img = augment.ToRGBA(img)
		}
		for e := range views {
			views[e] = &shards.Multiview{ID: si.ID, Label: si.Label, ClassText: si.Class, Format: cfg.Format,
				Height: cfg.Size, Width: cfg.Size, Channels: cfg.Channels, Policy: b.p.policy, Seed: cfg.Seed, Epoch: int64(e)}
			for v := 0; v < cfg.Views; v++ {
				view, err := b.p.aug.View(img, cfg.Seed, si.ID, v, e)
				if err != nil {
					return err
				}
				augment.Lost(view) // the pipeline counts lost views
				views[e].Views = append(views[e].Views, nil)
				b.imgs = append(b.imgs, view)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("pipelines: bench: augmenting %s: %w", si.ID, err)
	}
	err = b.enc.time(func() error {
		k := 0
		for _, m := range views {
			for v := range m.Views {
				data, err := cfg.encode(b.imgs[k])
				if err != nil {
					return err
				}
				m.Views[v] = data
				k++
			}
		}
		return nil
	})
	b.imgs = b.imgs[:0]
	if err != nil {
		return 0, fmt.Errorf("pipelines: bench: encoding %s: %w", si.ID, err)
	}
	return cfg.Views * cfg.Epochs, b.rec.time(func() error {
		for _, m := range views {
			data, err := m.Marshal()
			if err != nil {
				return err
			}
			if err := b.w.Write(data); err != nil {
				return err
			}
		}
		return nil
	})
}
