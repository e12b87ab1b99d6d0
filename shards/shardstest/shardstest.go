// Package shardstest builds small sharded datasets for tests, as
// net/http/httptest builds servers: records go through the shards package's
// DatasetWriter into shards, the labels file and the manifest, so a test
// reads them exactly as it would read a dataset the pipeline wrote.
//
// Dataset.Write takes records the test makes itself; Squares makes a toy
// dataset that a small encoder can learn.
package shardstest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/supcon/supcon/shards"
)

// Dataset says where and how to write a dataset's records.
type Dataset struct {
	// Prefix is the shards' path prefix, local or gs://
	// (PREFIX-00000-of-0000N.tfrecord, PREFIX.manifest.json, …).
	Prefix string
	// Shards is the number of shards; 0 means 1.
	Shards int
	// Compression is the shards' compression.
	Compression shards.Compression
	// Classes are the class names in label order, for the labels file.
	Classes []string
	// Manifest holds the manifest fields the test sets (Views, Height,
	// Policy, …); finalizing fills in the shards, counts and checksums.
	Manifest shards.Manifest
	// Shard returns the shard of record i; nil means shards.ShardOf of the
	// record's ID, as the pipeline places records.
	Shard func(i int, m *shards.Multiview) int
}

// Write marshals records in order into the dataset's shards and finalizes
// it. It returns the manifest's path.
func (d Dataset) Write(ctx context.Context, records []*shards.Multiview) (string, error) {
	n := max(d.Shards, 1)
	w, err := shards.NewDatasetWriter(d.Prefix, n, d.Compression)
	if err != nil {
		return "", fmt.Errorf("shardstest: %w", err)
	}
	for i, m := range records {
		data, err := m.Marshal()
		if err != nil {
			return "", fmt.Errorf("shardstest: record %d (%s): %w", i, m.ID, err)
		}
		s := shards.ShardOf(m.ID, n)
		if d.Shard != nil {
			s = d.Shard(i, m)
		}
		if err := w.Write(ctx, s, data); err != nil {
			return "", fmt.Errorf("shardstest: record %d (%s): %w", i, m.ID, err)
		}
	}
	if _, err := w.Finalize(ctx, d.Classes, d.Manifest); err != nil {
		return "", fmt.Errorf("shardstest: %w", err)
	}
	return shards.ManifestPath(d.Prefix), nil
}

// MustWrite is Write for a test: it stops tb on error.
func (d Dataset) MustWrite(tb testing.TB, records []*shards.Multiview) string {
	tb.Helper()
	m, err := d.Write(context.Background(), records)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// Squares returns n raw records of size×size gray pixels in `classes`
// classes (image i, id "img%04d", is of class i mod classes, named
// "class%d"), with `views` noisy views each, and the class names. Each class
// is a bright 3×3 square at its own place on a noisy background, moved by at
// most one pixel per view, so the classes are learnable but not trivially by
// one pixel. The same arguments give the same bytes.
func Squares(n, classes, size, views int, seed uint64) ([]*shards.Multiview, []string) {
	names := make([]string, classes)
	for c := range names {
		names[c] = fmt.Sprintf("class%d", c)
	}
	rng := rand.New(rand.NewPCG(seed, 9))
	records := make([]*shards.Multiview, 0, n)
	for i := 0; i < n; i++ {
		label := i % classes
		m := &shards.Multiview{ID: fmt.Sprintf("img%04d", i), Label: int64(label), ClassText: names[label],
			Format: shards.FormatRaw, Height: size, Width: size, Channels: 1, Policy: "none"}
		cx, cy := (label*3)%(size-2), (label*5)%(size-2)
		for v := 0; v < views; v++ {
			px := make([]byte, size*size)
			dx, dy := rng.IntN(3)-1, rng.IntN(3)-1
			for y := 0; y < size; y++ {
				for x := 0; x < size; x++ {
					val := 60 + rng.IntN(60)
					if x-dx >= cx && x-dx < cx+3 && y-dy >= cy && y-dy < cy+3 {
						val = 200 + rng.IntN(50)
					}
					px[y*size+x] = byte(val)
				}
			}
			m.Views = append(m.Views, px)
		}
		records = append(records, m)
	}
	return records, names
}

// WriteSquares writes Squares(n, classes, size, views, seed) into 4 shards
// with prefix dir/toy and returns the manifest's path.
func WriteSquares(tb testing.TB, dir string, n, classes, size, views int, seed uint64) string {
	tb.Helper()
	records, names := Squares(n, classes, size, views, seed)
	return SquaresDataset(filepath.Join(dir, "toy"), names, size, views).MustWrite(tb, records)
}

// SquaresDataset is the Dataset that WriteSquares writes Squares' records
// into: 4 shards with prefix, gray size×size views. Examples, which have
// no testing.TB, call its Write.
func SquaresDataset(prefix string, classes []string, size, views int) Dataset {
	return Dataset{Prefix: prefix, Shards: 4, Classes: classes,
		Manifest: shards.Manifest{Views: views, Height: size, Width: size, Channels: 1}}
}
