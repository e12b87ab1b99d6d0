package augment

import (
	"fmt"
	"image"
	"testing"
)

// TestNoFlip: with NoFlip no view is mirrored, and every other choice (crop,
// ops) is the one the flipping augmenter makes.
func TestNoFlip(t *testing.T) {
	flip, err := New("randaugment", Options{Size: 28, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	noflip, err := New("randaugment", Options{Size: 28, Channels: 1, NoFlip: true})
	if err != nil {
		t.Fatal(err)
	}
	b := image.Rect(0, 0, 28, 28)
	flipped := 0
	for i := 0; i < 200; i++ {
		id := fmt.Sprint("img", i)
		p, q := flip.Plan(b, 3, id, i%2, 0), noflip.Plan(b, 3, id, i%2, 0)
		if q.Flip {
			t.Fatalf("%s: NoFlip plan flips", id)
		}
		if p.Flip {
			flipped++
		}
		if p.Crop != q.Crop || fmt.Sprint(p.Ops) != fmt.Sprint(q.Ops) {
			t.Fatalf("%s: NoFlip changed the crop or ops: %v %v vs %v %v", id, p.Crop, p.Ops, q.Crop, q.Ops)
		}
	}
	if flipped < 60 || flipped > 140 {
		t.Fatalf("the flipping augmenter flipped %d of 200 views", flipped)
	}
}
