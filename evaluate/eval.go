package evaluate

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"time"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/run"
)

// EvalConfig is an evaluation's settings (docs/evaluation.md).
type EvalConfig struct {
	// Test are the test shards (made without augmentation: policy none;
	// the first view of each record is used).
	Test []string `json:"test"`
	// Train, optional, are training shards: the linear probe is trained on
	// them when a SupCon run has none (with Linear's settings), and kNN
	// and retrieval use their first views as the reference.
	Train []string `json:"train,omitempty"`
	// Corruptions are augment corruption names to test under, each at
	// every one of Severities (1..5).
	Corruptions []string `json:"corruptions,omitempty"`
	Severities  []int    `json:"severities,omitempty"`
	// Corrupted, instead of Corruptions, names pre-corrupted copies of
	// Test: datasets the augment pipeline wrote with a policy
	// corrupt:NAME,severity=S (manifests, dataset prefixes or globs of
	// manifests). Each one's corruption and severity come from its
	// manifest; each must hold Test's images, and every corruption the same
	// severities. Eval fills Corruptions and Severities from them.
	Corrupted []string `json:"corrupted,omitempty"`
	// KNN lists the kNN classifiers to score (they need Train); with any,
	// retrieval figures are computed too.
	KNN []KNNConfig `json:"knn,omitempty"`
	// Bins is the number of confidence bins of the ECE.
	Bins int `json:"bins"`
	// Batch is the number of samples the model runs on at once.
	Batch int `json:"batch"`
	// Seed seeds the corruptions' random draws (with each image's id);
	// with Corrupted, Eval sets it to the seed the datasets were written
	// with when they all share one.
	Seed int64 `json:"seed"`
	// Corrupt is the corrupt-record policy, "fail" or "skip".
	Corrupt string `json:"corrupt"`
	// MapSamples caps the test samples drawn in the 2-D embedding map.
	MapSamples int `json:"map_samples"`
	// Linear configures the probe trained when one is needed (its Data is
	// set to Train).
	Linear LinearConfig `json:"-"`
}

// DefaultEvalConfig returns the defaults: 15 bins, batch 256, severities
// 1..5 (for the corruptions named), no kNN, a map of up to 2000 samples.
func DefaultEvalConfig() EvalConfig {
	return EvalConfig{Bins: DefaultBins, Batch: 256, Severities: []int{1, 2, 3, 4, 5}, Corrupt: "fail",
		MapSamples: 2000, Linear: DefaultLinearConfig()}
}

// check validates the settings, naming the one that is wrong.
func (c *EvalConfig) check() error {
	switch {
	case len(c.Test) == 0:
		return errors.New("Test: no test data given")
	case c.Bins < 1:
		return fmt.Errorf("Bins %d: at least 1", c.Bins)
	case c.Batch < 1:
		return fmt.Errorf("Batch %d: at least 1", c.Batch)
	case len(c.KNN) > 0 && len(c.Train) == 0:
		return errors.New("KNN: needs Train, the reference features")
	case len(c.Corruptions) > 0 && len(c.Severities) == 0:
		return errors.New("Severities: none given for the corruptions")
	case len(c.Corruptions) > 0 && len(c.Corrupted) > 0:
		return errors.New("Corrupted: give Corruptions (corrupted on the fly) or Corrupted (pre-corrupted datasets), not both")
	}
	known := augment.Corruptions()
	for _, name := range c.Corruptions {
		if !slices.Contains(known, name) {
			return fmt.Errorf("Corruptions: unknown corruption %q (known: %v)", name, known)
		}
	}
	for _, s := range c.Severities {
		if s < 1 || s > augment.MaxSeverity {
			return fmt.Errorf("Severities: %d is not in 1..%d", s, augment.MaxSeverity)
		}
	}
	for _, k := range c.KNN {
		if err := k.check(); err != nil {
			return fmt.Errorf("KNN: %w", err)
		}
	}
	return nil
}

// Files Eval writes into its output directory.
const (
	ReportJSON      = "report.json"
	ReportMarkdown  = "report.md"
	ReportHTML      = "report.html"
	PredictionsFile = "predictions.jsonl"
)

// evalRun is the part of a run's config.json that Eval needs.
type evalRun struct {
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
	Loss loss.Kind `json:"loss"`
}

