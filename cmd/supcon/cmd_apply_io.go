package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	_ "golang.org/x/image/webp" // decode WebP inputs too

	"github.com/supcon/supcon/internal/storage"
)

// augReadImage decodes the image file at path (any format Go decodes:
// JPEG, PNG, GIF, WebP).
func augReadImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return img, nil
}

// augImageFormat returns "png" or "jpeg" for an output path, by extension.
func augImageFormat(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "png", nil
	case ".jpg", ".jpeg":
		return "jpeg", nil
	}
	return "", fmt.Errorf("output %s: unknown extension %q (use .png, .jpg or .jpeg)", path, filepath.Ext(path))
}

// augWriteImage encodes img to path (local or gs://) as PNG or JPEG
// (quality 95) by its extension, with storage.WriteFile: readers never see a
// partial image.
func augWriteImage(ctx context.Context, path string, img image.Image) error {
	format, err := augImageFormat(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return storage.WriteFile(ctx, path, buf.Bytes())
}
