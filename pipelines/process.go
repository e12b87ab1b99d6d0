package pipelines

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/shards"
)

// Config is everything one augment run needs. It is plain data, so it
// travels to Beam workers inside the pipeline's DoFns. Validate's errors
// name the field that is wrong.
type Config struct {
	// Input is the source (see ParseSource); Split picks CIFAR's and MNIST's train or test files.
	Input string
	Split string
	// Output is the dataset prefix (local or gs://).
	Output string
	// Policy is the augmentation policy spec.
	Policy string
	// Views per image and epoch, Epochs of augmentation passes.
	Views, Epochs int
	// FirstEpoch is the number of the run's first augmentation pass: the
	// run writes epochs FirstEpoch to FirstEpoch+Epochs-1 (0 for a whole
	// batch job; epoch-ahead production runs one job per epoch, see
	// RunEpochs and docs/streaming.md).
	FirstEpoch int
	// Shards per epoch.
	Shards int
	// Size is the side of every square view; Channels 1 or 3.
	Size, Channels int
	// Format of the views; Quality for JPEG;
	// PNGCompression for PNG: default, speed, best or none ("" is default).
	Format         shards.ViewFormat
	Quality        int
	PNGCompression string
	// Seed of the run: with image id, view and epoch it fixes every view.
	Seed int64
	// Compression of the shards, as shards.ParseCompression reads it:
	// none (or ""), gzip or zlib.
	Compression string
	// Labels fixes the class names and their order; when empty, the
	// source's own classes are used.
	Labels []string
	// MinArea is the random crop's smallest area fraction (0: the augment default).
	MinArea float64
	// Crop is how views are cut out, as augment.ParseCropMode reads it:
	// "random" (a training view: random resized crop and flip; "" means
	// random), "center" (an evaluation view: the centred square, resized) or
	// "none" (the whole image, which must then already be Size×Size).
	Crop string
	// NoFlip turns off the random crop's horizontal flip.
	NoFlip bool
	// Encoder is the view encoder: "" (or "go") for the Go standard
	// library's, "fast" for the fastest this build has (PNG: klauspost's
	// deflate; JPEG: libjpeg-turbo, with the turbojpeg build tag). It
	// changes the views' bytes, and the manifest names it (encoder).
	Encoder string
	// RunBuffer is the bytes of records the augment step of one bundle
	// holds before it writes them, sorted, as runs under the dataset's
	// temporary folder (0: DefaultRunBuffer). A worker's memory is about
	// RunBuffer × (goroutines + 1); see docs/pipeline-memory.md.
	RunBuffer int
}

// Validate checks the configuration, naming the first bad field.
func (c *Config) Validate() error {
	switch {
	case c.Input == "":
		return fmt.Errorf("pipelines: Input is empty: name the source to read")
	case c.Output == "":
		return fmt.Errorf("pipelines: Output is empty: name the dataset prefix to write")
	case c.Views < 1:
		return fmt.Errorf("pipelines: Views %d: want at least 1", c.Views)
	case c.Epochs < 1:
		return fmt.Errorf("pipelines: Epochs %d: want at least 1", c.Epochs)
	case c.FirstEpoch < 0:
		return fmt.Errorf("pipelines: FirstEpoch %d: want 0 or more", c.FirstEpoch)
	case c.Shards < 1:
		return fmt.Errorf("pipelines: Shards %d: want at least 1", c.Shards)
	case c.Size < 1:
		return fmt.Errorf("pipelines: Size %d: want at least 1", c.Size)
	case c.Channels != 1 && c.Channels != 3:
		return fmt.Errorf("pipelines: Channels %d: want 1 or 3", c.Channels)
	case c.RunBuffer < 0:
		return fmt.Errorf("pipelines: RunBuffer %d: want 0 (the default) or more bytes", c.RunBuffer)
	}
	if _, err := shards.ParseViewFormat(string(c.Format)); err != nil {
		return fmt.Errorf("pipelines: Format: %w", err)
	}
	if c.Format == shards.FormatJPEG && (c.Quality < 1 || c.Quality > 100) {
		return fmt.Errorf("pipelines: Quality %d: want 1..100", c.Quality)
	}
	if _, ok := pngLevels[c.PNGCompression]; !ok {
		return fmt.Errorf("pipelines: PNGCompression %q: want default, speed, best or none", c.PNGCompression)
	}
	if _, err := c.compression(); err != nil {
		return err
	}
	if err := c.checkEncoder(); err != nil {
		return err
	}
	if _, err := ParseSource(c.Input, c.Split); err != nil {
		return fmt.Errorf("pipelines: %w", err)
	}
	if _, err := c.augmenter(); err != nil {
		return err
	}
	return nil
}

// compression returns the shards' compression.
func (c *Config) compression() (shards.Compression, error) {
	comp, err := shards.ParseCompression(c.Compression)
	if err != nil {
		return comp, fmt.Errorf("pipelines: Compression: %w", err)
	}
	return comp, nil
}

func (c *Config) augmenter() (*augment.Augmenter, error) {
	crop, err := augment.ParseCropMode(c.Crop)
	if err != nil {
		return nil, fmt.Errorf("pipelines: Crop: %w", err)
	}
	a, err := augment.New(c.Policy, augment.Options{Size: c.Size, Channels: c.Channels, MinArea: c.MinArea, Crop: crop, NoFlip: c.NoFlip})
	if err != nil {
		return nil, fmt.Errorf("pipelines: Policy %q: %w", c.Policy, err)
	}
	return a, nil
}

