package input

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/shardstest"
)

// dataSpec describes a synthetic dataset for tests and benchmarks.
type dataSpec struct {
	shards   int
	counts   []int // images per class
	views    int
	format   shards.ViewFormat // shards.FormatRaw or shards.FormatPNG
	size     int               // height = width
	channels int
	comp     shards.Compression
	epochs   int // augmentation epochs: shards e·N … e·N+N−1 hold epoch e
}

func (s dataSpec) withDefaults() dataSpec {
	if s.views == 0 {
		s.views = 4
	}
	if s.format == "" {
		s.format = shards.FormatRaw
	}
	if s.size == 0 {
		s.size = 4
	}
	if s.channels == 0 {
		s.channels = 3
	}
	if s.epochs == 0 {
		s.epochs = 1
	}
	return s
}

// even returns n classes of m images each.
func even(n, m int) []int {
	c := make([]int, n)
	for i := range c {
		c[i] = m
	}
	return c
}

// pixels returns the deterministic content of one view of one image.
func pixels(id string, v, size, ch int) []byte {
	r := rand.New(rand.NewPCG(hashString(id), uint64(v)))
	p := make([]byte, size*size*ch)
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

// encodeView returns a view's stored bytes in the format.
func encodeView(t testing.TB, format shards.ViewFormat, pix []byte, size, ch int) []byte {
	if format == shards.FormatRaw {
		return pix
	}
	var img image.Image
	if ch == 1 {
		img = &image.Gray{Pix: pix, Stride: size, Rect: image.Rect(0, 0, size, size)}
	} else {
		m := image.NewRGBA(image.Rect(0, 0, size, size))
		for i := 0; i < size*size; i++ {
			copy(m.Pix[4*i:4*i+3], pix[3*i:3*i+3])
			m.Pix[4*i+3] = 255
		}
		img = m
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// idOf names image i of class c.
func idOf(c, i int) string { return fmt.Sprintf("c%02d/%05d", c, i) }

// record returns the multiview record of image i of class c.
func (s dataSpec) record(t testing.TB, c, i int) *shards.Multiview {
	id := idOf(c, i)
	m := &shards.Multiview{ID: id, Label: int64(c), ClassText: fmt.Sprintf("class%02d", c),
		Format: s.format, Height: s.size, Width: s.size, Channels: s.channels, Policy: "none", Seed: 1}
	for v := 0; v < s.views; v++ {
		m.Views = append(m.Views, encodeView(t, s.format, pixels(id, v, s.size, s.channels), s.size, s.channels))
	}
	return m
}

// write writes the dataset under dir and returns its prefix and every
// image's label by id.
func (s dataSpec) write(t testing.TB, dir string) (string, map[string]int64) {
	t.Helper()
	s = s.withDefaults()
	prefix := filepath.Join(dir, "data")
	if strings.HasPrefix(dir, "gs://") {
		prefix = dir + "/data"
	}
	labels := map[string]int64{}
	var ids []string
	for c, n := range s.counts {
		for i := 0; i < n; i++ {
			ids = append(ids, idOf(c, i))
			labels[idOf(c, i)] = int64(c)
		}
	}
	slices.Sort(ids)
	var classes []string
	counts := map[string]int64{}
	for c, n := range s.counts {
		classes = append(classes, fmt.Sprintf("class%02d", c))
		counts[classes[c]] = int64(n)
	}
	var recs []*shards.Multiview
	for e := 0; e < s.epochs; e++ {
		for _, id := range ids {
			var c, i int
			fmt.Sscanf(id, "c%02d/%05d", &c, &i)
			m := s.record(t, c, i)
			m.Epoch = int64(e)
			recs = append(recs, m)
		}
	}
	d := shardstest.Dataset{Prefix: prefix, Shards: s.shards * s.epochs, Compression: s.comp, Classes: classes,
		Manifest: shards.Manifest{Views: s.views, ViewFormat: s.format, Height: s.size, Width: s.size, Channels: s.channels,
			Classes: classes, ClassCounts: counts, Policy: "none", Seed: 1, Epochs: s.epochs},
		Shard: func(_ int, m *shards.Multiview) int { return int(m.Epoch)*s.shards + shards.ShardOf(m.ID, s.shards) }}
	d.MustWrite(t, recs)
	return prefix, labels
}

// batchRecord is what tests keep of a delivered batch.
type batchRecord struct {
	Epoch, Index int
	Rows         []Row
	Pixels       []byte
}

// collect runs a Batcher over the dataset and keeps up to max batches
// (0: all), with its final stats.
func collect(t testing.TB, inputs []string, opt Options, bopt BatchOptions, max int) ([]batchRecord, Stats) {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, inputs, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBatcher(ctx, d, bopt)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var out []batchRecord
	for max == 0 || len(out) < max {
		bt, err := b.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, keep(bt))
	}
	return out, b.Stats()
}

// keep copies what a test checks of a batch (the Batch is reused).
func keep(bt *Batch) batchRecord {
	r := batchRecord{Epoch: bt.Epoch, Index: bt.Index, Pixels: slices.Clone(bt.Pixels)}
	for _, row := range bt.Rows {
		row.Views = slices.Clone(row.Views)
		r.Rows = append(r.Rows, row)
	}
	return r
}