// Eval scores a run (runDir, local or gs://) on test data, clean and under
// each corruption and severity, and writes report.json, report.md,
// report.html, predictions.jsonl and a TensorBoard event file (see
// docs/tensorboard.md) into outDir (local or gs://). A SupCon run is
// scored through its linear probe (linear.ckpt, trained first on Train
// when missing), a cross-entropy run through its own classifier head.
// Corrupted views are made on the fly, a batch at a time on GOMAXPROCS
// goroutines, so memory does not grow with the data; or, with
// cfg.Corrupted, read from datasets the augment pipeline corrupted (the
// same views, docs/evaluation.md). Progress goes to
// progressOut (nil: none).
func Eval(ctx context.Context, runDir, outDir string, cfg EvalConfig, progressOut io.Writer) (*Report, error) {
	rep, err := eval(ctx, run.Dir(runDir), outDir, cfg, progressOut)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	return rep, nil
}

func eval(ctx context.Context, rd run.Dir, outDir string, cfg EvalConfig, progressOut io.Writer) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	corrupt, err := input.ParseCorruptPolicy(cfg.Corrupt)
	if err != nil {
		return nil, fmt.Errorf("Corrupt: %w", err)
	}
	start := time.Now()
	e := &evaluator{cfg: cfg, corrupt: corrupt, progress: progressOut}
	defer e.close()
	if len(cfg.Corrupted) > 0 {
		if e.sets, e.cfg.Corruptions, e.cfg.Severities, err = corruptedSets(ctx, cfg.Corrupted); err != nil {
			return nil, err
		}
		if seed, ok := commonSeed(e.sets); ok {
			e.cfg.Seed = seed // the report says which draws made the views
		}
	}
	if err := e.load(ctx, rd); err != nil {
		return nil, err
	}
	preds, err := newPredictionWriter(ctx, storage.Join(outDir, PredictionsFile))
	if err != nil {
		return nil, err
	}
	defer preds.f.Close()
	if err := e.scoreAll(ctx, preds); err != nil {
		return nil, err
	}
	if err := preds.Close(); err != nil {
		return nil, err
	}
	if err := e.knn(ctx); err != nil {
		return nil, err
	}
	if e.skipped.Any() {
		s := e.skipped
		e.rep.Skipped = &s
	}
	e.rep.Seconds = time.Since(start).Seconds()
	if e.rep.Seconds > 0 {
		e.rep.ImagesPerSecond = float64(e.rep.Evaluated) / e.rep.Seconds
	}
	if err := writeReports(ctx, outDir, e.rep, e.embedding); err != nil {
		return nil, err
	}
	return e.rep, writeEvalEvents(ctx, outDir, e.rep)
}

// evaluator is one evaluation under way.
type evaluator struct {
	cfg       EvalConfig
	corrupt   input.CorruptPolicy
	progress  io.Writer
	norm      evalRun
	m         *model.Model
	enc, head *model.Graph
	rep       *Report
	clean     *FeatureSet    // the clean test features, with ids
	sets      []corruptedSet // the pre-corrupted test data, if any
	embedding []MapPoint
	skipped   trainer.Skipped
}

// close releases the model's graphs.
func (e *evaluator) close() {
	for _, g := range []*model.Graph{e.enc, e.head} {
		if g != nil {
			g.Close()
		}
	}
}

// load reads the run's settings and the model that scores it.
func (e *evaluator) load(ctx context.Context, rd run.Dir) error {
	rec := new(run.Record[evalRun])
	if err := rd.ReadJSON(ctx, run.ConfigFile, rec); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is not a training run: %w", rd, err)
	} else if err != nil {
		return err
	}
	e.norm = rec.Config
	e.rep = &Report{Run: string(rd), Config: e.cfg, Bins: e.cfg.Bins, Names: rec.Classes}
	if rec.Config.Loss == loss.CrossEntropy {
		ck, path, err := rd.ReadLatest(ctx, e.progress)
		if err != nil {
			return err
		}
		if ck.Model.Spec.Classes == 0 {
			return fmt.Errorf("checkpoint %s of a cross-entropy run has no classifier", path)
		}
		e.m, e.rep.Checkpoint, e.rep.Scorer = ck.Model, path, "classifier head (cross-entropy run)"
	} else {
		path := rd.Path(run.LinearFile)
		ck, err := run.ReadCheckpoint(ctx, path)
		if errors.Is(err, fs.ErrNotExist) && len(e.cfg.Train) > 0 {
			lc := e.cfg.Linear
			lc.Data, lc.Corrupt = e.cfg.Train, e.cfg.Corrupt
			if _, err := Linear(ctx, string(rd), lc, e.progress); err != nil {
				return err
			}
			ck, err = run.ReadCheckpoint(ctx, path)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("the run has no linear probe (%s): train one with Linear (supcon linear), or give Train", path)
		}
		if err != nil {
			return err
		}
		if ck.Model.Spec.Classes == 0 {
			return fmt.Errorf("probe %s has no classifier", path)
		}
		e.m, e.rep.Checkpoint, e.rep.Scorer = ck.Model, path, "linear probe on the frozen encoder"
	}
	e.rep.Encoder, e.rep.Classes = e.m.Spec.Encoder, e.m.Spec.Classes
	var err error
	if e.enc, err = e.m.NewGraph(model.GraphOptions{Batch: e.cfg.Batch, Head: model.NoHead}); err != nil {
		return err
	}
	e.head, err = e.m.NewGraph(model.GraphOptions{Batch: e.cfg.Batch, Features: true, Head: model.ClassifierHead})
	return err
}

