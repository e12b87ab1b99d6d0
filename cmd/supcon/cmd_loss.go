package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/loss/npy"
)

const lossHelp = `
Compute a loss and its gradient on features saved with numpy.save, to compare
with a PyTorch or JAX run.

Features are float32 (or float64, converted) of shape [B, V, d], B images of
V views as PyTorch's SupConLoss takes them, or [M, d] with the rows stacked
view by view (row v*B + b is view v of image b; give --views V). Labels are
int32 or int64: one per image [B], or with [M, d] features one per row [M].
simclr needs no labels; npairs takes them optionally (V = 2: the anchor's
positive is its other view, its negatives the other view of images of other
labels). For ce the features are logits [M, C] and labels classes.

The value and anchor counts are printed as JSON. Anchors without any positive
are left out of the mean and counted; a batch with no positive pair has value
0 and "no_positive_pair": true. --grad-out writes the gradient with the shape
of the features.

The scale c defaults to 1 (the paper's formula, and what the PyTorch reference
computes with its defaults); --base-temperature T0 sets c = T/T0 as that
reference does (its default T0 is 0.07).

--image-keys names the source image of every row (int32 or int64): [B] one
per image, [B, V] (views of an image must share it), or with [M, d] features
[M] per row. Rows of different images with the same key are copies (a
class-balanced batch padded by sampling with replacement, as trainer/input's
Batch.ImageKeys gives them): copies are neither positives nor negatives of
each other. supcon-out, supcon-in, simclr and npairs take it.`

// lossFlags are the loss options shared by loss and bench loss.
type lossFlags struct {
	kind, mode, mining       string
	temperature, base, scale float64
	margin, smoothing        float64
	views, workers           int
	normalize                bool
}

// define adds the loss options to fs.
func (f *lossFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.kind, "loss", "supcon-out", "loss: supcon-out, supcon-in, simclr, npairs, triplet or ce")
	fs.Float64Var(&f.temperature, "temperature", loss.DefaultTemperature, "temperature τ of supcon and simclr")
	fs.Float64Var(&f.base, "base-temperature", 0, "if set, scale the loss by c = τ/base-temperature (PyTorch reference: 0.07)")
	fs.Float64Var(&f.scale, "scale", 0, "scale c of supcon and simclr (0: 1, or τ/base-temperature)")
	fs.StringVar(&f.mode, "mode", "all", "anchors: all (every view) or one (view 0 of each image)")
	fs.IntVar(&f.views, "views", 0, "views V per image for [M, d] features (default 1; 2 for npairs)")
	fs.BoolVar(&f.normalize, "normalize", false, "L2-normalise the rows here (gradient through the normalisation); default: rows are used as given")
	fs.Float64Var(&f.margin, "margin", loss.DefaultMargin, "triplet margin")
	fs.StringVar(&f.mining, "mining", "all", "triplet mining: all or hard")
	fs.Float64Var(&f.smoothing, "smoothing", 0, "label smoothing of ce")
	fs.IntVar(&f.workers, "workers", 0, "goroutines (0: GOMAXPROCS); results do not depend on it")
}

// options turns the flags into loss.Options; mistakes are usage errors.
func (f *lossFlags) options() (loss.Options, error) {
	k, err := loss.ParseKind(f.kind)
	if err != nil {
		return loss.Options{}, usageErrorf("--loss: %v", err)
	}
	mode, err := loss.ParseMode(f.mode)
	if err != nil {
		return loss.Options{}, usageErrorf("--mode: %v", err)
	}
	mining, err := loss.ParseMining(f.mining)
	if err != nil {
		return loss.Options{}, usageErrorf("--mining: %v", err)
	}
	if f.views < 0 || f.workers < 0 {
		return loss.Options{}, usageErrorf("--views and --workers must not be negative")
	}
	return loss.Options{
		Loss: k, Temperature: f.temperature, BaseTemperature: f.base, Scale: f.scale,
		Mode: mode, Views: f.views, Normalize: f.normalize, Margin: f.margin,
		Mining: mining, LabelSmoothing: f.smoothing, Workers: f.workers,
	}, nil
}

// lossReport is the JSON printed by supcon loss.
type lossReport struct {
	Loss             string  `json:"loss"`
	Value            float64 `json:"value"`
	Rows             int     `json:"rows"`
	Dim              int     `json:"dim"`
	Images           int     `json:"images"`
	Views            int     `json:"views"`
	Mode             string  `json:"mode"`
	Temperature      float64 `json:"temperature,omitempty"`
	Scale            float64 `json:"scale,omitempty"`
	Anchors          int     `json:"anchors"`
	Counted          int     `json:"counted"`
	WithoutPositives int     `json:"without_positives"`
	NoPositivePair   bool    `json:"no_positive_pair"`
	Triplets         *int64  `json:"triplets,omitempty"`
	ActiveTriplets   *int64  `json:"active_triplets,omitempty"`
	GradOut          string  `json:"grad_out,omitempty"`
}

