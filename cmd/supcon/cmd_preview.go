package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/supcon/supcon/augment"
)

func init() {
	register(&command{
		Name:    "preview",
		Args:    "IMAGE...",
		Summary: "draw a contact sheet of a policy's views",
		Help: `Preview draws a contact sheet to --out (PNG or JPEG): one row per IMAGE with the
original (fitted into the cell) followed by --views training views (random
resized crop, flip, policy), under a header naming the policy and seed.
View k of an image is exactly what 'supcon apply --view k' writes for it.
Lost views (content gone: a grey-level standard deviation under 2, e.g. the
whole frame translated out) are outlined in red and counted.

With --corruptions it draws the ImageNet-C corruptions instead (no --policy):
for each IMAGE its evaluation view at --size px (centre crop) and a row per
corruption at severities 1..5, each exactly what 'supcon corrupt --size'
writes; --zoom magnifies the cells (default: enough to make them 96 px), e.g.

  supcon preview --corruptions --size 32 --out sheet32.png photo.jpg`,
		Run: runPreview,
	})
}

// preview layout, in pixels.
const (
	pvGap    = 4
	pvHeader = 22
	pvLabel  = 15
)

func runPreview(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	policy := fs.String("policy", "", "policy spec (required)")
	views := fs.Int("views", 4, "views per image")
	seed := fs.Int64("seed", 0, "run seed")
	epoch := fs.Int("epoch", 0, "epoch")
	size := fs.Int("size", 160, "side of each cell (the views' size) in pixels")
	out := fs.String("out", "", "output file, .png or .jpg (required)")
	corruptions := fs.Bool("corruptions", false, "draw every corruption at severities 1..5 instead of a policy's views")
	zoom := fs.Int("zoom", 0, "with --corruptions: magnification of the cells (0: enough for 96 px)")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("preview needs at least one IMAGE")
	}
	if *out == "" {
		return usageErrorf("--out is required")
	}
	if _, err := augImageFormat(*out); err != nil {
		return usageErrorf("%v", err)
	}
	if *views < 1 || *views > 64 {
		return usageErrorf("--views %d: want 1..64", *views)
	}
	if *size < 16 || *size > 1024 {
		return usageErrorf("--size %d: want 16..1024", *size)
	}
	if *corruptions {
		if *policy != "" {
			return usageErrorf("--corruptions draws the corruptions: give no --policy")
		}
		if *zoom == 0 {
			*zoom = max(1, (96+*size-1) / *size)
		}
		if *zoom < 1 || *zoom > 16 {
			return usageErrorf("--zoom %d: want 1..16", *zoom)
		}
		return previewCorruptions(ctx, s, fs.Args(), *size, *zoom, *seed, *out)
	}
	return previewViews(ctx, s, fs.Args(), previewSheet{policy: *policy, views: *views, seed: *seed, epoch: *epoch, size: *size, out: *out})
}

// previewSheet is what a policy's contact sheet shows.
type previewSheet struct {
	policy      string
	views, size int
	seed        int64
	epoch       int
	out         string
}

// previewViews draws a row per image: the original fitted into a cell, then
// p.views training views, lost ones outlined in red; it writes the sheet to
// p.out and prints what it drew.
func previewViews(ctx context.Context, s *streams, paths []string, p previewSheet) error {
	aug, err := augNew(p.policy, p.size, "random", 3, 0.08)
	if err != nil {
		return err
	}
	fit, err := augment.New("none", augment.Options{Crop: augment.CropNone})
	if err != nil {
		return err
	}
	n, lost, cell := len(paths), 0, p.size+pvGap
	sheet := image.NewRGBA(image.Rect(0, 0, pvGap+(p.views+1)*cell, pvHeader+n*(cell+pvLabel)+pvGap))
	draw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.RGBA{32, 32, 32, 255}), image.Point{}, draw.Src)
	pvText(sheet, pvGap, 15, fmt.Sprintf("policy %s   seed %d   epoch %d", aug.Policy(), p.seed, p.epoch))
	for row, path := range paths {
		img, err := augReadImage(path)
		if err != nil {
			return err
		}
		y := pvHeader + row*(cell+pvLabel)
		id := filepath.Base(path)
		pvText(sheet, pvGap, y+11, fmt.Sprintf("%s (%dx%d)   views 0..%d", id, img.Bounds().Dx(), img.Bounds().Dy(), p.views-1))
		y += pvLabel
		orig, err := fit.View(img, 0, id, 0, 0)
		if err != nil {
			return err
		}
		pvFit(sheet, image.Rect(pvGap, y, pvGap+p.size, y+p.size), orig)
		for v := 0; v < p.views; v++ {
			m, err := aug.View(img, p.seed, id, v, p.epoch)
			if err != nil {
				return err
			}
			r := image.Rect(pvGap+(v+1)*cell, y, pvGap+(v+1)*cell+p.size, y+p.size)
			draw.Draw(sheet, r, m, image.Point{}, draw.Src)
			if augment.Lost(m) {
				lost++
				pvLostMark(sheet, r)
			}
		}
	}
	if err := augWriteImage(ctx, p.out, sheet); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%s: %dx%d, %d images x (original + %d views), policy %s\n",
		p.out, sheet.Bounds().Dx(), sheet.Bounds().Dy(), n, p.views, aug.Policy())
	fmt.Fprintf(s.Out, "lost views: %d of %d (content gone: grey-level std under %v; outlined in red)\n",
		lost, n*p.views, augment.LostStdDev)
	return nil
}

// pvLostMark outlines a lost view's cell in red, 2 px inside its edge.
func pvLostMark(dst *image.RGBA, r image.Rectangle) {
	red := image.NewUniform(color.RGBA{220, 30, 30, 255})
	for _, e := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+2), image.Rect(r.Min.X, r.Max.Y-2, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+2, r.Max.Y), image.Rect(r.Max.X-2, r.Min.Y, r.Max.X, r.Max.Y),
	} {
		draw.Draw(dst, e, red, image.Point{}, draw.Src)
	}
}

// pvFit draws img scaled to fit inside r (aspect kept, centred) with PIL
// bilinear resampling.
func pvFit(dst *image.RGBA, r image.Rectangle, img image.Image) {
	b := img.Bounds()
	w, h := r.Dx(), r.Dy()
	if b.Dx()*h > b.Dy()*w {
		h = max(1, b.Dy()*w/b.Dx())
	} else {
		w = max(1, b.Dx()*h/b.Dy())
	}
	rc := augment.ResizedCrop{Rect: b, Width: w, Height: h}
	at := image.Rect(0, 0, w, h).Add(r.Min).Add(image.Pt((r.Dx()-w)/2, (r.Dy()-h)/2))
	rc.Draw(dst.SubImage(at).(*image.RGBA), img, nil)
}

// pvText writes s in white with basicfont's 7×13 face, baseline at y.
func pvText(dst *image.RGBA, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.White, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
