package evaluate

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
)

// FeatureOptions configure Features.
type FeatureOptions struct {
	// Views is how many of each record's stored views to use, the first
	// ones; 0 means all.
	Views int
	// Batch is the number of samples the encoder runs on at once.
	Batch int
	// Mean and Std normalise pixels as the run's training did (its
	// config.json).
	Mean, Std []float32
	// Corrupt is the corrupt-record policy.
	Corrupt input.CorruptPolicy
	// Progress, when not nil, receives a progress meter named What.
	Progress io.Writer
	What     string
}

// FeatureSet is one feature row per sample, in the data's order, and the
// samples' labels.
type FeatureSet struct {
	// X holds len(Labels) rows of Dim values.
	X      []float32
	Dim    int
	Labels []int
	// Images is the number of records read; Classes is one more than the
	// largest label.
	Images  int
	Classes int
	// Names are the data's class names, when its manifest gives them.
	Names []string
	// IDs are the samples' record ids, when the set was made with them
	// (Features leaves it nil).
	IDs []string
	// Read is what the reader read and skipped (FeatureOptions.Corrupt).
	Read input.ReadStats
}

// Features runs m's encoder (no head, evaluation mode) over the views of
// every record of data, in the data's order, and returns their features.
// Data without records, or with images of another size than the model
// takes, is an error.
func Features(ctx context.Context, m *model.Model, data []string, opt FeatureOptions) (*FeatureSet, error) {
	fs, err := features(ctx, m, data, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opt.What, err)
	}
	return fs, nil
}

func features(ctx context.Context, m *model.Model, data []string, opt FeatureOptions) (*FeatureSet, error) {
	g, err := m.NewGraph(model.GraphOptions{Batch: opt.Batch, Head: model.NoHead})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	d, err := input.Open(ctx, data, input.Options{Corrupt: opt.Corrupt, NoRotate: true})
	if err != nil {
		return nil, err
	}
	it, err := d.InOrder(ctx, input.InOrderOptions{Batch: opt.Batch, Views: opt.Views,
		Height: m.Spec.Height, Width: m.Spec.Width, Channels: m.Spec.Channels, Mean: opt.Mean, Std: opt.Std})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	fs := &FeatureSet{}
	if man := d.Manifest(); man != nil {
		fs.Names = man.Classes
	}
	var meter *progress.Meter
	if opt.Progress != nil {
		meter = progress.New(opt.Progress, opt.What, 0)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := g.SetImages(b.X); err != nil {
			return nil, err
		}
		if err := g.Run(); err != nil {
			return nil, err
		}
		fs.Dim = g.OutputDim()
		fs.X = append(fs.X, g.Output()[:b.Len*fs.Dim]...)
		for _, l := range b.Labels {
			fs.Labels = append(fs.Labels, l)
			fs.Classes = max(fs.Classes, l+1)
		}
		if meter != nil {
			meter.Add(it.Records() - int64(fs.Images))
		}
		fs.Images = int(it.Records())
	}
	if meter != nil {
		meter.Done()
	}
	fs.Read = it.Stats()
	if fs.Images == 0 {
		return nil, fmt.Errorf("the data holds no records")
	}
	return fs, nil
}

// id returns sample i's record id, "" when the set has none.
func (fs *FeatureSet) id(i int) string {
	if i < len(fs.IDs) {
		return fs.IDs[i]
	}
	return ""
}

// stats returns every feature dimension's mean and standard deviation over
// the set (float64 sums in sample order; a deviation below 1e-6 counts as
// 1, for dimensions that never vary).
func (fs *FeatureSet) stats() (mu, sigma []float64) {
	n, d := len(fs.Labels), fs.Dim
	mu, sigma = make([]float64, d), make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range fs.X[i*d : (i+1)*d] {
			mu[j] += float64(v)
		}
	}
	for j := range mu {
		mu[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j, v := range fs.X[i*d : (i+1)*d] {
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