// keyedRecord is one finished multiview record on its way to its shard.
type keyedRecord struct {
	ID    string
	Class string
	Label int64
	Data  []byte
	Views int
	Bytes int
	Lost  int // views whose content is gone (augment.Lost)
}

// processor turns source images into multiview records. It is safe for
// concurrent use.
type processor struct {
	cfg    Config
	aug    *augment.Augmenter
	crop   augment.CropMode
	policy string
	labels map[string]int64 // class name -> label, when classes are fixed
}

func newProcessor(cfg Config) (*processor, error) {
	a, err := cfg.augmenter()
	if err != nil {
		return nil, err
	}
	crop, err := augment.ParseCropMode(cfg.Crop)
	if err != nil {
		return nil, fmt.Errorf("pipelines: Crop: %w", err)
	}
	p := &processor{cfg: cfg, aug: a, crop: crop, policy: a.Policy().String()}
	if len(cfg.Labels) > 0 {
		p.labels = make(map[string]int64, len(cfg.Labels))
		for i, l := range cfg.Labels {
			p.labels[l] = int64(i)
		}
	}
	return p, nil
}

// records makes the image's records, one per epoch, calling emit with the
// shard (the run's e-th epoch writes shards e·N to e·N+N-1; its records and
// views are those of epoch FirstEpoch+e) for each. A problem with the
// image itself is returned as the reason to reject it.
func (p *processor) records(si sourceImage, emit func(shard int, r keyedRecord) error) error {
	class, label := si.Class, si.Label
	if p.labels != nil {
		if class == "" {
			if label >= int64(len(p.cfg.Labels)) {
				return fmt.Errorf("label %d is not in the %d labels", label, len(p.cfg.Labels))
			}
			class = p.cfg.Labels[label]
		}
		l, ok := p.labels[class]
		if !ok {
			return fmt.Errorf("class %q is not in the labels", class)
		}
		label = l
	} else if class == "" {
		class = fmt.Sprint(label)
	}
	img := si.Img
	if img == nil {
		var err error
		if img, err = decodeImage(si.Data); err != nil {
			return err
		}
	}
	if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
		return fmt.Errorf("empty image %v", b)
	} else if p.crop == augment.CropNone && (b.Dx() != p.cfg.Size || b.Dy() != p.cfg.Size) {
		return fmt.Errorf("image is %d×%d: crop mode none keeps an image's own size, which must be the view size %d", b.Dx(), b.Dy(), p.cfg.Size)
	}
	if p.cfg.Views*p.cfg.Epochs > 1 {
		img = augment.ToRGBA(img) // convert once, not once per view
	}
	shard := shards.ShardOf(si.ID, p.cfg.Shards)
	for i := 0; i < p.cfg.Epochs; i++ {
		e := p.cfg.FirstEpoch + i
		m := &shards.Multiview{ID: si.ID, Label: label, ClassText: class, Format: p.cfg.Format,
			Height: p.cfg.Size, Width: p.cfg.Size, Channels: p.cfg.Channels, Policy: p.policy, Seed: p.cfg.Seed, Epoch: int64(e)}
		lost := 0
		for v := 0; v < p.cfg.Views; v++ {
			view, err := p.aug.View(img, p.cfg.Seed, si.ID, v, e)
			if err != nil {
				return fmt.Errorf("augmenting view %d of epoch %d: %w", v, e, err)
			}
			if augment.Lost(view) {
				lost++
			}
			enc, err := p.cfg.encode(view)
			if err != nil {
				return fmt.Errorf("encoding view %d of epoch %d: %w", v, e, err)
			}
			m.Views = append(m.Views, enc)
		}
		data, err := m.Marshal()
		if err != nil {
			return err
		}
		if err := emit(i*p.cfg.Shards+shard, keyedRecord{ID: si.ID, Class: class, Label: label, Data: data, Views: len(m.Views), Bytes: len(data), Lost: lost}); err != nil {
			return err
		}
	}
	return nil
}

// processUnit reads a unit and makes the records of its images, calling
// emit for each record, reject for each bad input (an image, or the whole
// unit when it cannot be read, named by its record range), and read once
// per image read.
func (p *processor) processUnit(ctx context.Context, kind SourceKind, u Unit, emit func(int, keyedRecord), reject func(rejection), read func()) {
	err := readUnit(ctx, kind, u, func(si sourceImage) error {
		read()
		err := p.records(si, func(shard int, r keyedRecord) error {
			emit(shard, r)
			return nil
		})
		if err != nil {
			reject(rejection{ID: si.ID, Source: si.Source, Reason: err.Error()})
		}
		return nil
	}, reject)
	if err != nil {
		id := u.Path
		if u.End > 0 {
			id = fmt.Sprintf("%s#%d-%d", u.Path, u.Start, u.End)
		}
		reject(rejection{ID: id, Source: u.Path, Reason: err.Error()})
	}
}

// pngLevels maps Config.PNGCompression to Go's PNG encoder levels. "speed"
// encodes several times faster than "default" for somewhat larger files.
var pngLevels = map[string]png.CompressionLevel{
	"": png.DefaultCompression, "default": png.DefaultCompression,
	"speed": png.BestSpeed, "best": png.BestCompression, "none": png.NoCompression,
}

// encodeView encodes a view as PNG, JPEG or raw HWC bytes.
func encodeView(img image.Image, format shards.ViewFormat, quality, channels int, level png.CompressionLevel) ([]byte, error) {
	switch format {
	case shards.FormatRaw:
		b := img.Bounds()
		return augment.AppendHWC(make([]byte, 0, b.Dx()*b.Dy()*channels), img, channels), nil
	case shards.FormatJPEG:
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	default:
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: level}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}
