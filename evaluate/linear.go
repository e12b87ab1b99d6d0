package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/run"
	"github.com/supcon/supcon/trainer/run/tfevents"
)

// LinearConfig is a linear evaluation's settings: a linear classifier trained
// with cross-entropy on the features of the run's frozen encoder.
type LinearConfig struct {
	// Data are the training shards; Val, optional, the shards to report
	// top-1 on (made without augmentation: policy none, one view).
	Data []string `json:"data"`
	Val  []string `json:"val,omitempty"`
	// Views is how many of each training record's stored views to use as
	// training samples; 0 means all.
	Views int `json:"views"`
	// Epochs and Batch (samples per step) of the classifier's training; the
	// optimiser's LR is the peak of a cosine decay to 0.
	Epochs int `json:"epochs"`
	Batch  int `json:"batch"`
	trainer.OptimizerSettings
	// Seed fixes the classifier's initial weights and the sample order.
	Seed int64 `json:"seed"`
	// Corrupt is the corrupt-record policy, "fail" or "skip".
	Corrupt string `json:"corrupt"`
}

// DefaultLinearConfig returns the defaults: 10 epochs (the paper: the linear
// stage needs as few as 10), batch 256, SGD momentum 0.9, lr 0.1 with a
// cosine decay, no weight decay, every stored view.
func DefaultLinearConfig() LinearConfig {
	return LinearConfig{Epochs: 10, Batch: 256, Corrupt: "fail",
		OptimizerSettings: trainer.OptimizerSettings{Optimizer: "sgd", LR: 0.1, Momentum: -1, WeightDecay: 0}}
}

