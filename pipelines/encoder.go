package pipelines

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"github.com/supcon/supcon/internal/jpegturbo"
	"github.com/supcon/supcon/internal/pngwrite"
	"github.com/supcon/supcon/shards"
)

// checkEncoder checks Config.Encoder against the format and this build.
func (c *Config) checkEncoder() error {
	switch c.Encoder {
	case "", "go":
		return nil
	case "fast":
		if c.Format == shards.FormatJPEG && !jpegturbo.Available() {
			return fmt.Errorf("pipelines: Encoder fast for JPEG needs libjpeg-turbo: %w", jpegturbo.ErrUnavailable)
		}
		return nil
	}
	return fmt.Errorf("pipelines: Encoder %q: want go (or empty) or fast", c.Encoder)
}

// encoderName is what the manifest records as the encoder: empty for the
// standard library's.
func (c *Config) encoderName() string {
	if c.Encoder != "fast" {
		return ""
	}
	switch c.Format {
	case shards.FormatPNG:
		return "pngwrite+klauspost/compress"
	case shards.FormatJPEG:
		return jpegturbo.Version()
	}
	return ""
}

// encode encodes a view with the configured format and encoder.
func (c *Config) encode(img image.Image) ([]byte, error) {
	level := pngLevels[c.PNGCompression]
	if c.Encoder != "fast" || c.Format == shards.FormatRaw {
		return encodeView(img, c.Format, c.Quality, c.Channels, level)
	}
	var buf bytes.Buffer
	if c.Format == shards.FormatJPEG {
		err := jpegturbo.Encode(&buf, img, c.Quality)
		return buf.Bytes(), err
	}
	err := pngwrite.Encode(&buf, img, zlibLevel(level), pngwrite.Klauspost)
	if errors.Is(err, pngwrite.ErrUnsupported) {
		rgba := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		buf.Reset()
		err = pngwrite.Encode(&buf, rgba, zlibLevel(level), pngwrite.Klauspost)
	}
	return buf.Bytes(), err
}

// zlibLevel maps image/png's compression levels to zlib's, as image/png does.
func zlibLevel(l png.CompressionLevel) int {
	switch l {
	case png.NoCompression:
		return 0
	case png.BestSpeed:
		return 1
	case png.BestCompression:
		return 9
	}
	return -1
}
