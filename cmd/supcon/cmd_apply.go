package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/supcon/supcon/augment"
)

func init() {
	register(&command{
		Name:    "apply",
		Args:    "IN OUT",
		Summary: "write one augmented view of one image",
		Help: `Apply writes one view of the image IN to OUT (PNG or JPEG by extension), as the
pipeline would make it: random resized crop to --size, horizontal flip with
p = 0.5, then the policy. The view is a pure function of the image, the
policy, --seed, --id (default: IN's file name), --view and --epoch.

With --crop none nothing is cropped, resized or flipped: an ops: policy then
applies exactly its ops at the image's own size, e.g.

  supcon apply --crop none --policy ops:rotate=30,posterize=4 in.jpg out.png

Policies: none, autoaugment[:imagenet|v0|cifar10|svhn][,convention=tv],
randaugment[:n=N,m=M,convention=tf|tv], trivialaugment,
simaugment[:strength=S,blur=P,warp=P], stacked-randaugment[:...],
ops:OP[=ARG],... (see the augment package's Parse for the grammar).

In the tf convention, pixel-measured arguments (translate, cutout) are the
fraction of the view's side that the policy's reference implementation used
(pixels=rel, the default); add pixels=abs to keep TF's absolute pixels, e.g.
randaugment:n=2,m=10,pixels=abs. See docs/policies.md.`,
		Run: runApply,
	})
}

func runApply(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	policy := fs.String("policy", "", "policy spec (required), e.g. autoaugment:imagenet")
	seed := fs.Int64("seed", 0, "run seed")
	id := fs.String("id", "", "image id the view's randomness is keyed on (default: IN's base name)")
	view := fs.Int("view", 0, "view index")
	epoch := fs.Int("epoch", 0, "epoch")
	size := fs.Int("size", 224, "output side in pixels (random and center crops)")
	crop := fs.String("crop", "random", "random (training view), center (eval view) or none (whole image, own size)")
	channels := fs.Int("channels", 3, "3 for RGB output, 1 for gray")
	minArea := fs.Float64("min-area", 0.08, "smallest area fraction of the random crop (0.08 ImageNet, 0.2 CIFAR)")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErrorf("apply takes IN and OUT, got %d arguments", fs.NArg())
	}
	in, out := fs.Arg(0), fs.Arg(1)
	aug, err := augNew(*policy, *size, *crop, *channels, *minArea)
	if err != nil {
		return err
	}
	if _, err := augImageFormat(out); err != nil {
		return usageErrorf("%v", err)
	}
	img, err := augReadImage(in)
	if err != nil {
		return err
	}
	if *id == "" {
		*id = filepath.Base(in)
	}
	plan := aug.Plan(img.Bounds(), *seed, *id, *view, *epoch)
	res := aug.Render(img, plan)
	if err := augWriteImage(ctx, out, res); err != nil {
		return err
	}
	b := img.Bounds()
	fmt.Fprintf(s.Out, "%s: %dx%d from %s (%dx%d), policy %s, seed %d, id %q, view %d, epoch %d: %s\n",
		out, res.Bounds().Dx(), res.Bounds().Dy(), in, b.Dx(), b.Dy(), aug.Policy(), *seed, *id, *view, *epoch, plan)
	return nil
}

// augNew builds an augmenter from command-line values; a bad value is a
// usage error.
func augNew(policy string, size int, crop string, channels int, minArea float64) (*augment.Augmenter, error) {
	if policy == "" {
		return nil, usageErrorf("--policy is required (e.g. --policy autoaugment:imagenet)")
	}
	mode, err := augment.ParseCropMode(crop)
	if err != nil {
		return nil, usageErrorf("--crop: %v", err)
	}
	aug, err := augment.New(policy, augment.Options{Size: size, Channels: channels, MinArea: minArea, Crop: mode})
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return aug, nil
}
