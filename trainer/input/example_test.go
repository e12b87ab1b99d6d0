package input_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/trainer/input"
)

// writeExampleDataset writes 3 classes of 2×2 gray images, 4 views each, in
// 2 shards, and returns the manifest's name.
func writeExampleDataset(dir string) string {
	ctx := context.Background()
	prefix := filepath.Join(dir, "toy")
	w, err := shards.NewDatasetWriter(prefix, 2, shards.None)
	if err != nil {
		log.Fatal(err)
	}
	classes := []string{"cat", "dog", "owl"}
	for i := 0; i < 9; i++ {
		m := &shards.Multiview{ID: fmt.Sprintf("img%02d", i), Label: int64(i % 3), ClassText: classes[i%3],
			Format: shards.FormatRaw, Height: 2, Width: 2, Channels: 1, Policy: "none"}
		for v := 0; v < 4; v++ {
			m.Views = append(m.Views, []byte{byte(i), byte(v), 0, 255})
		}
		data, err := m.Marshal()
		if err != nil {
			log.Fatal(err)
		}
		if err := w.Write(ctx, i%2, data); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := w.Finalize(ctx, classes, shards.Manifest{Views: 4}); err != nil {
		log.Fatal(err)
	}
	return shards.ManifestPath(prefix)
}

// Stream a dataset into batches of P=2 classes × K=2 images × V=2 views,
// decoded, for one epoch.
func Example() {
	dir, _ := os.MkdirTemp("", "supcon-example")
	defer os.RemoveAll(dir)
	manifest := writeExampleDataset(dir)

	ctx := context.Background()
	d, err := input.Open(ctx, []string{manifest}, input.Options{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	b, err := input.NewBatcher(ctx, d, input.BatchOptions{P: 2, K: 2, V: 2, Decode: true, Epochs: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	for {
		batch, err := b.Next()
		if err != nil {
			break // io.EOF after the epoch
		}
		fmt.Printf("batch %d: %d samples of %d bytes\n", batch.Index, batch.Size(), len(batch.Pixels)/batch.Size())
		for _, r := range batch.Rows {
			fmt.Printf("  %s label %d image %d copy %d reused %v views %v\n", r.ID, r.Label, r.Image, r.Copy, r.Reused, r.Views)
		}
		// The positives of the last row's first view: copies of its image are not.
		anchor := len(batch.Rows) - 1
		var pos []int
		for j := 0; j < batch.Size(); j++ {
			if batch.Positive(anchor, j) {
				pos = append(pos, j)
			}
		}
		fmt.Printf("  positives of sample %d: %v\n", anchor, pos)
	}
	st := b.Stats()
	fmt.Printf("images %d, slots full/padded/reused %d/%d/%d, balance %.2f\n",
		st.Images, st.FullSlots, st.PaddedSlots, st.ReusedSlots, st.Balance())
	// Output:
	// batch 0: 8 samples of 4 bytes
	//   img03 label 0 image 0 copy 0 reused false views [0 2]
	//   img06 label 0 image 1 copy 0 reused false views [0 2]
	//   img04 label 1 image 2 copy 0 reused false views [1 2]
	//   img01 label 1 image 3 copy 0 reused false views [2 3]
	//   positives of sample 3: [2 6 7]
	// batch 1: 8 samples of 4 bytes
	//   img05 label 2 image 0 copy 0 reused false views [2 3]
	//   img02 label 2 image 1 copy 0 reused false views [2 0]
	//   img00 label 0 image 2 copy 0 reused false views [2 3]
	//   img00 label 0 image 2 copy 1 reused false views [0 1]
	//   positives of sample 3: [7]
	// batch 2: 8 samples of 4 bytes
	//   img08 label 2 image 0 copy 0 reused false views [0 2]
	//   img08 label 2 image 0 copy 1 reused false views [1 3]
	//   img07 label 1 image 1 copy 0 reused false views [3 2]
	//   img07 label 1 image 1 copy 1 reused false views [0 1]
	//   positives of sample 3: [7]
	// images 9, slots full/padded/reused 3/3/0, balance 0.50
}
