// Package pipelines holds the Apache Beam pipeline behind `supcon augment`:
// it turns an image dataset into multiview TFRecord shards (docs/format.md).
//
//	Impulse -> list the source's units -> Reshuffle -> read, decode, augment
//	(V views × E epochs per image; bad inputs to a dead-letter output)
//	-> GroupByKey(shard) -> sort by id, write a temporary shard per attempt
//	-> finalize once every shard is written (side inputs): rename into place,
//	write PREFIX.rejected.jsonl, PREFIX.labels.txt and, last, PREFIX.manifest.json.
//
// Sources (ParseSource) are ImageFolder trees, CIFAR-10/100 binary files,
// MNIST idx files and ImageNet-style TFRecords, on local disk or gs://.
// Every random choice comes from (seed, image id, view, epoch), records are
// sorted by id inside a shard and shards are chosen by a hash of the id, so
// the same inputs and seed give byte-identical shards on every runner and
// after retries. The pipeline is pure Go (Dataflow cross-compiles workers
// with CGO_ENABLED=0).
//
// The Beam counters supcon/images_read, views_written, rejected,
// bytes_written and lost_views (views whose content is gone: augment.Lost)
// measure a run; Run's Summary reports the lost views, and the CIFAR-10
// training batches that were missing (the others are read).
//
// Run runs it on prism, direct, universal (a job server) or dataflow;
// RunLocal does the same work without Beam, as a baseline.
package pipelines
