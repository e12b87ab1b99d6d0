package evaluate

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
	"github.com/supcon/supcon/trainer/run"
	"github.com/supcon/supcon/trainer/run/tfevents"
)

// trainProbe trains m's linear classifier on the training features with
// cross-entropy, logging linear-metrics.jsonl and the events ev, and
// returns the steps done and the last step's loss.
//
// The classifier trains on standardised features (each dimension to mean 0
// and deviation 1 over the training samples), which makes plain SGD well
// conditioned whatever the encoder's scale; the standardisation is then
// folded into the classifier, so it takes the raw features.
func trainProbe(ctx context.Context, rd run.Dir, m *model.Model, train *FeatureSet, cfg LinearConfig, ev *tfevents.Writer, progressOut io.Writer) (steps int64, last float64, err error) {
	oc, err := cfg.OptimizerSettings.Resolve()
	if err != nil {
		return 0, 0, err
	}
	obj := &model.Objective{Options: loss.Options{Loss: loss.CrossEntropy}}
	g, err := m.NewGraph(model.GraphOptions{Batch: cfg.Batch, Features: true, Head: model.ClassifierHead, Loss: obj})
	if err != nil {
		return 0, 0, err
	}
	defer g.Close()
	mw, err := rd.CreateMetrics(ctx, run.LinearMetrics)
	if err != nil {
		return 0, 0, err
	}
	defer mw.Close(context.Background())
	loop, err := trainer.NewLoop(m, g, cfg.Optimizer, oc, mw)
	if err != nil {
		return 0, 0, err
	}
	loop.LogEvents(ev, run.LinearTags)
	mu, sigma := train.stats()
	p := &probe{loop: loop, g: g, obj: obj, cfg: cfg, labels: train.Labels, dim: train.Dim,
		x: standardize(train.X, mu, sigma)}
	p.sched = optim.Schedule{Peak: cfg.LR, TotalSteps: p.stepsPerEpoch() * int64(cfg.Epochs), Decay: optim.Cosine}
	if progressOut != nil {
		p.meter = progress.New(progressOut, "linear steps", p.sched.TotalSteps)
	}
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		if err := p.epoch(ctx, epoch); err != nil {
			return 0, 0, err
		}
	}
	if p.meter != nil {
		p.meter.Done()
	}
	if err := mw.Close(ctx); err != nil {
		return 0, 0, err
	}
	foldStandardization(m, mu, sigma)
	return loop.Steps(), obj.Result.Value, nil
}

// probe is the linear classifier's training on standardised features.
type probe struct {
	loop   *trainer.Loop
	g      *model.Graph
	obj    *model.Objective
	cfg    LinearConfig
	sched  optim.Schedule
	meter  *progress.Meter
	x      []float32 // standardised features, dim per sample
	labels []int
	dim    int
	batchX []float32
	batchL []int
}

func (p *probe) stepsPerEpoch() int64 {
	return int64((len(p.labels) + p.cfg.Batch - 1) / p.cfg.Batch)
}

// epoch runs one epoch over the samples in an order drawn from (Seed,
// epoch). The last batch wraps round to the epoch's first samples so that
// every step has a full batch.
func (p *probe) epoch(ctx context.Context, epoch int) error {
	n, d, batch := len(p.labels), p.dim, p.cfg.Batch
	if p.batchX == nil {
		p.batchX, p.batchL = make([]float32, batch*d), make([]int, batch)
	}
	perm := rand.New(rand.NewPCG(uint64(p.cfg.Seed), uint64(epoch)+1)).Perm(n)
	for start := 0; start < n; start += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		fillBatch(p.batchX, p.batchL, p.x, p.labels, d, perm, start, true)
		if err := p.g.SetFeatures(p.batchX); err != nil {
			return err
		}
		p.obj.SetBatch(p.batchL, nil)
		lr := p.sched.LR(p.loop.Steps())
		if err := p.loop.Step(lr); err != nil {
			return fmt.Errorf("linear %w", err)
		}
		if err := p.loop.LogMetric(run.Metric{Epoch: epoch, Batch: start / batch, Loss: p.obj.Result.Value, LR: lr}, batch); err != nil {
			return err
		}
		if p.meter != nil {
			p.meter.Add(1)
		}
	}
	return nil
}

// fillBatch copies the feature rows (dim values each) of samples
// order[start], order[start+1], … (order nil: the samples in turn) and
// their labels into a batch of len(labels) rows, dst and labels. Past the
// last sample it wraps round to the first (wrap) or writes zero rows; it
// returns the number of rows before the last sample.
func fillBatch(dst []float32, labels []int, x []float32, rowLabels []int, dim int, order []int, start int, wrap bool) int {
	n := len(rowLabels)
	rows := min(len(labels), n-start)
	for j := range labels {
		i := start + j
		if i >= n && !wrap {
			clear(dst[j*dim:])
			clear(labels[j:])
			break
		}
		s := i % n
		if order != nil {
			s = order[s]
		}
		copy(dst[j*dim:(j+1)*dim], x[s*dim:(s+1)*dim])
		labels[j] = rowLabels[s]
	}
	return rows
}

// foldStandardization rewrites the classifier trained on standardised
// features, logits = ((f − mu)/sigma)·W + b, as one on raw features:
// W'[j] = W[j]/sigma[j] and b' = b − Σ_j mu[j]/sigma[j]·W[j].
func foldStandardization(m *model.Model, mu, sigma []float64) {
	w, b := m.Params.Get("classifier.w"), m.Params.Get("classifier.b")
	c := len(b.Data)
	bias := make([]float64, c)
	for k := range bias {
		bias[k] = float64(b.Data[k])
	}
	for j := range mu {
		row := w.Data[j*c : (j+1)*c]
		for k := range row {
			bias[k] -= mu[j] / sigma[j] * float64(row[k])
			row[k] = float32(float64(row[k]) / sigma[j])
		}
	}
	for k := range bias {
		b.Data[k] = float32(bias[k])
	}
}

// topK returns the top-1 and top-5 accuracy of the classifier graph g on fs,
// running it over the feature rows a batch at a time.
func topK(g *model.Graph, fs *FeatureSet) (top1, top5 float64, err error) {
	batch, n, d := g.Batch(), len(fs.Labels), fs.Dim
	in, labels := make([]float32, batch*d), make([]int, batch)
	var hit1, hit5 int
	for start := 0; start < n; start += batch {
		cnt := fillBatch(in, labels, fs.X, fs.Labels, d, nil, start, false)
		if err := g.SetFeatures(in); err != nil {
			return 0, 0, err
		}
		if err := g.Run(); err != nil {
			return 0, 0, err
		}
		out, k := g.Output(), g.OutputDim()
		for i := 0; i < cnt; i++ {
			rank := rankOf(out[i*k:(i+1)*k], labels[i])
			if rank < 1 {
				hit1++
			}
			if rank < 5 {
				hit5++
			}
		}
	}
	return float64(hit1) / float64(n), float64(hit5) / float64(n), nil
}

// rankOf returns how many logits are greater than the label's (ties count
// against it, so a constant output is never right by luck).
func rankOf(row []float32, label int) int {
	if label >= len(row) {
		return math.MaxInt
	}
	v := row[label]
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return math.MaxInt
	}
	r := 0
	for j, x := range row {
		if j != label && x >= v {
			r++
		}
	}
	return r
}
