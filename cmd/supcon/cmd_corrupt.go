package main

import (
	"context"
	"fmt"
	"image"
	"path/filepath"
	"strings"

	"github.com/supcon/supcon/augment"
)

func init() {
	register(&command{
		Name:    "corrupt",
		Args:    "IN OUT",
		Summary: "write one image with an ImageNet-C corruption",
		Help: `Corrupt writes the image IN to OUT (PNG or JPEG by extension) with one of the
14 ImageNet-C corruptions at severity 1..5, at IN's own size (or, with
--size, after a centre crop resized to --size, as an evaluation view). The
result is what the policy corrupt:NAME,severity=S gives in the pipeline: a
pure function of the image, --seed and --id (default: IN's file name).

Images up to 84 px on the shorter side get CIFAR-10-C's parameters, larger
ones ImageNet-C's, with parameters measured in pixels scaled by the side
(docs/corruptions.md).

Corruptions: ` + strings.Join(augment.Corruptions(), ", ") + `.`,
		Run: runCorrupt,
	})
}

func runCorrupt(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	name := fs.String("corruption", "", "corruption name (required), e.g. fog")
	severity := fs.Int("severity", 0, "severity 1..5 (required)")
	seed := fs.Int64("seed", 0, "run seed")
	id := fs.String("id", "", "image id the corruption's randomness is keyed on (default: IN's base name)")
	size := fs.Int("size", 0, "centre-crop (7/8 of the shorter side) and resize to this side first; 0 keeps IN as it is")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("corrupt takes IN and OUT, got %d arguments", fs.NArg())
	}
	if *name == "" || *severity == 0 {
		return usageErrorf("--corruption and --severity are required (corruptions: %s; severities 1..%d)",
			strings.Join(augment.Corruptions(), ", "), augment.MaxSeverity)
	}
	in, out := fs.Arg(0), fs.Arg(1)
	if _, err := augImageFormat(out); err != nil {
		return usageErrorf("%v", err)
	}
	aug, err := augment.New(fmt.Sprintf("corrupt:%s,severity=%d", *name, *severity), augment.Options{Crop: augment.CropNone})
	if err != nil {
		return usageErrorf("%v", err)
	}
	img, err := augReadImage(in)
	if err != nil {
		return err
	}
	if *size != 0 {
		if img, err = centreView(img, *size); err != nil {
			return usageErrorf("--size: %v", err)
		}
	}
	if *id == "" {
		*id = filepath.Base(in)
	}
	res, err := aug.View(img, *seed, *id, 0, 0)
	if err != nil {
		return err
	}
	if err := augWriteImage(ctx, out, res); err != nil {
		return err
	}
	b := res.Bounds()
	table, scale := augment.CorruptionTable(b.Dx(), b.Dy())
	fmt.Fprintf(s.Out, "%s: %dx%d, %s (%s table, pixel parameters x%.3g), seed %d, id %q\n",
		out, b.Dx(), b.Dy(), aug.Policy(), table, scale, *seed, *id)
	return nil
}

// centreView returns img's evaluation view: the centred square of 7/8 of
// the shorter side resized to size (Resize(size/0.875) + CenterCrop(size)).
func centreView(img image.Image, size int) (image.Image, error) {
	a, err := augment.New("none", augment.Options{Size: size, Crop: augment.CropCenter})
	if err != nil {
		return nil, err
	}
	return a.View(img, 0, "", 0, 0)
}
