package input

import (
	"strings"
	"testing"
)

func TestNormalizeHWC(t *testing.T) {
	// Two samples of 2 pixels × 3 channels, HWC.
	px := []uint8{0, 51, 255, 255, 102, 0, 10, 20, 30, 40, 50, 60}
	dst := make([]float32, len(px))
	if err := NormalizeHWC(dst, px, 2, 3, []float32{0, 0.2, 0.5}, []float32{1, 0.2, 0.5}); err != nil {
		t.Fatal(err)
	}
	// Sample 0, CHW: channel 0 = 0, 1; channel 1 = 0, 1; channel 2 = 1, -1.
	want := []float32{0, 1, 0, 1, 1, -1}
	for i, w := range want {
		if d := dst[i] - w; d > 1e-6 || d < -1e-6 {
			t.Fatalf("dst[%d] = %v, want %v (all %v)", i, dst[i], w, dst[:6])
		}
	}
	for _, tc := range []struct {
		dst       []float32
		hw, c     int
		mean, std []float32
		want      string
	}{
		{make([]float32, 11), 2, 3, nil, nil, "into 11"},
		{make([]float32, 12), 5, 3, nil, nil, "samples of 5 pixels"},
		{make([]float32, 12), 2, 3, []float32{0}, nil, "3 channels with 1 means"},
		{make([]float32, 12), 2, 0, nil, nil, "0 channels"},
	} {
		if err := NormalizeHWC(tc.dst, px, tc.hw, tc.c, tc.mean, tc.std); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc, err)
		}
	}
}
