package pipelines

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/supcon/supcon/internal/storage"
)

// WriteSubset writes a class-balanced subset of the source's split into the
// folder dst (local or gs://): the first perClass images of every class, in
// their original order, in the source's own format and file names, so that
// dst reads as a source of the same kind. It returns how many images it
// wrote. Only MNIST sources can be subset; their subset is written as
// uncompressed idx files, each through a temporary name and a rename.
func (s Source) WriteSubset(ctx context.Context, dst string, perClass int) (int, error) {
	if s.Kind != MNIST {
		return 0, fmt.Errorf("pipelines: subset of %s: only mnist: sources can be subset", s)
	}
	if perClass < 1 {
		return 0, fmt.Errorf("pipelines: subset of %s: %d images per class, want at least 1", s, perClass)
	}
	prefix := mnistPrefix(s.Split)
	imagesPath, err := findOne(ctx, storage.Join(s.Path, prefix+"-images-idx3-ubyte"))
	if err != nil {
		return 0, fmt.Errorf("pipelines: subset of %s: %w", s, err)
	}
	labelsPath, err := findOne(ctx, storage.Join(s.Path, prefix+"-labels-idx1-ubyte"))
	if err != nil {
		return 0, fmt.Errorf("pipelines: subset of %s: %w", s, err)
	}
	labels, err := readMNISTLabels(ctx, labelsPath)
	if err != nil {
		return 0, fmt.Errorf("pipelines: subset of %s: %w", s, err)
	}
	images, labels, err := pickMNIST(ctx, imagesPath, labels, perClass)
	if err != nil {
		return 0, fmt.Errorf("pipelines: subset of %s: %w", s, err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{prefix + "-images-idx3-ubyte", images}, {prefix + "-labels-idx1-ubyte", labels}} {
		if err := storage.WriteFile(ctx, storage.Join(dst, f.name), f.data); err != nil {
			return 0, fmt.Errorf("pipelines: subset of %s: %w", s, err)
		}
	}
	return len(labels) - 8, nil
}

// mnistPrefix is the MNIST file-name prefix of a split.
func mnistPrefix(split string) string {
	if split == "test" {
		return "t10k"
	}
	return "train"
}

// readMNISTLabels returns the labels of an idx labels file.
func readMNISTLabels(ctx context.Context, name string) ([]byte, error) {
	r, closeFn, err := openMaybeGzip(ctx, name)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	dims, err := mnistHeader(r, name, 0x801, 1)
	if err != nil {
		return nil, err
	}
	if dims[0] > 1<<28 {
		return nil, fmt.Errorf("%s: header claims %d labels", name, dims[0])
	}
	labels := make([]byte, dims[0])
	if _, err := io.ReadFull(r, labels); err != nil {
		return nil, fmt.Errorf("%s: labels: %w", name, err)
	}
	return labels, nil
}

// pickMNIST reads the idx images file name and keeps the first perClass
// images of every label: it returns the subset's images and labels files.
func pickMNIST(ctx context.Context, name string, labels []byte, perClass int) (images, labelsOut []byte, err error) {
	r, closeFn, err := openMaybeGzip(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	defer closeFn()
	dims, err := mnistHeader(r, name, 0x803, 3)
	if err != nil {
		return nil, nil, err
	}
	if dims[0] != len(labels) {
		return nil, nil, fmt.Errorf("%s has %d images but the labels file %d labels", name, dims[0], len(labels))
	}
	h, w := dims[1], dims[2]
	if h <= 0 || w <= 0 || h*w > 1<<20 {
		return nil, nil, fmt.Errorf("%s: images of %dx%d", name, w, h)
	}
	var count [256]int
	var keep []byte
	var pix bytes.Buffer
	row := make([]byte, h*w)
	for i, l := range labels {
		if _, err := io.ReadFull(r, row); err != nil {
			return nil, nil, fmt.Errorf("%s: image %d: %w", name, i, err)
		}
		if count[l] < perClass {
			count[l]++
			keep = append(keep, l)
			pix.Write(row)
		}
	}
	images = binary.BigEndian.AppendUint32(nil, 0x803)
	for _, d := range []int{len(keep), h, w} {
		images = binary.BigEndian.AppendUint32(images, uint32(d))
	}
	labelsOut = binary.BigEndian.AppendUint32(nil, 0x801)
	labelsOut = binary.BigEndian.AppendUint32(labelsOut, uint32(len(keep)))
	return append(images, pix.Bytes()...), append(labelsOut, keep...), nil
}
