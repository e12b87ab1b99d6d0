package augment

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var corruptInputs = flag.String("corrupt-inputs", "", "write TestCorruptReference's input images to this folder (for testdata/corrupt/reference.py)")

// refTolerance bounds the differences between our samples and the
// reference's: the largest, in levels, and the fraction of samples more
// than one level off. The reference truncates float results to 8 bits, so
// a last-bit difference in the float arithmetic (summation order, OpenCV's
// DFT convolution, float32 against float64) can move a sample across an
// integer: one level. JPEG is integer arithmetic throughout, libjpeg's.
type refTolerance struct {
	max   int
	over1 float64
}

var corruptRefTolerance = map[string]refTolerance{
	"brightness":       {1, 0},
	"contrast":         {1, 0},
	"pixelate":         {0, 0},
	"defocus_blur":     {0, 0},
	"zoom_blur":        {1, 0},
	"jpeg_compression": {0, 0},
}

// TestCorruptReference compares the deterministic corruptions with the
// reference implementation's output on the same images
// (testdata/corrupt/NAME.png, made by testdata/corrupt/reference.py).
func TestCorruptReference(t *testing.T) {
	in := map[string]*image.RGBA{
		"chelsea32":  testImages(t, 32)["chelsea"],
		"digit32":    digitImage(32),
		"chelsea224": testImages(t, 224)["chelsea"],
	}
	if *corruptInputs != "" {
		for name, m := range in {
			writePNG(t, filepath.Join(*corruptInputs, name+".png"), m)
		}
	}
	for name, tol := range corruptRefTolerance {
		want := readPNG(t, filepath.Join("testdata/corrupt", name+".png"))
		var maxDiff, differ, over1, n int
		for sev := 1; sev <= MaxSeverity; sev++ {
			got := [4]*image.RGBA{}
			got[0] = corruptView(t, in["chelsea32"], name, sev, 0)
			got[1] = corruptView(t, in["digit32"], name, sev, 0)
			c := corruptView(t, in["chelsea224"], name, sev, 0)
			got[2] = c.SubImage(image.Rect(0, 0, 32, 32)).(*image.RGBA)
			got[3] = c.SubImage(image.Rect(96, 96, 128, 128)).(*image.RGBA)
			for col, g := range got {
				for y := 0; y < 32; y++ {
					for x := 0; x < 32; x++ {
						gp := g.RGBAAt(g.Rect.Min.X+x, g.Rect.Min.Y+y)
						wp := want.RGBAAt(col*32+x, (sev-1)*32+y)
						for _, d := range [3]int{int(gp.R) - int(wp.R), int(gp.G) - int(wp.G), int(gp.B) - int(wp.B)} {
							d = max(d, -d)
							maxDiff = max(maxDiff, d)
							if d != 0 {
								differ++
							}
							if d > 1 {
								over1++
							}
							n++
						}
					}
				}
			}
		}
		f1 := float64(over1) / float64(n)
		t.Logf("%-16s max difference %2d levels; of %d samples %.2f%% differ, %.2f%% by more than 1", name, maxDiff, n, 100*float64(differ)/float64(n), 100*f1)
		if maxDiff > tol.max || f1 > tol.over1 {
			t.Errorf("%s: a sample differs from the reference by %d levels, %.2f%% by more than 1 (tolerance %d, %.2f%%)", name, maxDiff, 100*f1, tol.max, 100*tol.over1)
		}
	}
}

func writePNG(t *testing.T, path string, m image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ToRGBA(m)
}

// TestMotionBlurReference compares ImageMagick's motion blur, which
// motion_blur and snow use with a random angle, at fixed angles with
// ImageMagick's own output (testdata/corrupt/motion_blur.png, made by
// reference.py through Wand as the reference calls it): the same bytes.
func TestMotionBlurReference(t *testing.T) {
	want := readPNG(t, "testdata/corrupt/motion_blur.png")
	c224 := testImages(t, 224)["chelsea"]
	cases := []struct {
		img                  *image.RGBA
		at                   image.Point
		radius, sigma, angle float64
	}{
		{testImages(t, 32)["chelsea"], image.Pt(0, 0), 6, 1.5, -20},
		{digitImage(32), image.Pt(0, 0), 9, 2.5, 40},
		{c224, image.Pt(96, 96), 15, 5, 30},
		{c224, image.Pt(0, 0), 20, 15, -45},
	}
	var maxDiff, differ, n int
	for col, c := range cases {
		w, h := c.img.Rect.Dx(), c.img.Rect.Dy()
		in := make([]float64, 3*w*h)
		for i := range w * h {
			for ch := range 3 {
				in[3*i+ch] = float64(c.img.Pix[4*i+ch])
			}
		}
		out := imMotionBlur(in, w, h, 3, c.radius, c.sigma, c.angle)
		for y := 0; y < 32; y++ {
			for x := 0; x < 32; x++ {
				i := (c.at.Y+y)*w + c.at.X + x
				wp := want.RGBAAt(col*32+x, y)
				for ch, wv := range [3]uint8{wp.R, wp.G, wp.B} {
					d := int(imLevel(out[3*i+ch])) - int(wv)
					d = max(d, -d)
					maxDiff = max(maxDiff, d)
					if d != 0 {
						differ++
					}
					n++
				}
			}
		}
	}
	t.Logf("motion blur: max difference %d levels; %.2f%% of %d samples differ", maxDiff, 100*float64(differ)/float64(n), n)
	if differ > 0 {
		t.Errorf("motion blur: %d of %d samples differ from ImageMagick's, by up to %d levels", differ, n, maxDiff)
	}
}

