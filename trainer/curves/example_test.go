package curves_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"
	"math"

	"github.com/supcon/supcon/trainer/curves"
)

// A run's loss and learning rate drawn as one PNG.
func ExampleRender() {
	var pts []curves.Point
	for step := range int64(200) {
		pts = append(pts, curves.Point{
			Step:  step,
			Epoch: float64(step) / 50,
			Loss:  5 * math.Exp(-float64(step)/80),
			LR:    0.1 * (1 + math.Cos(math.Pi*float64(step)/200)) / 2,
		})
	}
	var buf bytes.Buffer
	if err := curves.Render(&buf, pts, curves.Options{Width: 450, Height: 300}); err != nil {
		log.Fatal(err)
	}
	cfg, err := png.DecodeConfig(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d×%d PNG\n", cfg.Width, cfg.Height)
	// Output:
	// 450×300 PNG
}
