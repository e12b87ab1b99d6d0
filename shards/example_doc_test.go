package shards_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/shards"
)

// Frame two records and read them back, as TensorFlow's TFRecordWriter and
// TFRecordDataset would.
func ExampleWriter() {
	var buf bytes.Buffer
	w := shards.NewWriter(&buf, shards.None)
	w.Write([]byte("foo"))
	w.Write([]byte("bar"))
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	r, err := shards.NewReader(&buf, shards.ReaderOptions{Name: "in-memory"})
	if err != nil {
		log.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s at offset %d\n", rec, r.Offset())
	}
	// Output:
	// foo at offset 0
	// bar at offset 19
}

// Write a small dataset of multiview records in two shards, then stream it
// back through its manifest.
func ExampleDatasetWriter() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	prefix := filepath.Join(dir, "train")

	d, err := shards.NewDatasetWriter(prefix, 2, shards.Gzip)
	if err != nil {
		log.Fatal(err)
	}
	for i, class := range []string{"cat", "dog", "cat"} {
		rec := &shards.Multiview{
			ID: fmt.Sprintf("%s/%d.png", class, i), ClassText: class, Label: map[string]int64{"cat": 0, "dog": 1}[class],
			Views: [][]byte{{1, 2, 3}, {4, 5, 6}}, Format: shards.FormatRaw, Height: 1, Width: 1, Channels: 3,
			Policy: "autoaugment:imagenet", Seed: 1,
		}
		data, err := rec.Marshal()
		if err != nil {
			log.Fatal(err)
		}
		if err := d.Write(ctx, shards.ShardOf(rec.ID, 2), data); err != nil {
			log.Fatal(err)
		}
	}
	m, err := d.Finalize(ctx, []string{"cat", "dog"}, shards.Manifest{Views: 2, Policy: "autoaugment:imagenet", Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Records, "records in", len(m.Shards), "shards:", m.Shards[0].Name, m.Shards[1].Name)

	r, err := shards.OpenRecords(ctx, []string{shards.ManifestPath(prefix)}, shards.MultiReaderOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		data, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if _, err := shards.UnmarshalMultiview(data); err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println("read back", n)

	// Given only a shard, find its dataset's manifest and check the files against it.
	files, err := shards.ExpandInputs(ctx, []string{shards.ShardGlob(prefix)})
	if err != nil {
		log.Fatal(err)
	}
	if _, mp, err := shards.FindManifest(ctx, files[0].Name); err != nil || mp != shards.ManifestPath(prefix) {
		log.Fatal("no manifest found: ", err)
	}
	v, err := shards.Verify(ctx, files, shards.VerifyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified", v.Records, "records,", v.ManifestShards, "shards against the manifest, classes", v.Classes)
	// Output:
	// 3 records in 2 shards: train-00000-of-00002.tfrecord.gz train-00001-of-00002.tfrecord.gz
	// read back 3
	// verified 3 records, 2 shards against the manifest, classes [{0 cat 2} {1 dog 1}]
}

// Split a shard's name into its parts.
func ExampleParseShardPath() {
	s, ok := shards.ParseShardPath("gs://bucket/data/train-00003-of-00016.tfrecord.gz")
	fmt.Printf("%v %q %d of %d, %v\n", ok, s.Prefix, s.Index, s.Count, s.Compression)
	// Output:
	// true "gs://bucket/data/train" 3 of 16, gzip
}

// Decode a tf.train.Example and print it as canonical proto3 JSON.
func ExampleExample_MarshalJSON() {
	e := &shards.Example{Features: map[string]shards.Feature{
		"label": shards.Int64Feature(3),
		"name":  shards.StringFeature("cat"),
		"score": shards.FloatFeature(0.5),
	}}
	back, err := shards.UnmarshalExample(e.Marshal())
	if err != nil {
		log.Fatal(err)
	}
	js, _ := back.MarshalJSON()
	fmt.Println(string(js))
	// Output:
	// {"features":{"feature":{"label":{"int64List":{"value":["3"]}},"name":{"bytesList":{"value":["Y2F0"]}},"score":{"floatList":{"value":[0.5]}}}}}
}
