package shards

import (
	"bytes"
	"fmt"
)

// Keys of the multiview record (docs/format.md), and the ImageNet-style keys
// written beside them when a record holds one unaugmented view.
const (
	KeyID          = "image/id"
	KeyLabel       = "image/class/label"
	KeyClassText   = "image/class/text"
	KeyViews       = "image/views/encoded"
	KeyViewsFormat = "image/views/format"
	KeyHeight      = "image/height"
	KeyWidth       = "image/width"
	KeyChannels    = "image/channels"
	KeyPolicy      = "augment/policy"
	KeySeed        = "augment/seed"
	KeyEpoch       = "augment/epoch"
	KeyEncoded     = "image/encoded"
	KeyFormat      = "image/format"
)

// ViewFormat is how a multiview record's views are encoded. Its value is
// the name stored in the record's image/views/format and in the manifest's
// view_format; a record read from a file may hold a name that is none of the
// formats below, which Validate reports.
type ViewFormat string

// The view formats.
const (
	FormatPNG  ViewFormat = "png"
	FormatJPEG ViewFormat = "jpeg"
	FormatRaw  ViewFormat = "raw" // H*W*C uint8, row-major, HWC
)

// ViewFormats returns the view formats' names: png, jpeg, raw.
func ViewFormats() []string {
	return []string{string(FormatPNG), string(FormatJPEG), string(FormatRaw)}
}

// ParseViewFormat parses "png", "jpeg" or "raw".
func ParseViewFormat(s string) (ViewFormat, error) {
	f := ViewFormat(s)
	if !f.known() {
		return "", fmt.Errorf("shards: unknown view format %q (want png, jpeg or raw)", s)
	}
	return f, nil
}

func (f ViewFormat) known() bool { return f == FormatPNG || f == FormatJPEG || f == FormatRaw }

// String returns the format's name.
func (f ViewFormat) String() string { return string(f) }

// MarshalText returns the format's name.
func (f ViewFormat) MarshalText() ([]byte, error) { return []byte(f), nil }

// UnmarshalText parses a format's name as ParseViewFormat does.
func (f *ViewFormat) UnmarshalText(b []byte) error {
	v, err := ParseViewFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Multiview is one source image's record: V augmented views of the same
// size and format, with its label and how the views were made.
type Multiview struct {
	ID        string     // stable id of the source image
	Label     int64      // class index, 0-based, per labels.txt
	ClassText string     // class name
	Views     [][]byte   // the V encoded views
	Format    ViewFormat // FormatPNG, FormatJPEG or FormatRaw
	Height    int        // of every view
	Width     int        // of every view
	Channels  int        // of every view: 1 (gray) or 3 (RGB)
	Policy    string     // canonical augmentation policy spec
	Seed      int64      // the run's seed
	Epoch     int64      // which augmentation pass the record belongs to
}

// SchemaError reports a record that is not a valid multiview record.
type SchemaError struct {
	ID     string // the record's image/id when known
	Key    string // the offending key, if one
	Reason string
}

func (e *SchemaError) Error() string {
	who := "multiview record"
	if e.ID != "" {
		who += fmt.Sprintf(" %q", e.ID)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", who, e.Key, e.Reason)
	}
	return fmt.Sprintf("%s: %s", who, e.Reason)
}

func (m *Multiview) schemaErr(key, format string, args ...any) error {
	return &SchemaError{ID: m.ID, Key: key, Reason: fmt.Sprintf(format, args...)}
}

// Validate checks the record against the schema: every field present and in
// range, at least one view, the format known, raw views exactly
// Height*Width*Channels bytes, encoded views starting with their format's
// signature.
func (m *Multiview) Validate() error {
	if m.ID == "" {
		return m.schemaErr(KeyID, "empty")
	}
	if m.Label < 0 {
		return m.schemaErr(KeyLabel, "negative label %d", m.Label)
	}
	if len(m.Views) == 0 {
		return m.schemaErr(KeyViews, "no views")
	}
	if m.Height <= 0 || m.Width <= 0 {
		return m.schemaErr(KeyHeight, "view size %dx%d is not positive", m.Width, m.Height)
	}
	if m.Channels != 1 && m.Channels != 3 {
		return m.schemaErr(KeyChannels, "%d channels, want 1 or 3", m.Channels)
	}
	if m.Policy == "" {
		return m.schemaErr(KeyPolicy, "empty (use \"none\" for unaugmented views)")
	}
	if m.Epoch < 0 {
		return m.schemaErr(KeyEpoch, "negative epoch %d", m.Epoch)
	}
	for i, v := range m.Views {
		switch m.Format {
		case FormatRaw:
			if want := m.Height * m.Width * m.Channels; len(v) != want {
				return m.schemaErr(KeyViews, "view %d has %d bytes, want %d (%dx%dx%d raw)", i, len(v), want, m.Height, m.Width, m.Channels)
			}
		case FormatPNG:
			if !bytes.HasPrefix(v, []byte("\x89PNG\r\n\x1a\n")) {
				return m.schemaErr(KeyViews, "view %d is not a PNG (%d bytes, no PNG signature)", i, len(v))
			}
		case FormatJPEG:
			if !bytes.HasPrefix(v, []byte{0xff, 0xd8}) {
				return m.schemaErr(KeyViews, "view %d is not a JPEG (%d bytes, no SOI marker)", i, len(v))
			}
		default:
			return m.schemaErr(KeyViewsFormat, "unknown view format %q (want png, jpeg or raw)", m.Format)
		}
	}
	return nil
}

// CheckViews reports an error unless the record holds exactly want views (as
// its dataset's manifest says).
func (m *Multiview) CheckViews(want int) error {
	if len(m.Views) != want {
		return m.schemaErr(KeyViews, "%d views, but the dataset has %d per record", len(m.Views), want)
	}
	return nil
}

// Example returns the record as a tf.train.Example. Views are not copied.
// A record of one view made with policy "none" also gets image/encoded and
// image/format, so that it is a valid ImageNet-style record too.
func (m *Multiview) Example() *Example {
	f := map[string]Feature{
		KeyID:          StringFeature(m.ID),
		KeyLabel:       Int64Feature(m.Label),
		KeyClassText:   StringFeature(m.ClassText),
		KeyViews:       BytesFeature(m.Views...),
		KeyViewsFormat: StringFeature(string(m.Format)),
		KeyHeight:      Int64Feature(int64(m.Height)),
		KeyWidth:       Int64Feature(int64(m.Width)),
		KeyChannels:    Int64Feature(int64(m.Channels)),
		KeyPolicy:      StringFeature(m.Policy),
		KeySeed:        Int64Feature(m.Seed),
		KeyEpoch:       Int64Feature(m.Epoch),
	}
	if len(m.Views) == 1 && m.Policy == "none" && m.Format != FormatRaw {
		f[KeyEncoded] = BytesFeature(m.Views[0])
		f[KeyFormat] = StringFeature(string(m.Format))
	}
	return &Example{Features: f}
}

// Marshal validates the record and returns its serialized tf.train.Example.
func (m *Multiview) Marshal() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m.Example().Marshal(), nil
}