func init() {
	register(&command{
		Name:    "loss",
		Summary: "compute a loss and its gradient on .npy features and labels",
		Help:    lossHelp,
		Run:     runLoss,
	})
}

// lossFiles are the files supcon loss reads and writes.
type lossFiles struct {
	features, labels, keys, gradOut string
}

func runLoss(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	var lf lossFlags
	lf.define(fs)
	var files lossFiles
	fs.StringVar(&files.features, "features", "", "features .npy: [B, V, d] or [M, d], float32 or float64 (required)")
	fs.StringVar(&files.labels, "labels", "", "labels .npy: int [B] or [M] (required but for simclr and npairs)")
	fs.StringVar(&files.gradOut, "grad-out", "", "write the gradient to this .npy file, shaped like the features")
	fs.StringVar(&files.keys, "image-keys", "", "image keys .npy: int [B], [B, V] or [M]; rows of different images with equal keys are copies, left out of each other's positives and negatives")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	o, err := files.options(&lf)
	if err != nil {
		return err
	}
	in, labels, err := files.read(&o, lf.views)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rep, err := files.compute(in, labels, o)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.Out, "%s\n", out)
	return err
}

// options checks which files the chosen loss needs and returns its options.
func (f *lossFiles) options(lf *lossFlags) (loss.Options, error) {
	if f.features == "" {
		return loss.Options{}, usageErrorf("--features is required")
	}
	o, err := lf.options()
	if err != nil {
		return o, err
	}
	switch {
	case o.Loss == loss.SimCLR && f.labels != "":
		return o, usageErrorf("simclr takes no --labels: an anchor's positives are the other views of its image")
	case f.labels == "" && o.Loss != loss.SimCLR && o.Loss != loss.NPairs:
		return o, usageErrorf("--labels is required for %v", o.Loss)
	case f.keys != "" && o.Loss != loss.SupConOut && o.Loss != loss.SupConIn && o.Loss != loss.SimCLR && o.Loss != loss.NPairs:
		return o, usageErrorf("--image-keys applies to supcon-out, supcon-in, simclr and npairs, not %v", o.Loss)
	}
	return o, nil
}

// read reads the features, and the labels and image keys if given, as
// rows; it sets o.Views and o.ImageKeys. views is the --views flag (0 if
// not given).
func (f *lossFiles) read(o *loss.Options, views int) (*loss.Features, []int, error) {
	data, shape, err := npy.ReadFloat32s(f.features)
	if err != nil {
		return nil, nil, fmt.Errorf("features: %w", err)
	}
	in, err := loss.NewFeatures(data, shape, o.Views)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", f.features, err)
	}
	if o.Loss == loss.NPairs && views == 0 && len(in.Shape) == 2 {
		in.Views = 2 // an anchor and its positive
	}
	o.Views = in.Views
	var labels []int
	if f.labels != "" {
		v, shape, err := npy.ReadInts(f.labels)
		if err != nil {
			return nil, nil, fmt.Errorf("labels: %w", err)
		}
		if labels, err = in.RowLabels(v, shape); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.labels, err)
		}
	}
	if f.keys != "" {
		v, shape, err := npy.ReadInts(f.keys)
		if err != nil {
			return nil, nil, fmt.Errorf("image keys: %w", err)
		}
		if o.ImageKeys, err = in.RowImageKeys(v, shape); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.keys, err)
		}
	}
	return in, labels, nil
}

// compute computes the loss, writes its gradient to f.gradOut if that is
// set, and returns the report supcon loss prints.
func (f *lossFiles) compute(in *loss.Features, labels []int, o loss.Options) (*lossReport, error) {
	var grad *loss.Matrix
	if f.gradOut != "" {
		grad = &loss.Matrix{Rows: in.Z.Rows, Cols: in.Z.Cols, Data: make([]float32, len(in.Z.Data))}
	}
	res, err := loss.Compute(grad, in.Z, labels, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.features, err)
	}
	if grad != nil {
		if err := npy.WriteFloat32File(f.gradOut, in.Shape, in.InShape(grad.Data)); err != nil {
			return nil, fmt.Errorf("gradient: %w", err)
		}
	}
	rep := &lossReport{
		Loss: o.Loss.String(), Value: res.Value, Rows: in.Z.Rows, Dim: in.Z.Cols,
		Images: in.Z.Rows / max(o.Views, 1), Views: max(o.Views, 1), Mode: o.Mode.String(),
		Temperature: res.Temperature, Scale: res.Scale, Anchors: res.Anchors, Counted: res.Counted,
		WithoutPositives: res.WithoutPositives, NoPositivePair: res.NoPositivePair, GradOut: f.gradOut,
	}
	if o.Loss == loss.Triplet {
		rep.Triplets, rep.ActiveTriplets = &res.Triplets, &res.ActiveTriplets
	}
	return rep, nil
}
