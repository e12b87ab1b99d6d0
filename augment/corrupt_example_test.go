package augment_test

import (
	"fmt"
	"image"
	_ "image/png"
	"log"
	"os"

	"github.com/supcon/supcon/augment"
)

// A corrupted test image, as ImageNet-C makes it: the evaluation view
// (centre crop to 224 px), then fog at severity 3 on the whole view. The
// corruption's randomness comes from (seed, id), so the same call gives
// the same bytes.
func ExampleCorruptions() {
	f, err := os.Open("testdata/chelsea.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		log.Fatal(err)
	}
	eval, err := augment.New("none", augment.Options{Size: 224, Crop: augment.CropCenter})
	if err != nil {
		log.Fatal(err)
	}
	clean, err := eval.View(img, 0, "chelsea.png", 0, 0)
	if err != nil {
		log.Fatal(err)
	}
	fog, err := augment.New("corrupt:fog,severity=3", augment.Options{Crop: augment.CropNone})
	if err != nil {
		log.Fatal(err)
	}
	out, err := fog.View(clean, 42, "chelsea.png", 0, 0)
	if err != nil {
		log.Fatal(err)
	}
	table, scale := augment.CorruptionTable(224, 224)
	fmt.Println(len(augment.Corruptions()), "corruptions, first", augment.Corruptions()[0])
	fmt.Println(fog.Policy(), out.Bounds(), table, scale)
	// Output:
	// 14 corruptions, first gaussian_noise
	// corrupt:fog,severity=3 (0,0)-(224,224) imagenet-c 1
}