// TestCorruptReferencePSNR compares every corruption with the reference in
// distribution: the PSNR against the clean image (of the mean squared
// error over seeds) of ours and of the reference's functions run by
// testdata/corrupt/reference_psnr.py (numpy's seeds 0..63 at 32 px, 0..7
// at 224 px), per image and severity. Random corruptions cannot agree
// sample for sample (different generators), but the same algorithm with
// the same parameters must damage an image by the same amount. Ours uses
// 16 seeds at 32 px (64 for snow, whose streaks smeared off the edge make
// its error heavy-tailed) and 3 at 224 px (the suite's time): the
// tolerance covers their spread.
func TestCorruptReferencePSNR(t *testing.T) {
	f, err := os.ReadFile("testdata/corrupt/reference_psnr.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]map[string][MaxSeverity]float64
	if err := json.Unmarshal(f, &ref); err != nil {
		t.Fatalf("reference_psnr.json: %v", err)
	}
	in := map[string]*image.RGBA{
		"chelsea32":  testImages(t, 32)["chelsea"],
		"digit32":    digitImage(32),
		"chelsea224": testImages(t, 224)["chelsea"],
	}
	seeds := map[string]int64{"chelsea32": 16, "digit32": 16, "chelsea224": 3}
	for _, img := range []string{"chelsea32", "digit32", "chelsea224"} {
		for _, name := range Corruptions() {
			want, ok := ref[img][name]
			if !ok {
				t.Fatalf("reference_psnr.json has no %s for %s", name, img)
			}
			var got [MaxSeverity]float64
			worst := 0.0
			for sev := 1; sev <= MaxSeverity; sev++ {
				e := 0.0
				n := seeds[img]
				if name == "snow" && img != "chelsea224" {
					n = 64
				}
				for seed := range n {
					e += mse(in[img], corruptView(t, in[img], name, sev, seed))
				}
				got[sev-1] = min(psnrOf(e/float64(n)), 99)
				worst = max(worst, math.Abs(got[sev-1]-want[sev-1]))
			}
			t.Logf("%-10s %-18s ours %5.1f %5.1f %5.1f %5.1f %5.1f  reference %5.1f %5.1f %5.1f %5.1f %5.1f", img, name,
				got[0], got[1], got[2], got[3], got[4], want[0], want[1], want[2], want[3], want[4])
			if worst > corruptPSNRTolerance {
				t.Errorf("%s on %s: PSNR differs from the reference's by up to %.1f dB (tolerance %.1f)", name, img, worst, corruptPSNRTolerance)
			}
		}
	}
}

// corruptPSNRTolerance is TestCorruptReferencePSNR's tolerance in dB.
const corruptPSNRTolerance = 1.0

// TestJPEGQualities compares the JPEG round trip with Pillow's at every
// quality from 5 to 100 in steps of 5 (testdata/corrupt/jpeg_qualities.png,
// made by reference.py), not only at the five of the tables.
func TestJPEGQualities(t *testing.T) {
	want := readPNG(t, "testdata/corrupt/jpeg_qualities.png")
	for row, img := range []*image.RGBA{testImages(t, 32)["chelsea"], digitImage(32)} {
		for col := range 20 {
			q := 5 * (col + 1)
			got := newRGBA(32, 32)
			jpegRoundTrip(got, img, q)
			w := want.SubImage(image.Rect(32*col, 32*row, 32*col+32, 32*row+32)).(*image.RGBA)
			sameImage(t, fmt.Sprintf("image %d quality %d", row, q), got, &image.RGBA{Pix: w.Pix, Stride: w.Stride, Rect: image.Rect(0, 0, 32, 32)})
		}
	}
}

// TestWarpAffineReference compares elastic_transform's affine step with
// cv2.warpAffine for a fixed map (testdata/corrupt/warp_affine.png, made by
// reference.py): OpenCV computes in float32, we in float64, so a sample
// truncated to 8 bits may land a level apart.
func TestWarpAffineReference(t *testing.T) {
	want := readPNG(t, "testdata/corrupt/warp_affine.png")
	src := testImages(t, 32)["chelsea"]
	m := affineFrom3([3][2]float64{{26, 26}, {26, 6}, {6, 6}},
		[3][2]float64{{float64(float32(27.3)), float64(float32(24.9))}, {float64(float32(25.1)), float64(float32(7.7))}, {float64(float32(4.2)), float64(float32(5.5))}})
	got := newRGBA(32, 32)
	warpAffineCV(toFloat(src), invertAffine(m)).store(got)
	differ, maxDiff := 0, 0
	for i := range got.Pix {
		d := int(got.Pix[i]) - int(want.Pix[i])
		d = max(d, -d)
		maxDiff = max(maxDiff, d)
		if d != 0 {
			differ++
		}
	}
	t.Logf("warpAffine: %d of %d samples differ, by up to %d", differ, len(got.Pix)*3/4, maxDiff)
	if maxDiff > 1 || differ*100 > len(got.Pix)*3/4 {
		t.Errorf("warpAffine: %d samples differ from OpenCV's, by up to %d levels (tolerance 1 level, 1%%)", differ, maxDiff)
	}
}
