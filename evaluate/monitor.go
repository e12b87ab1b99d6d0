package evaluate

import (
	"context"
	"fmt"

	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/input"
)

// MonitorConfig is the settings of KNNMonitor.
type MonitorConfig struct {
	// Val is the validation data: files, globs or a manifest.
	Val []string
	// KNN is the classifier; the zero value means DefaultKNNConfig (200
	// neighbours voting exp(s/0.07)). K is capped at the training samples.
	KNN KNNConfig
	// Batch is the number of images the encoder runs on at once; 0 means 256.
	Batch int
	// Corrupt is the corrupt-record policy for reading both sets.
	Corrupt input.CorruptPolicy
}

// KNNMonitor returns a trainer.Monitor that measures, after every epoch,
// the top-1 accuracy of a kNN classifier on the validation images
// ("knn_top1"), the way people watch a contrastive run learn: the frozen
// encoder's features (before the projection head) of the first stored view
// of every training record are the neighbours, those of the first view of
// every validation record the queries. It reads both sets in full each
// time, so it costs about an evaluation pass over them per epoch.
func KNNMonitor(cfg MonitorConfig) trainer.Monitor {
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.KNN == (KNNConfig{}) {
		cfg.KNN = DefaultKNNConfig()
	}
	return func(ctx context.Context, e trainer.EpochEnd) (map[string]float64, error) {
		opt := FeatureOptions{Views: 1, Batch: cfg.Batch, Mean: e.Mean, Std: e.Std, Corrupt: cfg.Corrupt, What: "monitor train features"}
		train, err := Features(ctx, e.Model, e.Data, opt)
		if err != nil {
			return nil, err
		}
		opt.What = "monitor val features"
		val, err := Features(ctx, e.Model, cfg.Val, opt)
		if err != nil {
			return nil, err
		}
		res, err := KNN(ctx, train, val, cfg.KNN)
		if err != nil {
			return nil, fmt.Errorf("monitor: %w", err)
		}
		return map[string]float64{"knn_top1": res.Top1}, nil
	}
}
