package main

import (
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	_ "golang.org/x/image/webp" // decode WebP inputs too
	_ "image/gif"
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

// augWriteImage encodes img to path as PNG or JPEG (quality 95) by its
// extension, through a temporary file renamed into place.
func augWriteImage(path string, img image.Image) error {
	format, err := augImageFormat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if format == "png" {
		err = png.Encode(tmp, img)
	} else {
		err = jpeg.Encode(tmp, img, &jpeg.Options{Quality: 95})
	}
	if err != nil {
		return errors.Join(fmt.Errorf("encode %s: %w", path, err), tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