// check validates the settings, naming the one that is wrong.
func (c *LinearConfig) check() error {
	switch {
	case len(c.Data) == 0:
		return errors.New("Data: no training data given")
	case c.Epochs < 1:
		return fmt.Errorf("Epochs %d: at least 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("Batch %d: at least 1", c.Batch)
	case !(c.LR > 0):
		return fmt.Errorf("LR %g: must be positive", c.LR)
	case c.Views < 0:
		return fmt.Errorf("Views %d: must not be negative", c.Views)
	}
	return nil
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
	// Skipped is the damaged input passed over (Corrupt "skip") in the
	// training and validation data; absent when there was none.
	Skipped *trainer.Skipped `json:"skipped,omitempty"`
}

// WriteText writes the report as `supcon linear` prints it.
func (r *LinearReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "linear classifier on %s features (%d-d), %d classes: %d train samples from %d images, %d epochs, final loss %.4f\n",
		r.Encoder, r.FeatureDim, r.Classes, r.TrainSamples, r.TrainImages, r.Epochs, r.FinalLoss)
	fmt.Fprintf(&b, "train top-1 %.2f%%\n", 100*r.TrainTop1)
	if r.ValImages > 0 {
		fmt.Fprintf(&b, "val top-1 %.2f%%  top-5 %.2f%%  (%d images; chance %.2f%%)\n",
			100*r.ValTop1, 100*r.ValTop5, r.ValImages, 100/float64(r.Classes))
	}
	if k := r.Skipped; k != nil {
		fmt.Fprintf(&b, "skipped: %d corrupt shards (the rest of each), %d bad records; last: %s\n", k.CorruptShards, k.BadRecords, k.Last)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// normalization is the part of a run's config.json that evaluation needs.
type normalization struct {
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
}

// Linear evaluates a pre-trained run in runDir (local or gs://): it loads
// the run's latest checkpoint, computes the frozen encoder's Features (no
// gradient reaches the encoder: the classifier's graph starts at the
// features) for every training view and validation image, trains a linear
// classifier on them with cross-entropy, and reports top-1 (and top-5) on
// the validation data. It writes linear.ckpt (the model with its
// classifier), linear.json and linear-metrics.jsonl into the run. Progress
// and warnings go to progressOut (nil: none).
func Linear(ctx context.Context, runDir string, cfg LinearConfig, progressOut io.Writer) (*LinearReport, error) {
	rep, err := linear(ctx, run.Dir(runDir), cfg, progressOut)
	if err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	return rep, nil
}

func linear(ctx context.Context, rd run.Dir, cfg LinearConfig, progressOut io.Writer) (*LinearReport, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	corrupt, err := input.ParseCorruptPolicy(cfg.Corrupt)
	if err != nil {
		return nil, fmt.Errorf("Corrupt: %w", err)
	}
	rec := new(run.Record[normalization])
	if err := rd.ReadJSON(ctx, run.ConfigFile, rec); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not a training run: %w", rd, err)
	} else if err != nil {
		return nil, err
	}
	ck, ckPath, err := rd.ReadLatest(ctx, progressOut)
	if err != nil {
		return nil, err
	}
	m := ck.Model
	rep := &LinearReport{Checkpoint: ckPath, Encoder: m.Spec.Encoder, FeatureDim: m.FeatureDim, Epochs: cfg.Epochs}
	opt := FeatureOptions{Views: cfg.Views, Batch: cfg.Batch, Mean: rec.Config.Mean, Std: rec.Config.Std,
		Corrupt: corrupt, Progress: progressOut, What: "train features"}
	train, err := Features(ctx, m, cfg.Data, opt)
	if err != nil {
		return nil, err
	}
	rep.TrainImages, rep.TrainSamples = train.Images, len(train.Labels)
	sets := []*FeatureSet{train}
	if len(cfg.Val) > 0 {
		opt.Views, opt.What = 1, "val features"
		val, err := Features(ctx, m, cfg.Val, opt)
		if err != nil {
			return nil, err
		}
		rep.ValImages = val.Images
		sets = append(sets, val)
	}
	rep.Skipped = skippedIn(sets)
	if rep.Classes, err = classesOf(sets, rec.Classes); err != nil {
		return nil, err
	}
	if err := m.AddClassifier(rep.Classes, cfg.Seed); err != nil {
		return nil, err
	}
	ev, err := rd.CreateEvents(ctx, run.LinearEventsDir, -1)
	if err != nil {
		return nil, err
	}
	defer ev.Close(context.Background()) // closed below; this is for early returns
	if rep.Steps, rep.FinalLoss, err = trainProbe(ctx, rd, m, train, cfg, ev, progressOut); err != nil {
		return nil, err
	}
	if err := score(m, cfg.Batch, rep, sets); err != nil {
		return nil, err
	}
	if err := logAccuracy(ctx, ev, rep); err != nil {
		return nil, err
	}
	if err := run.WriteCheckpoint(ctx, rd.Path(run.LinearFile), &run.Checkpoint{Step: rep.Steps, Model: m}); err != nil {
		return nil, err
	}
	return rep, rd.WriteJSON(ctx, run.LinearResult, rep)
}

// logAccuracy writes the probe's accuracies at its last step to the event
// file, and closes it.
func logAccuracy(ctx context.Context, ev *tfevents.Writer, rep *LinearReport) error {
	vals := []tfevents.Value{{Tag: run.LinearTags + "train_top1", Value: float32(rep.TrainTop1)}}
	if rep.ValImages > 0 {
		vals = append(vals, tfevents.Value{Tag: run.LinearTags + "val_top1", Value: float32(rep.ValTop1)},
			tfevents.Value{Tag: run.LinearTags + "val_top5", Value: float32(rep.ValTop5)})
	}
	if err := ev.Scalars(rep.Steps, vals...); err != nil {
		return err
	}
	return ev.Close(ctx)
}

// classesOf returns the number of classes of the run and the feature sets,
// checking that a set whose manifest names its classes names the run's.
func classesOf(sets []*FeatureSet, runClasses []string) (int, error) {
	classes := len(runClasses)
	for i, fs := range sets {
		if len(fs.Names) > 0 && len(runClasses) > 0 && !slices.Equal(fs.Names, runClasses) {
			what := [...]string{"train features", "val features"}[i]
			return 0, fmt.Errorf("the %d classes of the %s data (%s) are not the run's %d (%s): labels would not match; make the data with the run's class names (the pipeline's Labels)",
				len(fs.Names), what, abbreviate(fs.Names), len(runClasses), abbreviate(runClasses))
		}
		classes = max(classes, fs.Classes)
	}
	return classes, nil
}

// skippedIn returns the damage the sets' readers skipped, nil when none.
func skippedIn(sets []*FeatureSet) *trainer.Skipped {
	var skipped trainer.Skipped
	for _, fs := range sets {
		skipped = skipped.Plus(fs.Read)
	}
	if !skipped.Any() {
		return nil
	}
	return &skipped
}

// score sets the report's top-1 (and top-5) accuracies of m's classifier on
// the training set and, when there is one, the validation set.
func score(m *model.Model, batch int, rep *LinearReport, sets []*FeatureSet) error {
	g, err := m.NewGraph(model.GraphOptions{Batch: batch, Features: true, Head: model.ClassifierHead})
	if err != nil {
		return err
	}
	defer g.Close()
	if rep.TrainTop1, _, err = topK(g, sets[0]); err != nil {
		return err
	}
	if len(sets) > 1 {
		rep.ValTop1, rep.ValTop5, err = topK(g, sets[1])
	}
	return err
}

// abbreviate lists up to four names.
func abbreviate(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}