// scoreAll scores the clean test data, then every corruption and severity.
func (e *evaluator) scoreAll(ctx context.Context, preds *predictionWriter) error {
	clean, err := e.condition(ctx, preds, "", 0)
	if err != nil {
		return err
	}
	e.rep.Clean, e.rep.TestImages = clean, clean.Samples
	if !e.skipped.Any() {
		if err := checkCorruptedCounts(e.sets, clean.Samples); err != nil {
			return err
		}
	}
	e.embedding = embeddingMap(e.clean, e.cfg.MapSamples)
	for _, name := range e.cfg.Corruptions {
		cs := CorruptionScores{Name: name}
		for _, sev := range e.cfg.Severities {
			m, err := e.condition(ctx, preds, name, sev)
			if err != nil {
				return err
			}
			cs.Severities = append(cs.Severities, SeverityScores{Severity: sev, Summary: m.Summary()})
		}
		cs.Mean = meanSummary(cs.Severities)
		e.rep.Corrupted = append(e.rep.Corrupted, cs)
	}
	e.rep.BySeverity = bySeverity(e.rep.Corrupted, e.cfg.Severities)
	return nil
}

// condition scores the test data clean (name "") or under one corruption
// at one severity, writing every prediction; the clean pass keeps the
// features.
func (e *evaluator) condition(ctx context.Context, preds *predictionWriter, name string, sev int) (*Metrics, error) {
	c := &conditionRun{e: e, preds: preds, name: name, sev: sev, what: "clean test"}
	if name != "" {
		c.what = fmt.Sprintf("%s severity %d", name, sev)
		if i := slices.IndexFunc(e.sets, func(s corruptedSet) bool { return s.Name == name && s.Severity == sev }); i >= 0 {
			c.set, c.ids = e.sets[i].Manifest, []string{}
			c.what += " (" + c.set + ")"
		}
	} else {
		c.keep = &FeatureSet{Classes: e.m.Spec.Classes, Names: e.rep.Names}
	}
	m, err := c.run(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.what, err)
	}
	return m, nil
}

// conditionRun is one pass over the test data.
type conditionRun struct {
	e     *evaluator
	preds *predictionWriter
	name  string
	sev   int
	what  string
	tally *Tally
	keep  *FeatureSet // the features, on the clean pass
	set   string      // the pre-corrupted dataset read, if any
	ids   []string    // the ids read from it
	probs []float64
}

func (c *conditionRun) run(ctx context.Context) (*Metrics, error) {
	e := c.e
	s, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if c.tally, err = NewTally(e.m.Spec.Classes, e.cfg.Bins); err != nil {
		return nil, err
	}
	c.probs = make([]float64, e.m.Spec.Classes)
	var meter *progress.Meter
	if e.progress != nil {
		meter = progress.New(e.progress, c.what, 0)
		defer meter.Done()
	}
	for {
		b, err := s.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := c.score(b); err != nil {
			return nil, err
		}
		if meter != nil {
			meter.Add(int64(b.Len))
		}
	}
	if c.set != "" {
		if err := sameIDs(e.clean.IDs, c.ids); err != nil {
			return nil, err
		}
		e.skipped = e.skipped.Plus(s.Stats())
	}
	if c.keep != nil {
		// Every condition reads the same records: count damage once.
		e.skipped = e.skipped.Plus(s.Stats())
		c.keep.Images = len(c.keep.Labels)
		e.clean = c.keep
	}
	return c.tally.Metrics(e.rep.Names)
}

