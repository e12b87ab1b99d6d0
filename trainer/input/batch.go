package input

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Row is one image of a Batch.
type Row struct {
	// ID and Label are the image's id and class.
	ID    string `json:"id"`
	Label int64  `json:"label"`
	// Image numbers the distinct images of the batch: rows that are copies
	// of the same image share it, every other row has its own.
	Image int `json:"image"`
	// Copy is 0 for the first row of an image, and 1, 2, … for the copies
	// that pad a class with fewer than K images in the pool.
	Copy int `json:"copy,omitempty"`
	// Reused marks a row of an image already used earlier in the epoch,
	// taken to make up P classes when the pool holds fewer.
	Reused bool `json:"reused,omitempty"`
	// Views are the indices, among the record's stored views, of the V
	// views the row uses, in sample order.
	Views []int `json:"views"`
}

// Batch is P classes × K images × V views. Rows (B = P·K) are class-major;
// samples (N = V·B) are view-major: sample v·B + b is view v of row b, the
// loss package's layout. A Batch returned by Batcher.Next is valid until the
// next call to Next.
type Batch struct {
	// Epoch and Index place the batch: Index counts batches within the epoch.
	Epoch int `json:"epoch"`
	Index int `json:"batch"`
	// P, K and V are the batch's shape.
	P, K, V int `json:"-"`
	// Rows are the batch's images.
	Rows []Row `json:"rows"`
	// Height, Width and Channels are every view's size (0 without decoding).
	Height, Width, Channels int `json:"-"`
	// Pixels holds the decoded views when the Batcher decodes: N samples of
	// Height·Width·Channels uint8 each, HWC, in sample order.
	Pixels []uint8 `json:"-"`

	recs    []*Record // the record of each row, for decoding
	stats   Stats     // the Batcher's metrics as of this batch
	done    chan struct{}
	pending atomic.Int32 // rows left to decode
	mu      sync.Mutex
	err     error
}

// Size returns the number of samples, V·P·K.
func (b *Batch) Size() int { return b.V * len(b.Rows) }

// SampleLabels returns the class of every sample (len N, sample order) in
// dst, reusing its storage.
func (b *Batch) SampleLabels(dst []int) []int {
	dst = dst[:0]
	for v := 0; v < b.V; v++ {
		for _, r := range b.Rows {
			dst = append(dst, int(r.Label))
		}
	}
	return dst
}

// ImageKeys returns, for every sample (len N, sample order), the image it is
// a view of, as Row.Image: equal keys in different rows mark copies.
func (b *Batch) ImageKeys(dst []int) []int {
	dst = dst[:0]
	for v := 0; v < b.V; v++ {
		for _, r := range b.Rows {
			dst = append(dst, r.Image)
		}
	}
	return dst
}

// Positive reports whether samples i and j (sample order) are positives of
// each other: different samples of the same class, either views of one row
// or rows of different images. Views of two copies of the same image are not.
func (b *Batch) Positive(i, j int) bool {
	n := len(b.Rows)
	if i == j {
		return false
	}
	ri, rj := &b.Rows[i%n], &b.Rows[j%n]
	if ri.Label != rj.Label {
		return false
	}
	return i%n == j%n || ri.Image != rj.Image
}

// PositiveMask returns the N×N positive mask, row-major (mask[i·N+j] says
// whether sample j is a positive of anchor i), in dst, reusing its storage.
// A row that is not a copy has K·V−1 positives per view.
func (b *Batch) PositiveMask(dst []bool) []bool {
	n := b.Size()
	if cap(dst) < n*n {
		dst = make([]bool, n*n)
	}
	dst = dst[:n*n]
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			dst[i*n+j] = b.Positive(i, j)
		}
	}
	return dst
}

// Float32CHW converts the decoded pixels to float32 NCHW in sample order,
// each value (x/255 − mean[c]) / std[c], into dst (reusing its storage).
// mean and std hold one value per channel; nil means 0 and 1.
func (b *Batch) Float32CHW(dst []float32, mean, std []float32) ([]float32, error) {
	c, hw := b.Channels, b.Height*b.Width
	if len(b.Pixels) != b.Size()*hw*c || c == 0 {
		return dst, fmt.Errorf("batch %d of epoch %d holds no decoded pixels", b.Index, b.Epoch)
	}
	if cap(dst) < len(b.Pixels) {
		dst = make([]float32, len(b.Pixels))
	}
	dst = dst[:len(b.Pixels)]
	return dst, NormalizeHWC(dst, b.Pixels, hw, c, mean, std)
}

// NormalizeHWC converts samples of uint8 pixels, each hw pixels of c
// channels in HWC order (as views are stored and decoded), to float32 CHW,
// each value (x/255 − mean[ch]) / std[ch], into dst of the same length. mean
// and std hold one value per channel; nil means 0 and 1. Batch.Float32CHW
// uses it, so anything else that feeds a model the same way gets the same
// bits.
func NormalizeHWC(dst []float32, pixels []uint8, hw, c int, mean, std []float32) error {
	if c < 1 || c > 4 || hw < 1 || len(pixels)%(hw*c) != 0 || len(dst) != len(pixels) {
		return fmt.Errorf("normalising %d values into %d as samples of %d pixels × %d channels", len(pixels), len(dst), hw, c)
	}
	if (mean != nil && len(mean) != c) || (std != nil && len(std) != c) {
		return fmt.Errorf("normalising %d channels with %d means and %d deviations", c, len(mean), len(std))
	}
	var scale, shift [4]float32
	for ch := 0; ch < c; ch++ {
		m, s := float32(0), float32(1)
		if mean != nil {
			m = mean[ch]
		}
		if std != nil {
			s = std[ch]
		}
		scale[ch], shift[ch] = 1/(255*s), -m/s
	}
	for s := 0; s < len(pixels)/(hw*c); s++ {
		src, out := pixels[s*hw*c:(s+1)*hw*c], dst[s*hw*c:(s+1)*hw*c]
		for ch := 0; ch < c; ch++ {
			plane := out[ch*hw : (ch+1)*hw]
			for p := range plane {
				plane[p] = float32(src[p*c+ch])*scale[ch] + shift[ch]
			}
		}
	}
	return nil
}
