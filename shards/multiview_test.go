package shards

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func rawRecord(id string, label int64, views int) *Multiview {
	m := &Multiview{ID: id, Label: label, ClassText: "class" + string(rune('a'+label)), Format: FormatRaw,
		Height: 2, Width: 3, Channels: 3, Policy: "autoaugment:imagenet", Seed: 7, Epoch: 1}
	for v := 0; v < views; v++ {
		m.Views = append(m.Views, bytes.Repeat([]byte{byte(v)}, 18))
	}
	return m
}

func TestMultiviewRoundTrip(t *testing.T) {
	m := rawRecord("cats/001.jpg", 2, 3)
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalMultiview(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != m.ID || back.Label != 2 || back.ClassText != "classc" || len(back.Views) != 3 || back.Format != FormatRaw ||
		back.Height != 2 || back.Width != 3 || back.Channels != 3 || back.Policy != m.Policy || back.Seed != 7 || back.Epoch != 1 {
		t.Errorf("round trip: %+v, want %+v", back, m)
	}
	for i := range m.Views {
		if !bytes.Equal(back.Views[i], m.Views[i]) {
			t.Errorf("view %d differs", i)
		}
	}
	ex, _ := UnmarshalExample(data)
	if _, ok := ex.Features[KeyEncoded]; ok {
		t.Errorf("an augmented record got image/encoded")
	}
}

// One unaugmented encoded view is also an ImageNet-style record.
func TestMultiviewImageNetKeys(t *testing.T) {
	m := &Multiview{ID: "val/1", Label: 0, ClassText: "a", Views: [][]byte{[]byte("\x89PNG\r\n\x1a\nrest")}, Format: FormatPNG,
		Height: 4, Width: 4, Channels: 3, Policy: "none"}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := UnmarshalExample(data)
	if enc := ex.Features[KeyEncoded]; enc.Kind != KindBytes || !bytes.Equal(enc.Bytes[0], m.Views[0]) {
		t.Errorf("image/encoded = %+v", enc)
	}
	if f := ex.Features[KeyFormat]; f.Kind != KindBytes || string(f.Bytes[0]) != "png" {
		t.Errorf("image/format = %+v", f)
	}
	if _, err := MultiviewFromExample(ex); err != nil {
		t.Errorf("reading it back: %v", err)
	}
	ex.Features[KeyEncoded] = StringFeature("something else")
	if _, err := MultiviewFromExample(ex); err == nil || !strings.Contains(err.Error(), KeyEncoded) {
		t.Errorf("mismatched image/encoded: %v", err)
	}
}

func TestMultiviewValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(m *Multiview)
		want   string
	}{
		{"empty id", func(m *Multiview) { m.ID = "" }, "image/id: empty"},
		{"negative label", func(m *Multiview) { m.Label = -1 }, "negative label"},
		{"no views", func(m *Multiview) { m.Views = nil }, "no views"},
		{"raw size", func(m *Multiview) { m.Views[1] = m.Views[1][:17] }, "view 1 has 17 bytes, want 18"},
		{"channels", func(m *Multiview) { m.Channels = 2 }, "2 channels"},
		{"format", func(m *Multiview) { m.Format = "tiff" }, `unknown view format "tiff"`},
		{"png signature", func(m *Multiview) { m.Format = FormatPNG }, "view 0 is not a PNG"},
		{"jpeg signature", func(m *Multiview) { m.Format = FormatJPEG }, "view 0 is not a JPEG"},
		{"size", func(m *Multiview) { m.Width = 0 }, "not positive"},
		{"policy", func(m *Multiview) { m.Policy = "" }, "augment/policy: empty"},
	} {
		m := rawRecord("r1", 0, 2)
		tc.change(m)
		_, err := m.Marshal()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := rawRecord("r", 0, 2).CheckViews(3); err == nil || !strings.Contains(err.Error(), "2 views, but the dataset has 3") {
		t.Errorf("CheckViews: %v", err)
	}
}

func TestMultiviewSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(e *Example)
		want   string
	}{
		{"missing label", func(e *Example) { delete(e.Features, KeyLabel) }, `"r1": image/class/label: missing`},
		{"label as bytes", func(e *Example) { e.Features[KeyLabel] = StringFeature("3") }, "image/class/label: is bytes_list, want int64_list"},
		{"two heights", func(e *Example) { e.Features[KeyHeight] = Int64Feature(2, 2) }, "image/height: has 2 values, want 1"},
		{"views as ints", func(e *Example) { e.Features[KeyViews] = Int64Feature(1) }, "image/views/encoded: is int64_list"},
		{"missing views", func(e *Example) { delete(e.Features, KeyViews) }, "image/views/encoded: missing"},
		{"missing id", func(e *Example) { delete(e.Features, KeyID) }, "image/id: missing"},
		{"huge width", func(e *Example) { e.Features[KeyWidth] = Int64Feature(1 << 40) }, "out of range"},
		{"raw data disagrees", func(e *Example) { e.Features[KeyChannels] = Int64Feature(1) }, "want 6 (2x3x1 raw)"},
	} {
		e := rawRecord("r1", 0, 2).Example()
		tc.change(e)
		_, err := UnmarshalMultiview(e.Marshal())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestViewFormatVocabulary(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ViewFormat
		ok   bool
	}{
		{"png", FormatPNG, true}, {"jpeg", FormatJPEG, true}, {"raw", FormatRaw, true},
		{"", "", false}, {"jpg", "", false}, {"PNG", "", false},
	} {
		got, err := ParseViewFormat(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseViewFormat(%q) = %q, %v", tc.in, got, err)
		}
		var u ViewFormat
		if err := u.UnmarshalText([]byte(tc.in)); u != tc.want || (err == nil) != tc.ok {
			t.Errorf("UnmarshalText(%q) = %q, %v", tc.in, u, err)
		}
	}
	if fmt.Sprint(ViewFormats()) != "[png jpeg raw]" {
		t.Errorf("ViewFormats() = %v", ViewFormats())
	}
}
