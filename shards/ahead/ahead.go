// Package ahead names and reads the files of an epoch-ahead dataset
// (docs/streaming.md): one dataset per augmentation epoch, PREFIX.epoch-NNNNN,
// the producer's index PREFIX.epochs.json and the consumer's progress
// PREFIX.progress.json. Both sides use it: the producer (pipelines.RunEpochs)
// and the trainer's input (trainer/input with Follow).
package ahead

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

// EpochPrefix returns the dataset prefix of epoch e of an epoch-ahead
// dataset: PREFIX.epoch-00003. Each epoch is a whole dataset of its own
// (shards, labels, rejections and, last, its manifest); see docs/streaming.md.
func EpochPrefix(prefix string, e int) string { return fmt.Sprintf("%s.epoch-%05d", prefix, e) }

// IndexPath returns PREFIX.epochs.json, the epoch-ahead producer's
// index, rewritten after each epoch's manifest.
func IndexPath(prefix string) string { return prefix + ".epochs.json" }

// ProgressPath returns PREFIX.progress.json, where the consumer (the
// trainer) publishes how many epochs it has finished reading.
func ProgressPath(prefix string) string { return prefix + ".progress.json" }

// Index is the epoch-ahead producer's index of an epoch-ahead dataset.
// Epochs 0 to Done-1 are finalized; those below Deleted have been removed
// (the producer's Keep); the others are readable at EpochPrefix.
type Index struct {
	Epochs  int `json:"epochs"`  // epochs the producer makes in all
	Done    int `json:"done"`    // epochs finalized
	Deleted int `json:"deleted"` // epochs removed after the consumer finished them
}

// Progress is what the consumer publishes at ProgressPath: it has
// finished reading epochs 0 to Finished-1.
type Progress struct {
	Finished int `json:"epochs_finished"`
}

// ReadIndex reads the index of the epoch-ahead dataset at prefix; a
// missing index is an error matching fs.ErrNotExist.
func ReadIndex(ctx context.Context, prefix string) (*Index, error) {
	b, err := storage.ReadFile(ctx, IndexPath(prefix))
	if err != nil {
		return nil, err
	}
	var ix Index
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("ahead: reading %s: %w", IndexPath(prefix), err)
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
		return Progress{}, fmt.Errorf("ahead: reading %s: %w", ProgressPath(prefix), err)
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

// DeleteEpoch removes one epoch's dataset, manifest first so that a
// reader never sees it half gone.
func DeleteEpoch(ctx context.Context, prefix string) error {
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

// WriteIndex (re)writes the index of the epoch-ahead dataset at prefix,
// whole: readers never see a partial one.
func WriteIndex(ctx context.Context, prefix string, ix *Index) error {
	b, err := json.Marshal(ix)
	if err != nil {
		return err
	}
	return storage.WriteFile(ctx, IndexPath(prefix), append(b, '\n'))
}
