package evaluate

import (
	"context"
	"fmt"
	"image"
	"io"
	"runtime"
	"sync"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/trainer/input"
)

// sampleBatch is a batch of test samples: the first view of Len records,
// decoded, corrupted when the stream has a corruption, and normalised to
// float32 CHW as training fed them.
type sampleBatch struct {
	X      []float32 // Batch samples; those past Len are zero
	Labels []int
	IDs    []string
	Len    int
}

// sampleStream reads a dataset's records once, in order, a batch at a time,
// and prepares each batch's samples on several goroutines. It holds one
// batch of records and pixels: memory does not grow with the data.
type sampleStream struct {
	r         *input.Reader
	h, w, c   int
	mean, std []float32
	aug       *augment.Augmenter // nil: clean
	seed      int64
	recs      []*input.Record
	px        [][]uint8 // one pixel buffer per batch slot
	b         sampleBatch
	records   int64
	eof       bool
}

// corrupter returns the Augmenter applying a corruption at a severity (the
// policy corrupt:NAME,severity=S with no crop), or nil for name "".
func corrupter(name string, severity, channels int) (*augment.Augmenter, error) {
	if name == "" {
		return nil, nil
	}
	return augment.New(fmt.Sprintf("corrupt:%s,severity=%d", name, severity),
		augment.Options{Crop: augment.CropNone, Channels: channels})
}

func newSampleStream(ctx context.Context, d *input.Dataset, batch, h, w, c int, mean, std []float32, aug *augment.Augmenter, seed int64) (*sampleStream, error) {
	r, err := d.Epoch(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	s := &sampleStream{r: r, h: h, w: w, c: c, mean: mean, std: std, aug: aug, seed: seed,
		px: make([][]uint8, batch), b: sampleBatch{X: make([]float32, batch*h*w*c)}}
	for i := range s.px {
		s.px[i] = make([]uint8, h*w*c)
	}
	return s, nil
}

// Next returns the next batch, valid until the next call, or io.EOF.
func (s *sampleStream) Next(ctx context.Context) (*sampleBatch, error) {
	s.recs = s.recs[:0]
	for !s.eof && len(s.recs) < len(s.px) {
		rec, err := s.r.Next()
		if err == io.EOF {
			s.eof = true
			break
		}
		if err != nil {
			return nil, err
		}
		if rec.Height != s.h || rec.Width != s.w || rec.Channels != s.c {
			return nil, fmt.Errorf("image %s is %d×%d×%d, the model takes %d×%d×%d", rec.ID, rec.Height, rec.Width, rec.Channels, s.h, s.w, s.c)
		}
		s.recs = append(s.recs, rec)
		s.records++
	}
	n := len(s.recs)
	if n == 0 {
		return nil, io.EOF
	}
	b := &s.b
	b.Len, b.Labels, b.IDs = n, b.Labels[:0], b.IDs[:0]
	for _, rec := range s.recs {
		b.Labels = append(b.Labels, int(rec.Label))
		b.IDs = append(b.IDs, rec.ID)
	}
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	size := s.h * s.w * s.c
	clear(b.X[n*size:])
	return b, nil
}

// prepare decodes, corrupts and normalises the batch's samples, spread
// over GOMAXPROCS goroutines (each sample's result depends on it alone).
func (s *sampleStream) prepare(ctx context.Context) error {
	n, size := len(s.recs), s.h*s.w*s.c
	workers := min(runtime.GOMAXPROCS(0), n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					return
				}
				errs[i] = s.sample(i, s.b.X[i*size:(i+1)*size])
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sample prepares batch slot i into dst.
func (s *sampleStream) sample(i int, dst []float32) error {
	rec, px := s.recs[i], s.px[i]
	if err := input.DecodeView(px, &rec.Multiview, 0); err != nil {
		return err
	}
	if s.aug != nil {
		img, err := s.aug.View(hwcImage(px, s.w, s.h, s.c), s.seed, rec.ID, 0, 0)
		if err != nil {
			return err
		}
		augment.AppendHWC(px[:0], img, s.c) // back into px, same size
	}
	return input.NormalizeHWC(dst, px, s.h*s.w, s.c, s.mean, s.std)
}

// Records returns the number of records read so far.
func (s *sampleStream) Records() int64 { return s.records }

// Stats returns what the reader read and skipped.
func (s *sampleStream) Stats() input.ReadStats { return s.r.Stats() }

// Close stops the reader.
func (s *sampleStream) Close() error { return s.r.Close() }

// hwcImage wraps HWC pixels of 1 or 3 channels as an image (copied).
func hwcImage(px []uint8, w, h, c int) image.Image {
	if c == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		copy(g.Pix, px)
		return g
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(m.Pix[4*i:4*i+3], px[3*i:3*i+3])
		m.Pix[4*i+3] = 255
	}
	return m
}
