// Package shards reads and writes the project's datasets: TFRecord files of
// tf.train.Example records, byte for byte as TensorFlow writes and reads them.
//
// The layers, bottom up:
//
//   - Framing: Writer and Reader frame records with TensorFlow's masked
//     CRC32C (MaskedCRC), optionally inside a GZIP or ZLIB stream
//     (Compression). Reader checks every CRC and reports any damage as a
//     *CorruptError naming the input and the byte offset.
//   - tf.train.Example: Example and Feature, encoded with protowire, map
//     entries in key order, so the same Example always gives the same bytes;
//     MarshalJSON gives the canonical proto3 JSON.
//   - The multiview record (Multiview): V augmented views of one source
//     image, with its label and how the views were made, validated on the
//     way in and out.
//   - Datasets: ShardPath names shards PREFIX-00000-of-00016.tfrecord[.gz];
//     ShardWriter writes one attempt at a shard under a unique temporary
//     name; Finalize renames finished attempts into place, fills gaps with
//     empty shards, removes leftovers and writes PREFIX.labels.txt and,
//     last, PREFIX.manifest.json. DatasetWriter does all of it from one process.
//   - Reading datasets: ExpandInputs turns files, globs and manifests into a
//     file list, and MultiReader streams their records in bounded memory;
//     FindManifest finds the manifest beside a shard, and Verify checks a
//     dataset's files against it.
//   - Files: every read and write goes through internal/storage, the one seam
//     for local paths and gs:// URLs.
//
// The format is described in the repository's docs/format.md.
package shards
