package trainer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
	"github.com/supcon/supcon/trainer/run"
)

// LinearConfig is a linear evaluation's settings: a linear classifier trained
// with cross-entropy on the features of the run's frozen encoder.
type LinearConfig struct {
	// Data are the training shards; Val, optional, the shards to report
	// top-1 on (made without augmentation, e.g. --policy none --views 1).
	Data []string `json:"data"`
	Val  []string `json:"val,omitempty"`
	// Views is how many of each training record's stored views to use as
	// training samples; 0 means all.
	Views int `json:"views"`
	// Epochs, Batch (samples per step), LR (peak, cosine to 0), Momentum and
	// WeightDecay of the classifier's SGD. Momentum and WeightDecay < 0 mean
	// the optimiser's defaults.
	Epochs      int     `json:"epochs"`
	Batch       int     `json:"batch"`
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	// Seed fixes the classifier's initial weights and the sample order.
	Seed int64 `json:"seed"`
	// Corrupt is the corrupt-record policy, "fail" or "skip".
	Corrupt string `json:"corrupt"`
}

// DefaultLinearConfig returns the defaults: 10 epochs (the paper: the linear
// stage needs as few as 10), batch 256, SGD momentum 0.9, lr 0.1 with a
// cosine decay, no weight decay, every stored view.
func DefaultLinearConfig() LinearConfig {
	return LinearConfig{Epochs: 10, Batch: 256, Optimizer: "sgd", LR: 0.1, Momentum: -1, WeightDecay: 0, Corrupt: "fail"}
}

// LinearReport is what Linear measured; it is also written to linear.json.
type LinearReport struct {
	Checkpoint   string  `json:"checkpoint"`
	Encoder      string  `json:"encoder"`
	FeatureDim   int     `json:"feature_dim"`
	Classes      int     `json:"classes"`
	TrainImages  int     `json:"train_images"`
	TrainSamples int     `json:"train_samples"`
	Epochs       int     `json:"epochs"`
	Steps        int64   `json:"steps"`
	FinalLoss    float64 `json:"final_loss"`
	TrainTop1    float64 `json:"train_top1"`
	ValImages    int     `json:"val_images"`
	ValTop1      float64 `json:"val_top1"`
	// ValTop5 is 1 by definition with 5 classes or fewer.
	ValTop5 float64 `json:"val_top5"`
}