// open opens the test data as a stream of samples under the condition.
func (c *conditionRun) open(ctx context.Context) (*sampleStream, error) {
	e, spec := c.e, c.e.m.Spec
	data, name := e.cfg.Test, c.name
	if c.set != "" {
		data, name = []string{c.set}, "" // already corrupted
	}
	aug, err := corrupter(name, c.sev, spec.Channels)
	if err != nil {
		return nil, err
	}
	d, err := input.Open(ctx, data, input.Options{Corrupt: e.corrupt, NoRotate: true})
	if err != nil {
		return nil, err
	}
	if c.keep != nil || c.set != "" {
		if err := e.checkClasses(d); err != nil {
			return nil, err
		}
	}
	return newSampleStream(ctx, d, e.cfg.Batch, spec.Height, spec.Width, spec.Channels, e.norm.Mean, e.norm.Std, aug, e.cfg.Seed)
}

// score runs the model on a batch, counts and writes its predictions, and
// keeps its features on the clean pass.
func (c *conditionRun) score(b *sampleBatch) error {
	feats, logits, dim, err := c.e.forward(b.X)
	if err != nil {
		return err
	}
	classes := c.e.m.Spec.Classes
	for i := 0; i < b.Len; i++ {
		Softmax(c.probs, logits[i*classes:(i+1)*classes])
		p := NewPrediction(b.IDs[i], b.Labels[i], c.probs)
		p.Corruption, p.Severity = c.name, c.sev
		if err := c.tally.Add(&p); err != nil {
			return err
		}
		if err := c.preds.Write(&p); err != nil {
			return err
		}
	}
	if c.ids != nil {
		c.ids = append(c.ids, b.IDs[:b.Len]...)
	}
	if k := c.keep; k != nil {
		k.Dim = dim
		k.X = append(k.X, feats[:b.Len*dim]...)
		k.Labels = append(k.Labels, b.Labels...)
		k.IDs = append(k.IDs, b.IDs...)
	}
	c.e.rep.Evaluated += int64(b.Len)
	return nil
}

// forward runs the encoder and the classifier on a batch of images and
// returns the features (dim each) and the logits.
func (e *evaluator) forward(x []float32) (feats, logits []float32, dim int, err error) {
	if err := e.enc.SetImages(x); err != nil {
		return nil, nil, 0, err
	}
	if err := e.enc.Run(); err != nil {
		return nil, nil, 0, err
	}
	feats, dim = e.enc.Output(), e.enc.OutputDim()
	if err := e.head.SetFeatures(feats); err != nil {
		return nil, nil, 0, err
	}
	if err := e.head.Run(); err != nil {
		return nil, nil, 0, err
	}
	return feats, e.head.Output(), dim, nil
}

// checkClasses checks that the test data's class names are the run's.
func (e *evaluator) checkClasses(d *input.Dataset) error {
	man := d.Manifest()
	if man == nil || len(man.Classes) == 0 || len(e.rep.Names) == 0 {
		return nil
	}
	if !slices.Equal(man.Classes, e.rep.Names) {
		return fmt.Errorf("the %d classes of the test data (%s) are not the run's %d (%s): labels would not match",
			len(man.Classes), abbreviate(man.Classes), len(e.rep.Names), abbreviate(e.rep.Names))
	}
	return nil
}

// knn scores the configured kNN classifiers and retrieval, with the
// training data's first views as the reference.
func (e *evaluator) knn(ctx context.Context) error {
	if len(e.cfg.KNN) == 0 {
		return nil
	}
	opt := FeatureOptions{Views: 1, Batch: e.cfg.Batch, Mean: e.norm.Mean, Std: e.norm.Std,
		Corrupt: e.corrupt, Progress: e.progress, What: "train features"}
	train, err := Features(ctx, e.m, e.cfg.Train, opt)
	if err != nil {
		return err
	}
	e.skipped = e.skipped.Plus(train.Read)
	for _, kc := range e.cfg.KNN {
		res, err := KNN(ctx, train, e.clean, kc)
		if err != nil {
			return err
		}
		e.rep.KNN = append(e.rep.KNN, KNNScore{Config: kc, Top1: res.Top1, Top5: res.Top5})
	}
	e.rep.Retrieval, err = Retrieval(ctx, train, e.clean)
	return err
}

// predictionWriter writes predictions.jsonl, local or on gs://.
type predictionWriter struct {
	name string
	f    io.WriteCloser
	w    *bufio.Writer
	enc  *json.Encoder
}

func newPredictionWriter(ctx context.Context, name string) (*predictionWriter, error) {
	f, err := storage.Create(ctx, name)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	return &predictionWriter{name: name, f: f, w: w, enc: json.NewEncoder(w)}, nil
}

// Write writes one prediction as a line.
func (p *predictionWriter) Write(pr *Prediction) error {
	if err := p.enc.Encode(pr); err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	return nil
}

// Close flushes and closes the file, reporting the first error.
func (p *predictionWriter) Close() error {
	err := p.w.Flush()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	return nil
}
