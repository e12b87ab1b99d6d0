package pipelines

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"image"
	_ "image/gif" // decoders registered for image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"strings"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"

	"github.com/supcon/supcon/shards"
)

const (
	cifar10Record  = 1 + 3072
	cifar100Record = 2 + 3072
	// maxImageBytes bounds one image file: far above any real photograph,
	// far below what would hurt a worker.
	maxImageBytes = 256 << 20
)

// sourceImage is one image read from a source, before augmentation:
// either encoded bytes (files, TFRecords) or pixels (CIFAR, MNIST).
type sourceImage struct {
	ID     string
	Source string // where it came from: a path, or path#record
	Class  string // class name, when the source knows it
	Label  int64  // class index, when Class is empty (TFRecord without text)
	Data   []byte
	Img    image.Image
}

// rejection is a bad input, set aside with its reason.
type rejection struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// readUnit reads one unit's images, calling emit for each good one and
// reject for each bad one. A returned error means the unit as a whole could
// not be read (for example a missing CIFAR file); bad single images are not errors.
func readUnit(ctx context.Context, kind SourceKind, u Unit, emit func(sourceImage) error, reject func(rejection)) error {
	switch kind {
	case Folder:
		data, err := readImageFile(ctx, u.Path)
		if err != nil {
			reject(rejection{ID: u.ID, Source: u.Path, Reason: err.Error()})
			return nil
		}
		return emit(sourceImage{ID: u.ID, Source: u.Path, Class: u.Class, Data: data})
	case CIFAR10, CIFAR100:
		return readCIFAR(ctx, kind, u, emit)
	case MNIST:
		return readMNIST(ctx, u, emit)
	case TFRecord:
		return readTFRecordImages(ctx, u.Path, emit, reject)
	}
	return fmt.Errorf("unknown source kind %q", kind)
}

func readImageFile(ctx context.Context, name string) ([]byte, error) {
	f, err := storage.Open(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	if len(data) == 0 {
		return nil, errors.New("empty file (0 bytes)")
	}
	if len(data) > maxImageBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxImageBytes)
	}
	return data, nil
}

