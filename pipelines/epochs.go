package pipelines

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/ahead"
)

// EpochOptions bound an epoch-ahead producer.
type EpochOptions struct {
	// Ahead is how many epochs the producer may hold that the consumer has
	// not finished (the one it reads included): epoch e starts only once
	// the consumer has finished epoch e-Ahead. At least 1.
	Ahead int
	// Keep is how many finished epochs stay on disk; older ones are
	// deleted. Negative keeps them all. Disk then holds at most
	// Keep+Ahead epochs.
	Keep int
	// Poll is how often the consumer's progress is read (0: one second).
	Poll time.Duration
}

// RunEpochs runs the augment job of cfg (whose Labels ResolveLabels has
// filled) as one bounded job per epoch, epoch e written as the dataset
// ahead.EpochPrefix(cfg.Output, e) with records identical to those of shards
// e·N to e·N+N-1 of the single batch job (docs/streaming.md). It waits
// for the consumer to stay within opt.Ahead epochs, deletes what opt.Keep
// lets go, rewrites the index after each epoch and, when restarted,
// continues from the first unfinished epoch. It returns the summaries of
// the epochs it ran.
func RunEpochs(ctx context.Context, cfg Config, runner string, opt EpochOptions, progressOut io.Writer) ([]*Summary, error) {
	if opt.Ahead < 1 {
		return nil, fmt.Errorf("pipelines: EpochOptions.Ahead %d: want at least 1", opt.Ahead)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.FirstEpoch != 0 {
		return nil, fmt.Errorf("pipelines: FirstEpoch %d: epoch-ahead production numbers epochs from 0", cfg.FirstEpoch)
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	ix, err := resumeIndex(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var sums []*Summary
	for ix.Done < ix.Epochs {
		if err := awaitConsumer(ctx, cfg.Output, ix, opt); err != nil {
			return sums, err
		}
		ec := cfg
		ec.Output, ec.Epochs, ec.FirstEpoch = ahead.EpochPrefix(cfg.Output, ix.Done), 1, ix.Done
		s, err := Run(ctx, ec, runner, progressOut)
		if err != nil {
			return sums, fmt.Errorf("pipelines: epoch %d of %s: %w", ix.Done, cfg.Output, err)
		}
		sums = append(sums, s)
		ix.Done++
		if err := ahead.WriteIndex(ctx, cfg.Output, ix); err != nil {
			return sums, err
		}
	}
	return sums, nil
}

// resumeIndex reads the index left by an earlier producer of the same
// dataset, or starts one; an epoch whose manifest exists counts as done
// even when the index was not rewritten after it.
func resumeIndex(ctx context.Context, cfg Config) (*ahead.Index, error) {
	ix, err := ahead.ReadIndex(ctx, cfg.Output)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ix = &ahead.Index{Epochs: cfg.Epochs}
	case err != nil:
		return nil, err
	case ix.Epochs != cfg.Epochs:
		return nil, fmt.Errorf("pipelines: Epochs %d: the dataset %s was started with %d epochs", cfg.Epochs, cfg.Output, ix.Epochs)
	}
	for ix.Done < ix.Epochs {
		_, err := storage.For(cfg.Output).Stat(ctx, shards.ManifestPath(ahead.EpochPrefix(cfg.Output, ix.Done)))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return nil, err
		}
		ix.Done++
	}
	return ix, ahead.WriteIndex(ctx, cfg.Output, ix)
}

// awaitConsumer blocks until epoch ix.Done may start (the consumer has
// finished epoch ix.Done-opt.Ahead), deleting the epochs opt.Keep lets go
// each time it reads the consumer's progress.
func awaitConsumer(ctx context.Context, prefix string, ix *ahead.Index, opt EpochOptions) error {
	for {
		p, err := ahead.ReadProgress(ctx, prefix)
		if err != nil {
			return err
		}
		if opt.Keep >= 0 && ix.Deleted < p.Finished-opt.Keep {
			for ix.Deleted < min(p.Finished-opt.Keep, ix.Done) {
				if err := ahead.DeleteEpoch(ctx, ahead.EpochPrefix(prefix, ix.Deleted)); err != nil {
					return err
				}
				ix.Deleted++
			}
			if err := ahead.WriteIndex(ctx, prefix, ix); err != nil {
				return err
			}
		}
		if ix.Done < p.Finished+opt.Ahead {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the consumer of %s to finish epoch %d: %w", prefix, ix.Done-opt.Ahead, ctx.Err())
		case <-time.After(opt.Poll):
		}
	}
}
