//go:build !(turbojpeg && cgo)

package jpegturbo

import (
	"image"
	"io"
)

// Available reports whether libjpeg-turbo is in this build.
func Available() bool { return false }

// Decode returns ErrUnavailable in this build.
func Decode(data []byte) (*image.RGBA, error) { return nil, ErrUnavailable }

// Encode returns ErrUnavailable in this build.
func Encode(w io.Writer, m image.Image, quality int) error { return ErrUnavailable }

// Version is empty in this build.
func Version() string { return "" }