// Linear evaluates a pre-trained run: it loads the run's latest checkpoint,
// computes the frozen encoder's features (batch norm in evaluation mode, no
// gradient: the classifier's graph starts at the features, so nothing reaches
// the encoder) for every training view and validation image, trains a linear
// classifier on them with cross-entropy, and reports top-1 (and top-5) on the
// validation data. It writes linear.ckpt (the model with its classifier),
// linear.json and linear-metrics.jsonl into the run.
func Linear(ctx context.Context, runDir string, cfg LinearConfig, progressOut io.Writer) (*LinearReport, error) {
	if len(cfg.Data) == 0 {
		return nil, errors.New("linear: no training data given")
	}
	if cfg.Epochs < 1 || cfg.Batch < 1 || cfg.LR <= 0 || cfg.Views < 0 {
		return nil, fmt.Errorf("linear: epochs %d, batch %d, lr %g, views %d: need epochs, batch and lr positive", cfg.Epochs, cfg.Batch, cfg.LR, cfg.Views)
	}
	corrupt, err := input.ParseCorruptPolicy(cfg.Corrupt)
	if err != nil {
		return nil, err
	}
	oc, err := optimizerConfig(cfg.Optimizer, cfg.Momentum, cfg.WeightDecay)
	if err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	rd := run.Dir(runDir)
	rf := new(runFile)
	err = rd.ReadJSON(ctx, run.ConfigFile, rf)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("linear: %s is not a training run: %w", runDir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	ck, ckPath, err := rd.ReadLatest(ctx, progressOut)
	if err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	m := ck.Model
	rep := &LinearReport{Checkpoint: ckPath, Encoder: m.Spec.Encoder, FeatureDim: m.FeatureDim, Epochs: cfg.Epochs}

	fg, err := m.NewGraph(model.GraphOptions{Batch: cfg.Batch, Head: model.NoHead})
	if err != nil {
		return nil, err
	}
	defer fg.Close()
	train, err := extractFeatures(ctx, fg, m.Spec, cfg.Data, cfg.Views, corrupt, rf.Config.Mean, rf.Config.Std, progressOut, "train features")
	if err != nil {
		return nil, err
	}
	rep.TrainImages, rep.TrainSamples = train.images, len(train.labels)
	var val *featureSet
	if len(cfg.Val) > 0 {
		if val, err = extractFeatures(ctx, fg, m.Spec, cfg.Val, 1, corrupt, rf.Config.Mean, rf.Config.Std, progressOut, "val features"); err != nil {
			return nil, err
		}
		rep.ValImages = val.images
	}
	for _, fs := range []*featureSet{train, val} {
		if fs != nil && len(fs.names) > 0 && len(rf.Classes) > 0 && !slices.Equal(fs.names, rf.Classes) {
			return nil, fmt.Errorf("linear: the %d classes of the %s data (%s) are not the run's %d (%s): labels would not match; make the data with the run's labels file (augment --labels)",
				len(fs.names), fs.what, abbreviate(fs.names), len(rf.Classes), abbreviate(rf.Classes))
		}
	}
	classes := max(len(rf.Classes), train.classes)
	if val != nil {
		classes = max(classes, val.classes)
	}
	rep.Classes = classes
	if err := m.AddClassifier(classes, cfg.Seed); err != nil {
		return nil, err
	}

	obj := &model.Objective{Options: loss.Options{Loss: loss.CrossEntropy}}
	cg, err := m.NewGraph(model.GraphOptions{Batch: cfg.Batch, Features: true, Head: model.ClassifierHead, Loss: obj})
	if err != nil {
		return nil, err
	}
	defer cg.Close()
	lrn, err := newLearner(cg, cfg.Optimizer, oc)
	if err != nil {
		return nil, err
	}
	// The classifier trains on standardised features (each dimension to mean
	// 0 and deviation 1 over the training samples), which makes plain SGD
	// well conditioned whatever the encoder's scale; the standardisation is
	// then folded into the classifier, so it takes the raw features.
	mu, sigma := featureStats(train)
	std := standardize(train.x, mu, sigma)
	n := len(train.labels)
	stepsEpoch := int64((n + cfg.Batch - 1) / cfg.Batch)
	sched := optim.Schedule{Peak: cfg.LR, TotalSteps: stepsEpoch * int64(cfg.Epochs), Decay: optim.Cosine}
	mw, err := rd.CreateMetrics(ctx, run.LinearMetrics)
	if err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	defer mw.Close()
	var meter *progress.Meter
	if progressOut != nil {
		meter = progress.New(progressOut, "linear steps", sched.TotalSteps)
	}
	d := m.FeatureDim
	feats := make([]float32, cfg.Batch*d)
	labels := make([]int, cfg.Batch)
	var step int64
	last := time.Now()
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		perm := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(epoch)+1)).Perm(n)
		for start := 0; start < n; start += cfg.Batch {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			// The last batch wraps round to the epoch's first samples so
			// that every step has a full batch.
			for j := 0; j < cfg.Batch; j++ {
				s := perm[(start+j)%n]
				copy(feats[j*d:(j+1)*d], std[s*d:(s+1)*d])
				labels[j] = train.labels[s]
			}
			if err := cg.SetFeatures(feats); err != nil {
				return nil, err
			}
			obj.SetBatch(labels, nil)
			if err := cg.Run(); err != nil {
				return nil, fmt.Errorf("linear step %d: %w", step+1, err)
			}
			lr := sched.LR(step)
			if err := lrn.update(lr); err != nil {
				return nil, err
			}
			step++
			rep.FinalLoss = obj.Result.Value
			now := time.Now()
			if err := mw.Write(run.Metric{Step: step, Epoch: epoch, Batch: start / cfg.Batch, Loss: obj.Result.Value, LR: lr,
				ViewsPerSec: float64(cfg.Batch) / now.Sub(last).Seconds()}); err != nil {
				return nil, fmt.Errorf("linear: %w", err)
			}
			last = now
			if meter != nil {
				meter.Add(1)
			}
		}
	}
	if meter != nil {
		meter.Done()
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	rep.Steps = step
	foldStandardization(m, mu, sigma)

	lg, err := m.NewGraph(model.GraphOptions{Batch: cfg.Batch, Features: true, Head: model.ClassifierHead})
	if err != nil {
		return nil, err
	}
	defer lg.Close()
	if rep.TrainTop1, _, err = topK(lg, train); err != nil {
		return nil, err
	}
	if val != nil {
		if rep.ValTop1, rep.ValTop5, err = topK(lg, val); err != nil {
			return nil, err
		}
	}
	if err := run.WriteCheckpoint(ctx, rd.Path(run.LinearFile), &run.Checkpoint{Step: step, Model: m}); err != nil {
		return nil, err
	}
	if err := rd.WriteJSON(ctx, run.LinearResult, rep); err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	return rep, nil
}

