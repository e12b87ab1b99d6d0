// Package augment makes the augmented views of Supervised Contrastive
// Learning: every op and policy of the paper (AutoAugment, RandAugment,
// SimAugment, Stacked RandAugment, TrivialAugmentWide), exact, deterministic
// and fast.
//
// # Use
//
// The pipeline builds one Augmenter per policy and calls View per image and
// view:
//
//	aug, err := augment.New("autoaugment:imagenet", augment.Options{Size: 224})
//	...
//	img, err := aug.View(decoded, seed, id, view, epoch) // *image.RGBA, 224×224
//
// A view is a pure function of (image, policy, options, seed, id, view,
// epoch): all its random draws come from NewRand(seed, id, view, epoch), a
// PCG seeded with a SHA-256 of those four values. An Augmenter is immutable
// and safe for concurrent use. A training view (CropRandom) is a random
// resized crop to Size×Size with PIL's bilinear filter (area U(MinArea, 1),
// aspect U(3/4, 4/3), 100 attempts, centred-square fallback), a horizontal
// flip with probability 1/2, then the policy's ops. Any image.Image works:
// gray, paletted, alpha (dropped as PIL's convert("RGB") does), 16-bit
// (high byte kept), CMYK, YCbCr, 1×1, very wide or tall. For many views of
// one decoded JPEG, convert it to *image.RGBA once (ToRGBA) and pass that:
// every view then skips the colour conversion.
//
// # Policy specs
//
// Parse reads the strings users type: "autoaugment:imagenet",
// "randaugment:n=2,m=9,convention=tv", "simaugment:strength=0.5,blur=0.5",
// "stacked-randaugment", "trivialaugment", "none", and "ops:rotate=30,posterize=4"
// (explicit ops with physical arguments, always applied), with
// "pixels=abs" where TF's absolute pixel constants are wanted (see Sizes).
// Policy.String prints the canonical form. Two conventions map levels to arguments: tf
// (the default, TensorFlow's augment.py, what the paper ran; levels 0..10,
// fill grey 128) and tv (torchvision; magnitude bins, fill black). TV's
// RandAugment M = 9 is 9/30 of the maximum, TF's M = 9 is 9/10.
//
// # Sizes
//
// Translations and cutouts are measured in pixels, and TF's constants
// (translate 250 and cutout 100 for AutoAugment, 100 and 40 for
// RandAugment) are pixels of 224 px views: applied as such to a 32 px view
// they move or paint the whole picture out of the frame. So in the tf
// convention each is the fraction of the side that the policy's reference
// implementation used at its reference side, computed exactly (TF's value
// at the reference side times side/reference, truncated once where TF
// truncates): the ImageNet policies, RandAugment and Stacked RandAugment
// follow TF at 224 px, cifar10 and svhn the original AutoAugment CIFAR code
// at 32 px (at most 10 whole pixels). At the reference side the arguments,
// and the views, are the reference's bit for bit. The translation and
// cutout half-side at level 10 (tv: the top bin), in pixels:
//
//	policy                         32 px       64 px       224 px
//	randaugment (tf, M 10)         14.3 / 5    28.6 / 11   100 / 40
//	autoaugment:cifar10, svhn      10          20          70
//	autoaugment:v0 (its level 9)   32.1        64.3        225
//	any tf policy, pixels=abs      250 (AutoAugment) or 100 / 40 (RandAugment) at every side
//	tv AutoAugment, RandAugment    150/331 of the side: 14, 29, 101 (torchvision's own)
//	trivialaugment (tv)            4           9           32 (32/224 of the side)
//	trivialaugment:pixels=abs      32 at every side (torchvision as it is)
//
// "pixels=abs" in a spec keeps TF's absolute pixels, to reproduce a TF run
// bit for bit; at 224 px it changes nothing but cifar10 and svhn. Lost
// reports a view whose content is gone (grey-level standard deviation under
// 2: all fill, or flat); no policy loses more views at 28, 32 or 64 px than
// at its reference side (TestLostViews). docs/policies.md has the
// references, and compares timm (0.45 of the side) and torchvision
// (150/331 of the side).
//
// Stacked RandAugment follows SupCon's code, not the paper's appendix: colour
// jitter (p 0.8), then RandAugment(2, 10) on the TF scale, then grayscale
// (p 0.2), sparse warp, blur. The appendix puts RandAugment before the
// jitter.
//
// # Ops
//
// Every op is a gift.Filter (Bounds and Draw) and composes with gift's
// filters; the policies use its 8-bit fast path. gift's own filters are used
// only where their semantics are PIL's: its Invert and FlipHorizontal give
// the same bytes as Invert and FlipH (tested). Its Rotate grows the canvas
// and interpolates, its Contrast pivots at 0.5, its Brightness adds instead
// of scaling, its Grayscale and Resize work in 16-bit floats, its
// GaussianBlur repeats edges: none of them is what TF, torchvision or PIL do,
// so those ops are written here.
//
// How each op was checked against PIL (Pillow's source read: ImageOps.py,
// ImageEnhance.py, libImaging Geometry.c, Blend.c, Filter.c, Convert.c,
// Resample.c; no Python is available here, so expectations were worked out
// by hand from that code and written into golden tests):
//
//	op            PIL semantics reproduced                                   golden test (hand-computed)
//	ShearX/Y      Image.transform AFFINE (1,s,0,0,1,0) NEAREST: affine_fixed  4×4 pattern, s = ±0.5: row/column
//	              16.16 fixed point from (x+0.5, y+0.5), fill colour          shifts 0,1,1,2, fill 128
//	TranslateX/Y  same matrix (1,0,-t,0,1,0): ImagingScaleAffine in doubles   4×4, ±1 px, fill 128 and 0
//	Rotate        Image.rotate: angle % 360, 0 -> copy, matrix with cos/sin   3×2 at 90° (affine path), 180°,
//	              rounded to 15 decimals, centre (w/2, h/2), then affine      -270° = transpose, 45° stepped
//	                                                                          through affine_fixed by hand
//	Color         blend(L image, img, f): L = L24 fixed-point luma            (255,0,0) at f = 0, 0.5, 2
//	Contrast      blend(int(mean L + 0.5), img, f)                            black/white pair: mean 128
//	Brightness    blend(0, img, f)                                            f = 0, 0.5, 1.5
//	Sharpness     blend(SMOOTH, img, f): 3×3 /13 kernel in float32, +0.5,     3×3 impulse: 50.5 -> 50, f = 0,
//	              truncated, border kept, images < 3 px copied                0.5, 2; tiny image copied
//	(blend)       Blend.c: a + f·(b - a) in C float, truncated; clip when     all of the above
//	              f is outside [0, 1]; f = 0 and 1 copy
//	Posterize     x & ~(2^(8-b) - 1); b = 0 gives black (TF's shift by 8     bits 0, 1, 3, 8 on 8 values
//	              keeps the top bit instead: not copied)
//	Solarize      x < t ? x : 255 - x, t may be fractional (TV)               t = 0, 128, 226.67, 256
//	SolarizeAdd   TF only: x < 128 ? clip(x + a) : x                          a = 30, 200, -50
//	Cutout        TF only: rows/cols c-p .. c+p-1 clipped, fill 128           centre and corner
//	AutoContrast  per channel lo/hi, lut int(i·scale + offset) clipped        channels 50..150, constant, 0..254
//	Equalize      per channel: step = (n - last bin)/255, lut (step/2 +       1020 px: lut 0, 170, 255;
//	              cumsum)/step clipped; step 0 -> unchanged                   4 px (step 0) unchanged
//	Invert        255 - x; equals gift.Invert                                 values; gift comparison
//	Identity      copy                                                        property test
//	Grayscale     convert("L") (L24) tiled to RGB                             (255,0,0) -> 76
//	Hue           torchvision adjust_hue on PIL: rgb2hsv, H + int8(f·255),    (255,0,0) at ±0.5 -> (0,255,252),
//	              hsv2rgb (Convert.c, float/double as in C)                   (0,246,255); grey unchanged
//	ColorJitter   torchvision ColorJitter on PIL: the four ops above in a     equals its steps applied in order
//	              drawn order (Brightness, Contrast, Color, Hue)
//	FlipH         FLIP_LEFT_RIGHT; equals gift.FlipHorizontal                 3×2; gift comparison
//	ResizedCrop   crop then resize (Resample.c: support scaled by the         4->2, 2->4, vertical, bicubic 2->4
//	              downscale factor, horizontal pass first, 8-bit rounding     worked out from the filter weights;
//	              between passes). BICUBIC: PIL's 22-bit weights exactly.     bilinear vs the exact PIL code
//	              BILINEAR (every view): the same weights at 13 bits, three   (resizePIL) on the photographs:
//	              channels per multiply; may be one level off PIL             0.02% of samples one level off
//	GaussianBlur  SimCLR gaussian_blur (not PIL): 2r+1 taps, zero padding,    impulse and flat images; vs a
//	              13-bit weights, 8-bit rounding between passes               float reference: ≤ 1 level
//	SparseWarp    tfa sparse_image_warp order 2 (not PIL): thin-plate         uniform shift = translation with
//	              spline flow, bilinear sampling at p - flow(p), clamped      edge clamping
//
// Property tests check that neutral arguments are the identity (factor 1,
// 0°, shear 0, 8 bits, threshold 256, TV bin 0, ...), involutions, that
// Draw through gift equals the fast path, every image kind and size under
// every policy, and determinism (also under concurrency).
//
// # Corruptions
//
// The policy "corrupt:NAME,severity=S" applies one of the 14 corruptions of
// ImageNet-C and CIFAR-10-C (Hendrycks & Dietterich 2019; all but frost,
// whose photographs are not shipped), listed by Corruptions, at severity
// 1..5: with Options{Crop: CropNone} a View is the corrupted image at its
// own size, what the reference's make_imagenet_c.py (224 px) or
// make_cifar_c.py (32 px) makes of it. Images up to 84 px on the shorter
// side get CIFAR-10-C's parameters, larger ones ImageNet-C's (the table of
// the reference size nearer in scale), with parameters measured in pixels
// scaled by side/reference (CorruptionTable). The random draws (noise,
// shuffles, angles, fractals) come from the view's generator, so the same
// seed and id give the same bytes; they are not numpy's numbers, but the
// same distributions. The six deterministic ones (brightness, contrast,
// pixelate, zoom blur, defocus blur, and JPEG: libjpeg-turbo's integer
// pipeline, step by step) give the reference's bytes on the test images,
// and so does ImageMagick's motion blur (of motion_blur and snow) at a
// given angle; every corruption damages the test images by the reference's PSNR within
// 1 dB. testdata/corrupt holds the reference's outputs and the scripts that
// made them; docs/corruptions.md has the tables, the checks and the speed.
//
// # Speed
//
// Everything runs on 8-bit RGBA: point ops through 256-entry tables read
// and written a pixel (uint32) at a time, Color through a per-luma table,
// Sharpness's smoothing in exact integers, the affine ops in PIL's own 16.16
// fixed point. The crop and resize dominates: it reads JPEG (YCbCr), RGBA,
// NRGBA and gray sources directly (no conversion of the whole image), and
// packs R, G and B into 21-bit lanes of a uint64 so that one multiply
// weighs three channels (13-bit weights: see ResizedCrop). The blur uses
// the same packing. bench_test.go measures the five workloads from
// decoded images, as torchvision's figures do; `supcon bench augment` does
// the same from the command line.
package augment
