package augment

import "fmt"

// CropMode selects how a view is cut out of the image before the policy.
type CropMode int

const (
	// CropRandom is a training view: random resized crop to Size×Size, then a
	// horizontal flip with probability 1/2.
	CropRandom CropMode = iota
	// CropCenter is an eval view: the centred square of 0.875 of the short
	// side (SimCLR's crop proportion), resized to Size×Size; no flip.
	CropCenter
	// CropNone keeps the whole image at its own size: no crop, resize or
	// flip. With an ops: policy it applies exactly those ops.
	CropNone
)

var cropNames = [...]string{CropRandom: "random", CropCenter: "center", CropNone: "none"}

// CropModes returns the crop modes' names in order: random, center, none.
func CropModes() []string { return append([]string(nil), cropNames[:]...) }

// ParseCropMode parses "random" (or ""), "center" or "none".
func ParseCropMode(s string) (CropMode, error) {
	if s == "" {
		return CropRandom, nil
	}
	for c, name := range cropNames {
		if s == name {
			return CropMode(c), nil
		}
	}
	return CropRandom, fmt.Errorf("augment: unknown crop mode %q (want random, center or none)", s)
}

// String returns "random", "center" or "none", or CropMode(N) for a value
// that is none of them.
func (c CropMode) String() string {
	if c >= 0 && int(c) < len(cropNames) {
		return cropNames[c]
	}
	return fmt.Sprintf("CropMode(%d)", int(c))
}

// MarshalText returns the crop mode's name; a value that is no crop mode is an error.
func (c CropMode) MarshalText() ([]byte, error) {
	if c < 0 || int(c) >= len(cropNames) {
		return nil, fmt.Errorf("augment: unknown crop mode %d", int(c))
	}
	return []byte(cropNames[c]), nil
}

// UnmarshalText parses a crop mode's name as ParseCropMode does.
func (c *CropMode) UnmarshalText(b []byte) error {
	m, err := ParseCropMode(string(b))
	if err != nil {
		return err
	}
	*c = m
	return nil
}
