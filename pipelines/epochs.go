package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

// EpochPrefix returns the dataset prefix of epoch e of an epoch-ahead
// dataset: PREFIX.epoch-00003. Each epoch is a whole dataset of its own
// (shards, labels, rejections and, last, its manifest); see docs/streaming.md.
func EpochPrefix(prefix string, e int) string { return fmt.Sprintf("%s.epoch-%05d", prefix, e) }

// EpochIndexPath returns PREFIX.epochs.json, the epoch-ahead producer's
// index, rewritten after each epoch's manifest.
func EpochIndexPath(prefix string) string { return prefix + ".epochs.json" }

// ProgressPath returns PREFIX.progress.json, where the consumer (the
// trainer) publishes how many epochs it has finished reading.
func ProgressPath(prefix string) string { return prefix + ".progress.json" }

// EpochIndex is the epoch-ahead producer's index of an epoch-ahead dataset.
// Epochs 0 to Done-1 are finalized; those below Deleted have been removed
// (Options.Keep); the others are readable at EpochPrefix.
type EpochIndex struct {
	Epochs  int `json:"epochs"`  // epochs the producer makes in all
	Done    int `json:"done"`    // epochs finalized
	Deleted int `json:"deleted"` // epochs removed after the consumer finished them
}

// Progress is what the consumer publishes at ProgressPath: it has
// finished reading epochs 0 to Finished-1.
type Progress struct {
	Finished int `json:"epochs_finished"`
}

// ReadEpochIndex reads the index of the epoch-ahead dataset at prefix; a
// missing index is an error matching fs.ErrNotExist.
func ReadEpochIndex(ctx context.Context, prefix string) (*EpochIndex, error) {
	b, err := storage.ReadFile(ctx, EpochIndexPath(prefix))
	if err != nil {
		return nil, err
	}
	var ix EpochIndex
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("pipelines: reading %s: %w", EpochIndexPath(prefix), err)
	}
	return &ix, nil
}

// ReadProgress reads the consumer's progress on the dataset at prefix; no
// progress file yet means nothing finished.
func ReadProgress(ctx context.Context, prefix string) (Progress, error) {
	b, err := storage.ReadFile(ctx, ProgressPath(prefix))
	if errors.Is(err, fs.ErrNotExist) {
		return Progress{}, nil
	}
	if err != nil {
		return Progress{}, err
	}
	var p Progress
	if err := json.Unmarshal(b, &p); err != nil {
		return Progress{}, fmt.Errorf("pipelines: reading %s: %w", ProgressPath(prefix), err)
	}
	return p, nil
}

// WriteProgress publishes the consumer's progress next to the data (a
// whole-file write: readers never see a partial one).
func WriteProgress(ctx context.Context, prefix string, p Progress) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return storage.WriteFile(ctx, ProgressPath(prefix), b)
}

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
// EpochPrefix(cfg.Output, e) with records identical to those of shards
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
		ec.Output, ec.Epochs, ec.FirstEpoch = EpochPrefix(cfg.Output, ix.Done), 1, ix.Done
		s, err := Run(ctx, ec, runner, progressOut)
		if err != nil {
			return sums, fmt.Errorf("epoch %d: %w", ix.Done, err)
		}
		sums = append(sums, s)
		ix.Done++
		if err := writeIndex(ctx, cfg.Output, ix); err != nil {
			return sums, err
		}
	}
	return sums, nil
}

// resumeIndex reads the index left by an earlier producer of the same
// dataset, or starts one; an epoch whose manifest exists counts as done
// even when the index was not rewritten after it.
func resumeIndex(ctx context.Context, cfg Config) (*EpochIndex, error) {
	ix, err := ReadEpochIndex(ctx, cfg.Output)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ix = &EpochIndex{Epochs: cfg.Epochs}
	case err != nil:
		return nil, err
	case ix.Epochs != cfg.Epochs:
		return nil, fmt.Errorf("pipelines: Epochs %d: the dataset %s was started with %d epochs", cfg.Epochs, cfg.Output, ix.Epochs)
	}
	for ix.Done < ix.Epochs {
		_, err := storage.For(cfg.Output).Stat(ctx, shards.ManifestPath(EpochPrefix(cfg.Output, ix.Done)))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return nil, err
		}
		ix.Done++
	}
	return ix, writeIndex(ctx, cfg.Output, ix)
}

// awaitConsumer blocks until epoch ix.Done may start (the consumer has
// finished epoch ix.Done-opt.Ahead), deleting the epochs opt.Keep lets go
// each time it reads the consumer's progress.
func awaitConsumer(ctx context.Context, prefix string, ix *EpochIndex, opt EpochOptions) error {
	for {
		p, err := ReadProgress(ctx, prefix)
		if err != nil {
			return err
		}
		if opt.Keep >= 0 && ix.Deleted < p.Finished-opt.Keep {
			for ix.Deleted < min(p.Finished-opt.Keep, ix.Done) {
				if err := deleteEpoch(ctx, EpochPrefix(prefix, ix.Deleted)); err != nil {
					return err
				}
				ix.Deleted++
			}
			if err := writeIndex(ctx, prefix, ix); err != nil {
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

// deleteEpoch removes one epoch's dataset, manifest first so that a
// reader never sees it half gone.
func deleteEpoch(ctx context.Context, prefix string) error {
	fsys := storage.For(prefix)
	if err := fsys.Remove(ctx, shards.ManifestPath(prefix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting epoch %s: %w", prefix, err)
	}
	for _, pat := range []string{prefix + "-*", prefix + ".*"} {
		files, err := fsys.Glob(ctx, pat)
		if err != nil {
			return fmt.Errorf("deleting epoch %s: %w", prefix, err)
		}
		for _, f := range files {
			if err := fsys.Remove(ctx, f.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("deleting epoch %s: %w", prefix, err)
			}
		}
	}
	return nil
}

func writeIndex(ctx context.Context, prefix string, ix *EpochIndex) error {
	b, err := json.Marshal(ix)
	if err != nil {
		return err
	}
	return storage.WriteFile(ctx, EpochIndexPath(prefix), append(b, '\n'))
}
