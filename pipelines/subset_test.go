package pipelines

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteSubset subsets synthetic MNIST files (image i filled with i, label
// i%3 for the first 9 images, then 2): the first two images of each label,
// in order, as uncompressed idx files that read back as an mnist: source.
func TestWriteSubset(t *testing.T) {
	src := t.TempDir()
	const n = 12
	var imgs, labs bytes.Buffer
	binary.Write(&imgs, binary.BigEndian, []uint32{0x803, n, 3, 2})
	binary.Write(&labs, binary.BigEndian, []uint32{0x801, n})
	label := func(i int) byte {
		if i < 9 {
			return byte(i % 3)
		}
		return 2
	}
	for i := range n {
		imgs.Write(bytes.Repeat([]byte{byte(i)}, 6))
		labs.WriteByte(label(i))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(imgs.Bytes())
	zw.Close()
	os.WriteFile(filepath.Join(src, "t10k-images-idx3-ubyte.gz"), gz.Bytes(), 0o644)
	os.WriteFile(filepath.Join(src, "t10k-labels-idx1-ubyte"), labs.Bytes(), 0o644)

	ctx := context.Background()
	dst := filepath.Join(t.TempDir(), "sub")
	got, err := Source{Kind: MNIST, Path: src, Split: "test"}.WriteSubset(ctx, dst, 2)
	if err != nil || got != 6 {
		t.Fatalf("WriteSubset: %d images, %v; want 6", got, err)
	}
	keep := []int{0, 1, 2, 3, 4, 5}
	var wantImgs, wantLabs bytes.Buffer
	binary.Write(&wantImgs, binary.BigEndian, []uint32{0x803, 6, 3, 2})
	binary.Write(&wantLabs, binary.BigEndian, []uint32{0x801, 6})
	for _, i := range keep {
		wantImgs.Write(bytes.Repeat([]byte{byte(i)}, 6))
		wantLabs.WriteByte(label(i))
	}
	for name, want := range map[string][]byte{"t10k-images-idx3-ubyte": wantImgs.Bytes(), "t10k-labels-idx1-ubyte": wantLabs.Bytes()} {
		b, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("%s: % x, %v; want % x", name, b, err, want)
		}
	}
	ents, _ := os.ReadDir(dst)
	if len(ents) != 2 {
		t.Errorf("%d files in the subset folder, want the two idx files", len(ents))
	}
	back, rejects := collect(t, Source{Kind: MNIST, Path: dst, Split: "test"})
	if len(back) != 6 || len(rejects) != 0 || back[5].Label != 2 || back[5].ID != "mnist/test/00005" {
		t.Errorf("the subset reads back as %d images, %d rejects", len(back), len(rejects))
	}

	for _, tc := range []struct {
		s        Source
		perClass int
		want     string
	}{
		{Source{Kind: MNIST, Path: src, Split: "test"}, 0, "at least 1"},
		{Source{Kind: MNIST, Path: src, Split: "train"}, 1, "train-images-idx3-ubyte"},
		{Source{Kind: CIFAR10, Path: src, Split: "test"}, 1, "only mnist"},
	} {
		if _, err := tc.s.WriteSubset(ctx, t.TempDir(), tc.perClass); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, %d per class: error %v, want one containing %q", tc.s, tc.perClass, err, tc.want)
		}
	}
}
