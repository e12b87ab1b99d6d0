// Package pipelines holds the Apache Beam pipeline behind `supcon augment`:
// it turns an image dataset into multiview TFRecord shards (docs/format.md).
//
//	Impulse -> list the source's units -> Reshuffle -> read, decode, augment
//	(V views × E epochs per image; bad inputs to a dead-letter output), each
//	bundle writing its records as runs sorted by id under PREFIX.temp/
//	-> GroupByKey(shard) of run references only -> merge the shard's runs
//	into a temporary shard per attempt -> finalize once every shard is
//	written (side inputs): rename into place, remove the runs, write
//	PREFIX.rejected.jsonl, PREFIX.labels.txt and, last, PREFIX.manifest.json.
//
// Views never go through a shuffle, so memory does not grow with the
// dataset (docs/pipeline-memory.md).
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
// bytes_written, lost_views (views whose content is gone: augment.Lost),
// runs_written and shuffle_bytes (what went through the shuffles) measure a
// run; Run's Summary reports the lost views, the shuffled bytes, and the
// CIFAR-10 training batches that were missing (the others are read).
//
// Run runs it on prism, direct, universal (a job server) or dataflow;
// RunLocal does the same work without Beam, as a baseline.
package pipelines