// IsMultiview reports whether e looks like a multiview record (it has the
// views key), as opposed to some other tf.train.Example.
func IsMultiview(e *Example) bool {
	_, ok := e.Features[KeyViews]
	return ok
}

// MultiviewFromExample converts and validates a tf.train.Example. A missing
// key, a key of the wrong kind, or a scalar key holding other than one value
// is a *SchemaError naming the key. Views alias e's byte slices.
func MultiviewFromExample(e *Example) (*Multiview, error) {
	id, err := scalarBytes(e, "", KeyID)
	if err != nil {
		return nil, err
	}
	m := &Multiview{ID: string(id)}
	get := func(key string) ([]byte, error) { return scalarBytes(e, m.ID, key) }
	getInt := func(key string) (int64, error) { return scalarInt(e, m.ID, key) }
	var b []byte
	if m.Label, err = getInt(KeyLabel); err != nil {
		return nil, err
	}
	if b, err = get(KeyClassText); err != nil {
		return nil, err
	}
	m.ClassText = string(b)
	views, ok := e.Features[KeyViews]
	if !ok {
		return nil, m.schemaErr(KeyViews, "missing")
	}
	if views.Kind != KindBytes {
		return nil, m.schemaErr(KeyViews, "is %s, want bytes_list", views.Kind)
	}
	m.Views = views.Bytes
	if b, err = get(KeyViewsFormat); err != nil {
		return nil, err
	}
	m.Format = ViewFormat(b)
	for _, kv := range []struct {
		key string
		dst *int
	}{{KeyHeight, &m.Height}, {KeyWidth, &m.Width}, {KeyChannels, &m.Channels}} {
		v, err := getInt(kv.key)
		if err != nil {
			return nil, err
		}
		if v < 0 || v > 1<<20 {
			return nil, m.schemaErr(kv.key, "%d is out of range", v)
		}
		*kv.dst = int(v)
	}
	if b, err = get(KeyPolicy); err != nil {
		return nil, err
	}
	m.Policy = string(b)
	if m.Seed, err = getInt(KeySeed); err != nil {
		return nil, err
	}
	if m.Epoch, err = getInt(KeyEpoch); err != nil {
		return nil, err
	}
	if enc, ok := e.Features[KeyEncoded]; ok {
		if enc.Kind != KindBytes || len(enc.Bytes) != 1 || len(m.Views) != 1 || !bytes.Equal(enc.Bytes[0], m.Views[0]) {
			return nil, m.schemaErr(KeyEncoded, "present but not equal to the record's single view")
		}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// UnmarshalMultiview decodes and validates a serialized multiview record.
func UnmarshalMultiview(data []byte) (*Multiview, error) {
	e, err := UnmarshalExample(data)
	if err != nil {
		return nil, err
	}
	return MultiviewFromExample(e)
}

// scalarFeature returns the single-valued feature key of kind, or a
// *SchemaError naming the record id and the key.
func scalarFeature(e *Example, id, key string, kind Kind) (Feature, error) {
	f, ok := e.Features[key]
	if !ok {
		return f, &SchemaError{ID: id, Key: key, Reason: "missing"}
	}
	if f.Kind != kind {
		return f, &SchemaError{ID: id, Key: key, Reason: fmt.Sprintf("is %s, want %s", f.Kind, kind)}
	}
	if n := f.Len(); n != 1 {
		return f, &SchemaError{ID: id, Key: key, Reason: fmt.Sprintf("has %d values, want 1", n)}
	}
	return f, nil
}

func scalarBytes(e *Example, id, key string) ([]byte, error) {
	f, err := scalarFeature(e, id, key, KindBytes)
	if err != nil {
		return nil, err
	}
	return f.Bytes[0], nil
}

func scalarInt(e *Example, id, key string) (int64, error) {
	f, err := scalarFeature(e, id, key, KindInt64)
	if err != nil {
		return 0, err
	}
	return f.Int64s[0], nil
}
