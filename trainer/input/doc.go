// Package input feeds a trainer: it streams the shards of a multiview dataset
// (docs/format.md) in bounded memory and builds class-balanced batches of
// P classes × K images × V views (docs/training.md, "Batches").
//
// The layers, bottom up:
//
//   - Dataset (Open) resolves the inputs (shard files, globs, or a
//     PREFIX.manifest.json) and keeps this process's share of the shards:
//     with World w, rank r reads the shards whose index (within their
//     augmentation pass, see Epochs) is r modulo w, so ranks are disjoint and
//     together cover every shard (sharding by file, before any shuffle).
//     With Follow it reads a dataset the pipeline is still writing.
//   - Reader (Dataset.Epoch) streams one epoch's records: the rank's shards in
//     an order shuffled from (seed, epoch, rank), each rotated to start at a
//     record drawn from the seed, Interleave shards read at once round-robin,
//     records parsed on Workers goroutines and handed on in order, then an
//     optional shuffle buffer. Damaged input follows the CorruptPolicy: fail,
//     or skip and count (ReadStats, part of Stats).
//   - Batcher (NewBatcher) draws batches from a pool of Buffer records,
//     which is also its shuffle buffer; it composes batches in one goroutine,
//     deterministically, and decodes their views on a pool of workers ahead of
//     the consumer (prefetch). Next returns batches in order.
//
// # Batches
//
// A Batch has B = P·K rows (images) and N = V·B samples (views). Rows are
// class-major: rows c·K … c·K+K−1 belong to the batch's c-th class. Samples
// use the loss package's layout: sample v·B + b is view v of row b. Pixels are
// uint8, height × width × channels per sample (HWC, as raw views are stored);
// Batch.Float32CHW converts to normalised float32 NCHW for a model.
//
// For each class the Batcher takes K distinct images from its pool when the
// pool holds them. A class with fewer than K images in the pool is filled by
// sampling its images with replacement: the extra rows are copies (Row.Copy >
// 0) that share Row.Image with the original and get other stored views where
// there are enough. Copies of one image are never each other's positives:
// Batch.PositiveMask and Batch.ImageKeys say so explicitly for the loss.
// Which V of the stored views a row gets is a permutation drawn from (seed,
// epoch, image id): it changes from epoch to epoch, deterministically.
//
// Class choice: the classes holding at least K images in the pool are preferred;
// among them P are drawn without replacement with probability proportional to
// their number of images in the pool (so the pool's class mix stays that of the
// data). When the pool holds fewer than P classes, it first reads on past
// Buffer, up to 4·Buffer records, to find more (skewed data, or shards that
// cluster classes); when that cannot make P classes — at the end of an epoch,
// or with the pool at 4·Buffer — the missing classes are taken from the
// previous batch of the same epoch: those rows are marked Reused, are images
// already used this epoch, and are counted in Stats. When even that cannot
// make P classes (the data has fewer than P classes, or the first batch of an
// epoch finds fewer), Next returns a *FewClassesError saying so; with a
// manifest that lists per-class counts, NewBatcher reports too few classes at
// start.
//
// # Epochs, determinism, resuming
//
// An epoch is one pass over the rank's shards: every record read is used
// exactly once as an original row (Copy == 0 and not Reused); it ends when the
// shards are exhausted and the pool is empty. A dataset written with E
// augmentation passes (the manifest's epochs; pass e in shards e·N … e·N+N−1)
// is read one pass per epoch: epoch t reads pass t mod E, so an epoch uses
// every source image once, and a rank gets the same images in every pass. Every random choice is drawn
// from a generator seeded from (seed, purpose, epoch, rank), so the same
// options give the same batches, whatever the number of workers. Each epoch
// starts afresh, so a Position — the epoch and the number of batches delivered
// in it — fixes the state: a Batcher started at a saved Position re-reads that
// epoch's records up to it, composing but not decoding the batches it skips,
// and then delivers the same batches an uninterrupted run would have.
//
// # Memory
//
// At most Buffer records are held in the pool (4·Buffer while it looks for
// P classes); each open shard (Interleave of them) holds a 256 KiB read
// buffer and the record being read; parsing runs at most (2·Workers+1)·8
// records ahead; the batches in flight are Prefetch+2 buffers of P·K
// records and N decoded views. None of it grows with the dataset: a test
// streams 75 MB through about 7 MB of live heap.
//
// # Class-clustered shards
//
// Shards are sorted by image id, and ids that start with the class (a
// folder name) put each class's records together. The pool then sees only
// the classes at the interleaved shards' current positions: rotation starts
// every shard at a different record, so the variety comes from the number of
// shards read at once. Read at least P shards at once (Interleave), or raise
// Buffer; the pool's growth and reused classes in Stats show when it was not
// enough.
package input