// featureSet holds features, one row of FeatureDim per sample, and labels.
type featureSet struct {
	x       []float32
	labels  []int
	images  int
	classes int
	names   []string // the data's class names, when its manifest gives them
	what    string
}

// extractFeatures runs the encoder (graph g, no head, evaluation mode) over
// views of every record of the data, in the data's order, normalising pixels
// as training did.
func extractFeatures(ctx context.Context, g *model.Graph, spec model.Spec, data []string, views int,
	corrupt input.CorruptPolicy, mean, std []float32, progressOut io.Writer, what string) (*featureSet, error) {
	d, err := input.Open(ctx, data, input.Options{Corrupt: corrupt, NoRotate: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	r, err := d.Epoch(ctx, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer r.Close()
	h, w, c := spec.Height, spec.Width, spec.Channels
	size := h * w * c
	batch := g.Batch()
	x := make([]float32, batch*size)
	px := make([]uint8, size)
	fs := &featureSet{what: what}
	if man := d.Manifest(); man != nil {
		fs.names = man.Classes
	}
	fill := 0
	dim := 0
	flush := func() error {
		if fill == 0 {
			return nil
		}
		clear(x[fill*size:])
		if err := g.SetImages(x); err != nil {
			return err
		}
		if err := g.Run(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		dim = g.OutputDim()
		fs.x = append(fs.x, g.Output()[:fill*dim]...)
		fill = 0
		return nil
	}
	var meter *progress.Meter
	if progressOut != nil {
		meter = progress.New(progressOut, what, 0)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if rec.Height != h || rec.Width != w || rec.Channels != c {
			return nil, fmt.Errorf("%s: image %s is %d×%d×%d, the encoder takes %d×%d×%d", what, rec.ID, rec.Height, rec.Width, rec.Channels, h, w, c)
		}
		nv := len(rec.Views)
		if views > 0 {
			nv = min(nv, views)
		}
		for v := 0; v < nv; v++ {
			if err := input.DecodeView(px, &rec.Multiview, v); err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			if err := input.NormalizeHWC(x[fill*size:(fill+1)*size], px, h*w, c, mean, std); err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			fs.labels = append(fs.labels, int(rec.Label))
			fs.classes = max(fs.classes, int(rec.Label)+1)
			if fill++; fill == batch {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
		fs.images++
		if meter != nil {
			meter.Add(1)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if meter != nil {
		meter.Done()
	}
	if fs.images == 0 {
		return nil, fmt.Errorf("%s: the data holds no records", what)
	}
	return fs, nil
}

// topK returns the top-1 and top-5 accuracy of the classifier graph g on fs.
func topK(g *model.Graph, fs *featureSet) (top1, top5 float64, err error) {
	batch := g.Batch()
	n := len(fs.labels)
	d := len(fs.x) / n
	in := make([]float32, batch*d)
	var hit1, hit5 int
	for start := 0; start < n; start += batch {
		cnt := min(batch, n-start)
		copy(in, fs.x[start*d:(start+cnt)*d])
		clear(in[cnt*d:])
		if err := g.SetFeatures(in); err != nil {
			return 0, 0, err
		}
		if err := g.Run(); err != nil {
			return 0, 0, err
		}
		out, k := g.Output(), g.OutputDim()
		for i := 0; i < cnt; i++ {
			row := out[i*k : (i+1)*k]
			rank := rankOf(row, fs.labels[start+i])
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

// featureStats returns every feature dimension's mean and standard deviation
// over the set (float64 sums in sample order; a deviation below 1e-6 counts
// as 1, for dimensions that never vary).
func featureStats(fs *featureSet) (mu, sigma []float64) {
	n := len(fs.labels)
	d := len(fs.x) / n
	mu, sigma = make([]float64, d), make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range fs.x[i*d : (i+1)*d] {
			mu[j] += float64(v)
		}
	}
	for j := range mu {
		mu[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j, v := range fs.x[i*d : (i+1)*d] {
			e := float64(v) - mu[j]
			sigma[j] += e * e
		}
	}
	for j := range sigma {
		sigma[j] = math.Sqrt(sigma[j] / float64(n))
		if sigma[j] < 1e-6 {
			sigma[j] = 1
		}
	}
	return mu, sigma
}

// standardize returns (x − mu)/sigma per dimension, in a new slice.
func standardize(x []float32, mu, sigma []float64) []float32 {
	d := len(mu)
	out := make([]float32, len(x))
	for i := range x {
		j := i % d
		out[i] = float32((float64(x[i]) - mu[j]) / sigma[j])
	}
	return out
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

// abbreviate lists up to four names.
func abbreviate(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}
