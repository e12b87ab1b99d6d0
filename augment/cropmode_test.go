package augment

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseCropMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want CropMode
		err  string
	}{
		{"", CropRandom, ""},
		{"random", CropRandom, ""},
		{"center", CropCenter, ""},
		{"none", CropNone, ""},
		{"middle", CropRandom, `unknown crop mode "middle"`},
		{"Center", CropRandom, `unknown crop mode "Center"`},
	} {
		got, err := ParseCropMode(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseCropMode(%q) = %v, %v; want %v, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestCropModeText(t *testing.T) {
	for i, name := range CropModes() {
		c := CropMode(i)
		b, err := json.Marshal(c)
		if err != nil || string(b) != `"`+name+`"` || c.String() != name {
			t.Errorf("CropMode(%d): JSON %s (%v), String %q; want %q", i, b, err, c.String(), name)
		}
		var back CropMode
		if err := json.Unmarshal(b, &back); err != nil || back != c {
			t.Errorf("CropMode(%d) read back as %v, %v", i, back, err)
		}
	}
	if _, err := json.Marshal(CropMode(7)); err == nil {
		t.Errorf("CropMode(7) marshalled")
	}
	if s := CropMode(7).String(); s != "CropMode(7)" {
		t.Errorf("CropMode(7).String() = %q", s)
	}
	CropModes()[0] = "changed"
	if CropModes()[0] != "random" {
		t.Errorf("CropModes returns the package's own array")
	}
}
