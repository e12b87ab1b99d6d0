// Package jpegturbo decodes and encodes JPEG with libjpeg-turbo through cgo,
// for builds with the turbojpeg build tag (and cgo); without them every call
// returns ErrUnavailable and image/jpeg is what the project uses. The
// choice, its measurements and the static link for Dataflow workers are in
// docs/decisions/jpeg.md. Its bytes differ from image/jpeg's (within JPEG's
// usual error), so the codec is part of a dataset's identity.
package jpegturbo

import "errors"

// ErrUnavailable is returned by every call in a build without libjpeg-turbo.
var ErrUnavailable = errors.New("jpegturbo: libjpeg-turbo is not in this build (build with -tags turbojpeg and CGO_ENABLED=1)")