// decodeImage decodes JPEG, PNG, GIF, BMP or WebP, naming the reason on failure.
func decodeImage(data []byte) (image.Image, error) {
	if len(data) == 0 {
		return nil, errors.New("empty file (0 bytes)")
	}
	format := sniffFormat(data)
	if format == "" {
		return nil, errors.New("not a decodable image (no JPEG, PNG, GIF, BMP or WebP signature)")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: header: %v", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s image of size %dx%d", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > 1<<28 {
		return nil, fmt.Errorf("%s image of %dx%d pixels is too large", format, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: %v", format, err)
	}
	return img, nil
}

func readCIFAR(ctx context.Context, kind SourceKind, u Unit, emit func(sourceImage) error) error {
	recLen, split := cifar10Record, "train"
	if kind == CIFAR100 {
		recLen = cifar100Record
	}
	if strings.Contains(u.Path, "test") {
		split = "test"
	}
	f, err := storage.Open(ctx, u.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	if _, err := io.CopyN(io.Discard, r, int64(u.Start*recLen)); err != nil {
		return fmt.Errorf("%s: skipping to record %d: %w", u.Path, u.Start, err)
	}
	rec := make([]byte, recLen)
	for i := u.Start; i < u.End; i++ {
		if _, err := io.ReadFull(r, rec); err != nil {
			return fmt.Errorf("%s: record %d: %w", u.Path, i, err)
		}
		label := int64(rec[0])
		if kind == CIFAR100 {
			label = int64(rec[1]) // fine label
		}
		px := rec[recLen-3072:]
		img := image.NewRGBA(image.Rect(0, 0, 32, 32))
		for p := 0; p < 1024; p++ { // planes R, G, B of 32x32, row-major
			img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = px[p], px[1024+p], px[2048+p], 255
		}
		if err := emit(sourceImage{
			ID: fmt.Sprintf("%s/%s/%05d", kind, split, u.Base+i), Source: fmt.Sprintf("%s#%d", u.Path, i),
			Label: label, Img: img,
		}); err != nil {
			return err
		}
	}
	return nil
}

// openMaybeGzip opens a file, decompressing it if its name ends in .gz.
func openMaybeGzip(ctx context.Context, name string) (io.Reader, func() error, error) {
	f, err := storage.Open(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if !strings.HasSuffix(name, ".gz") {
		return bufio.NewReaderSize(f, 1<<20), f.Close, nil
	}
	z, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return z, func() error { z.Close(); return f.Close() }, nil
}

// mnistHeader reads an idx header: magic, then the dimensions.
func mnistHeader(r io.Reader, name string, wantMagic uint32, dims int) ([]int, error) {
	hdr := make([]byte, 4+4*dims)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("%s: idx header: %w", name, err)
	}
	if m := binary.BigEndian.Uint32(hdr); m != wantMagic {
		return nil, fmt.Errorf("%s: idx magic %#x, want %#x", name, m, wantMagic)
	}
	out := make([]int, dims)
	for i := range out {
		out[i] = int(binary.BigEndian.Uint32(hdr[4+4*i:]))
	}
	return out, nil
}

func mnistCount(ctx context.Context, images string) (int, error) {
	r, closeFn, err := openMaybeGzip(ctx, images)
	if err != nil {
		return 0, err
	}
	defer closeFn()
	dims, err := mnistHeader(r, images, 0x803, 3)
	if err != nil {
		return 0, err
	}
	return dims[0], nil
}

func readMNIST(ctx context.Context, u Unit, emit func(sourceImage) error) error {
	ir, closeI, err := openMaybeGzip(ctx, u.Path)
	if err != nil {
		return err
	}
	defer closeI()
	lr, closeL, err := openMaybeGzip(ctx, u.Labels)
	if err != nil {
		return err
	}
	defer closeL()
	dims, err := mnistHeader(ir, u.Path, 0x803, 3)
	if err != nil {
		return err
	}
	ldims, err := mnistHeader(lr, u.Labels, 0x801, 1)
	if err != nil {
		return err
	}
	if ldims[0] != dims[0] {
		return fmt.Errorf("%s has %d images but %s has %d labels", u.Path, dims[0], u.Labels, ldims[0])
	}
	h, w := dims[1], dims[2]
	if h <= 0 || w <= 0 || h*w > 1<<20 {
		return fmt.Errorf("%s: images of %dx%d", u.Path, w, h)
	}
	if _, err := io.CopyN(io.Discard, ir, int64(u.Start*h*w)); err != nil {
		return fmt.Errorf("%s: skipping to image %d: %w", u.Path, u.Start, err)
	}
	if _, err := io.CopyN(io.Discard, lr, int64(u.Start)); err != nil {
		return fmt.Errorf("%s: skipping to label %d: %w", u.Labels, u.Start, err)
	}
	split := "train"
	if strings.Contains(u.Path, "t10k") {
		split = "test"
	}
	var lab [1]byte
	for i := u.Start; i < u.End; i++ {
		img := image.NewGray(image.Rect(0, 0, w, h))
		if _, err := io.ReadFull(ir, img.Pix); err != nil {
			return fmt.Errorf("%s: image %d: %w", u.Path, i, err)
		}
		if _, err := io.ReadFull(lr, lab[:]); err != nil {
			return fmt.Errorf("%s: label %d: %w", u.Labels, i, err)
		}
		if lab[0] > 9 {
			return fmt.Errorf("%s: label %d of image %d is not a digit", u.Labels, lab[0], i)
		}
		if err := emit(sourceImage{ID: fmt.Sprintf("mnist/%s/%05d", split, i), Source: fmt.Sprintf("%s#%d", u.Path, i),
			Label: int64(lab[0]), Class: string(rune('0' + lab[0])), Img: img}); err != nil {
			return err
		}
	}
	return nil
}

// readTFRecordImages reads ImageNet-style records: image/encoded,
// image/class/label, optional image/class/text and image/filename.
// A record without the keys is rejected; a damaged file rejects the rest of
// that file (its records cannot be framed any more) as one rejection.
func readTFRecordImages(ctx context.Context, name string, emit func(sourceImage) error, reject func(rejection)) error {
	f, err := storage.Open(ctx, name)
	if err != nil {
		reject(rejection{ID: name, Source: name, Reason: "unreadable: " + err.Error()})
		return nil
	}
	defer f.Close()
	r, err := shards.NewReader(f, shards.ReaderOptions{Name: name, Compression: shards.CompressionOf(name)})
	if err != nil {
		reject(rejection{ID: name, Source: name, Reason: err.Error()})
		return nil
	}
	defer r.Close()
	base := name[strings.LastIndex(name, "/")+1:]
	for i := 0; ; i++ {
		data, err := r.Next()
		if err == io.EOF {
			return nil
		}
		src := fmt.Sprintf("%s#%d", name, i)
		if err != nil {
			reject(rejection{ID: fmt.Sprintf("%s/%d", base, i), Source: src, Reason: "rest of file unreadable: " + err.Error()})
			return nil
		}
		ex, err := shards.UnmarshalExample(data)
		id := fmt.Sprintf("%s/%d", base, i)
		if err != nil {
			reject(rejection{ID: id, Source: src, Reason: err.Error()})
			continue
		}
		if fn, ok := ex.Features["image/filename"]; ok && fn.Kind == shards.KindBytes && len(fn.Bytes) == 1 && len(fn.Bytes[0]) > 0 {
			id = string(fn.Bytes[0])
		}
		enc, ok := ex.Features[shards.KeyEncoded]
		if !ok || enc.Kind != shards.KindBytes || len(enc.Bytes) != 1 {
			reject(rejection{ID: id, Source: src, Reason: "no single image/encoded bytes value"})
			continue
		}
		lab, ok := ex.Features[shards.KeyLabel]
		if !ok || lab.Kind != shards.KindInt64 || len(lab.Int64s) != 1 || lab.Int64s[0] < 0 {
			reject(rejection{ID: id, Source: src, Reason: "no single non-negative image/class/label int64 value"})
			continue
		}
		img := sourceImage{ID: id, Source: src, Label: lab.Int64s[0], Data: enc.Bytes[0]}
		if t, ok := ex.Features[shards.KeyClassText]; ok && t.Kind == shards.KindBytes && len(t.Bytes) == 1 {
			img.Class = string(t.Bytes[0])
		}
		if err := emit(img); err != nil {
			return err
		}
	}
}

// sniffFormat names the image format that data's signature announces, or "".
func sniffFormat(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xd8}):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte("GIF8")):
		return "gif"
	case bytes.HasPrefix(data, []byte("BM")):
		return "bmp"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}
