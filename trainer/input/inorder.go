package input

import (
	"context"
	"fmt"
	"io"
)

// InOrderOptions configure an InOrder iterator.
type InOrderOptions struct {
	// Batch is the number of samples per batch (at least 1).
	Batch int
	// Views is how many of each record's stored views become samples, the
	// first ones; 0 means all.
	Views int
	// Height, Width and Channels are the size every view must have.
	Height, Width, Channels int
	// Mean and Std normalise pixels as NormalizeHWC does.
	Mean, Std []float32
}

// SampleBatch is one batch of an InOrder iterator: Len samples, each a view
// of a record, as float32 CHW pixels normalised by NormalizeHWC.
type SampleBatch struct {
	// X holds Batch samples' pixels; those past Len are zero, so that X can
	// feed a graph of fixed batch size as it is.
	X []float32
	// Labels are the first Len samples' labels.
	Labels []int
	// Len is the number of samples; less than Batch only in the last batch.
	Len int
}

// InOrder reads every record of a Dataset's epoch 0 once, in the dataset's
// order (no rotation, no shuffle), and delivers their views in batches of
// samples: what evaluation needs, where training needs Batcher's balanced
// random batches. A record's views may fall in two batches. It is not safe
// for concurrent use; Close stops its Reader.
type InOrder struct {
	r     *Reader
	opt   InOrderOptions
	b     SampleBatch
	px    []uint8
	rec   *Record // the record being split into samples
	view  int     // its next view
	views int     // its views to use
	seen  int64
	err   error
}

// InOrder starts an in-order iterator over the dataset, which should be
// opened with Options.NoRotate so that the order is the shards' own.
func (d *Dataset) InOrder(ctx context.Context, opt InOrderOptions) (*InOrder, error) {
	if opt.Batch < 1 || opt.Views < 0 || opt.Height < 1 || opt.Width < 1 || opt.Channels < 1 {
		return nil, fmt.Errorf("in-order batches of %d samples, %d views, %d×%d×%d: want a batch and a size of at least 1, views not negative",
			opt.Batch, opt.Views, opt.Height, opt.Width, opt.Channels)
	}
	r, err := d.Epoch(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	size := opt.Height * opt.Width * opt.Channels
	return &InOrder{r: r, opt: opt, px: make([]uint8, size),
		b: SampleBatch{X: make([]float32, opt.Batch*size), Labels: make([]int, 0, opt.Batch)}}, nil
}

// Next returns the next batch, valid until the next call, or io.EOF after
// the last. A view of another size than the options' is an error naming
// the record. After an error every later call returns it.
func (it *InOrder) Next() (*SampleBatch, error) {
	if it.err != nil {
		return nil, it.err
	}
	it.b.Len, it.b.Labels = 0, it.b.Labels[:0]
	for it.b.Len < it.opt.Batch {
		if it.rec == nil || it.view == it.views {
			if err := it.nextRecord(); err == io.EOF {
				break
			} else if err != nil {
				it.err = err
				return nil, err
			}
		}
		if err := it.addSample(); err != nil {
			it.err = err
			return nil, err
		}
	}
	if it.b.Len == 0 {
		it.err = io.EOF
		return nil, io.EOF
	}
	size := len(it.px)
	clear(it.b.X[it.b.Len*size:])
	return &it.b, nil
}

// nextRecord reads the next record and checks its size.
func (it *InOrder) nextRecord() error {
	rec, err := it.r.Next()
	if err != nil {
		return err
	}
	o := it.opt
	if rec.Height != o.Height || rec.Width != o.Width || rec.Channels != o.Channels {
		return fmt.Errorf("image %s is %d×%d×%d, want %d×%d×%d", rec.ID, rec.Height, rec.Width, rec.Channels, o.Height, o.Width, o.Channels)
	}
	it.rec, it.view, it.views = rec, 0, len(rec.Views)
	if o.Views > 0 {
		it.views = min(it.views, o.Views)
	}
	it.seen++
	return nil
}

// addSample decodes and normalises the record's next view into the batch.
func (it *InOrder) addSample() error {
	if err := DecodeView(it.px, &it.rec.Multiview, it.view); err != nil {
		return err
	}
	size, n := len(it.px), it.b.Len
	if err := NormalizeHWC(it.b.X[n*size:(n+1)*size], it.px, it.opt.Height*it.opt.Width, it.opt.Channels, it.opt.Mean, it.opt.Std); err != nil {
		return err
	}
	it.b.Labels = append(it.b.Labels, int(it.rec.Label))
	it.b.Len++
	it.view++
	return nil
}

// Records returns the number of records read so far.
func (it *InOrder) Records() int64 { return it.seen }

// Stats returns what the underlying Reader has read and skipped.
func (it *InOrder) Stats() ReadStats { return it.r.Stats() }

// Close stops the Reader.
func (it *InOrder) Close() error { return it.r.Close() }
