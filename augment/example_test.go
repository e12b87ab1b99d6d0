package augment_test

import (
	"fmt"
	"image"
	_ "image/jpeg"
	"log"
	"os"

	"github.com/supcon/supcon/augment"
)

// Two training views of one photograph with the paper's AutoAugment
// policy, as the pipeline makes them: decode once, then one View call per
// view. The same (seed, id, view, epoch) always gives the same pixels.
func ExampleNew() {
	f, err := os.Open("testdata/rocket.jpg")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		log.Fatal(err)
	}
	aug, err := augment.New("autoaugment:imagenet", augment.Options{Size: 224})
	if err != nil {
		log.Fatal(err)
	}
	for view := 0; view < 2; view++ {
		v, err := aug.View(img, 42, "rocket.jpg", view, 0)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("view %d: %T %v\n", view, v, v.Bounds())
	}
	fmt.Println(aug.Policy())
	// Output:
	// view 0: *image.RGBA (0,0)-(224,224)
	// view 1: *image.RGBA (0,0)-(224,224)
	// autoaugment:imagenet
}

// An ops: policy with CropNone applies exactly the listed ops at the
// image's own size: how a single op is checked.
func ExampleParse() {
	p, err := augment.Parse("ops:rotate=30.0,posterize=4")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p)
	for _, op := range p.Ops(augment.NewRand(1, "x", 0, 0), 640, 427) {
		fmt.Printf("%T %v\n", op, op)
	}
	_, err = augment.Parse("randaugment:n=2,m=12")
	fmt.Println(err)
	// Output:
	// ops:rotate=30,posterize=4
	// augment.Rotate rotate=30
	// augment.Posterize posterize=4
	// policy "randaugment:n=2,m=12": parameter m: 12 out of range [0, 10] (tf magnitudes are levels 0..10)
}
