package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"path/filepath"

	"github.com/supcon/supcon/augment"
)

// pvCorruptLabel is the width of the corruption names' column.
const pvCorruptLabel = 130

// previewCorruptions draws preview --corruptions's sheet: for each image,
// its evaluation view at size px (centre crop, as `supcon corrupt --size`
// makes it) in the first column, then every corruption (a row each) at
// severities 1..5, each cell magnified zoom times (nearest neighbour) so
// that 32 px views can be seen.
func previewCorruptions(ctx context.Context, s *streams, paths []string, size, zoom int, seed int64, out string) error {
	names := augment.Corruptions()
	cellSide := size * zoom
	cell := cellSide + pvGap
	block := pvLabel + pvLabel + len(names)*cell
	sheet := image.NewRGBA(image.Rect(0, 0, pvCorruptLabel+(augment.MaxSeverity+1)*cell+pvGap, pvHeader+len(paths)*block+pvGap))
	draw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.RGBA{32, 32, 32, 255}), image.Point{}, draw.Src)
	table, scale := augment.CorruptionTable(size, size)
	pvText(sheet, pvGap, 15, fmt.Sprintf("corruptions at %d px (%s table, pixel parameters x%.3g)   seed %d   shown x%d",
		size, table, scale, seed, zoom))
	for row, path := range paths {
		img, err := augReadImage(path)
		if err != nil {
			return err
		}
		clean, err := centreView(img, size)
		if err != nil {
			return usageErrorf("--size: %v", err)
		}
		id := filepath.Base(path)
		y := pvHeader + row*block
		pvText(sheet, pvGap, y+11, fmt.Sprintf("%s (%dx%d)", id, img.Bounds().Dx(), img.Bounds().Dy()))
		y += pvLabel
		pvText(sheet, pvCorruptLabel, y+11, "clean")
		for sev := 1; sev <= augment.MaxSeverity; sev++ {
			pvText(sheet, pvCorruptLabel+sev*cell, y+11, fmt.Sprintf("severity %d", sev))
		}
		y += pvLabel
		for i, name := range names {
			cy := y + i*cell
			pvText(sheet, pvGap, cy+cellSide/2+4, name)
			pvZoom(sheet, image.Pt(pvCorruptLabel, cy), clean, zoom)
			for sev := 1; sev <= augment.MaxSeverity; sev++ {
				aug, err := augment.New(fmt.Sprintf("corrupt:%s,severity=%d", name, sev), augment.Options{Crop: augment.CropNone})
				if err != nil {
					return err
				}
				m, err := aug.View(clean, seed, id, 0, 0)
				if err != nil {
					return err
				}
				pvZoom(sheet, image.Pt(pvCorruptLabel+sev*cell, cy), m, zoom)
			}
		}
	}
	if err := augWriteImage(ctx, out, sheet); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "%s: %dx%d, %d images x %d corruptions x (clean + severities 1..%d) at %d px, shown x%d\n",
		out, sheet.Bounds().Dx(), sheet.Bounds().Dy(), len(paths), len(names), augment.MaxSeverity, size, zoom)
	return nil
}

// pvZoom draws m at p magnified z times by pixel repetition.
func pvZoom(dst *image.RGBA, p image.Point, m image.Image, z int) {
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r := image.Rect(0, 0, z, z).Add(p).Add(image.Pt((x-b.Min.X)*z, (y-b.Min.Y)*z))
			draw.Draw(dst, r, image.NewUniform(m.At(x, y)), image.Point{}, draw.Src)
		}
	}
}
