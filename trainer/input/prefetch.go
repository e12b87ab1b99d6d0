package input

import "fmt"

// dispatch queues the batch's rows for decoding, or marks it done at once.
func (b *Batcher) dispatch(bt *Batch) {
	bt.done = make(chan struct{})
	if !b.opt.Decode {
		close(bt.done)
		return
	}
	first := bt.recs[0]
	bt.Height, bt.Width, bt.Channels = first.Height, first.Width, first.Channels
	need := bt.Size() * first.Height * first.Width * first.Channels
	if cap(bt.Pixels) < need {
		bt.Pixels = make([]uint8, need)
	}
	bt.Pixels = bt.Pixels[:need]
	bt.pending.Store(int32(len(bt.Rows)))
	for i := range bt.Rows {
		b.jobs <- rowJob{b: bt, row: i}
	}
}

// work decodes rows until the jobs channel closes.
func (b *Batcher) work() {
	defer b.wg.Done()
	for j := range b.jobs {
		bt := j.b
		if err := decodeRow(bt, j.row); err != nil {
			bt.mu.Lock()
			if bt.err == nil {
				bt.err = err
			}
			bt.mu.Unlock()
		}
		if bt.pending.Add(-1) == 0 {
			close(bt.done)
		}
	}
}

// decodeRow decodes row i's views into their samples' pixels.
func decodeRow(bt *Batch, i int) error {
	rec, row := bt.recs[i], &bt.Rows[i]
	if rec.Height != bt.Height || rec.Width != bt.Width || rec.Channels != bt.Channels {
		return fmt.Errorf("image %s (%s record %d) is %dx%dx%d, the batch's first image %dx%dx%d",
			rec.ID, rec.Shard, rec.Index, rec.Height, rec.Width, rec.Channels, bt.Height, bt.Width, bt.Channels)
	}
	size, n := bt.Height*bt.Width*bt.Channels, len(bt.Rows)
	for v, sv := range row.Views {
		s := v*n + i
		if err := DecodeView(bt.Pixels[s*size:(s+1)*size], &rec.Multiview, sv); err != nil {
			return fmt.Errorf("%s record %d: %w", rec.Shard, rec.Index, err)
		}
	}
	return nil
}
