package shards

import (
	"fmt"
	"math"
	"sort"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Kind says which list a Feature holds.
type Kind uint8

// The kinds of tf.train.Feature (the proto's oneof), plus KindNone for a
// Feature with no list set.
const (
	KindNone Kind = iota
	KindBytes
	KindFloat
	KindInt64
)

// String returns the kind as TensorFlow names the list: "bytes_list",
// "float_list", "int64_list", or "none".
func (k Kind) String() string {
	switch k {
	case KindBytes:
		return "bytes_list"
	case KindFloat:
		return "float_list"
	case KindInt64:
		return "int64_list"
	}
	return "none"
}

// Feature is a tf.train.Feature: one list of values, of the type Kind names.
// Only the list that Kind names is encoded.
type Feature struct {
	Kind   Kind
	Bytes  [][]byte
	Floats []float32
	Int64s []int64
}

// BytesFeature returns a bytes_list Feature of the values (not copied).
func BytesFeature(values ...[]byte) Feature { return Feature{Kind: KindBytes, Bytes: values} }

// StringFeature returns a bytes_list Feature holding the strings.
func StringFeature(values ...string) Feature {
	b := make([][]byte, len(values))
	for i, v := range values {
		b[i] = []byte(v)
	}
	return BytesFeature(b...)
}

// FloatFeature returns a float_list Feature of the values (not copied).
func FloatFeature(values ...float32) Feature { return Feature{Kind: KindFloat, Floats: values} }

// Int64Feature returns an int64_list Feature of the values (not copied).
func Int64Feature(values ...int64) Feature { return Feature{Kind: KindInt64, Int64s: values} }

// Len returns the number of values in the Feature's list.
func (f Feature) Len() int {
	switch f.Kind {
	case KindBytes:
		return len(f.Bytes)
	case KindFloat:
		return len(f.Floats)
	case KindInt64:
		return len(f.Int64s)
	}
	return 0
}

// Example is a tf.train.Example: a map of named features.
//
// It is encoded with protowire by hand rather than with generated code: the
// message is tiny and stable, hand encoding writes map entries sorted by key
// (so the same Example always gives the same bytes, which generated code only
// promises with Deterministic and never across versions), and it avoids
// reflection on the hot path of reading millions of records. Tests check
// the encoding against protobuf-go's own dynamic message implementation.
type Example struct {
	Features map[string]Feature
}

// Proto field numbers of tf.train.{Example, Features, Feature, *List}.
const (
	fieldExampleFeatures = 1
	fieldFeaturesMap     = 1
	fieldMapKey          = 1
	fieldMapValue        = 2
	fieldBytesList       = 1
	fieldFloatList       = 2
	fieldInt64List       = 3
	fieldListValue       = 1
)

// SortedKeys returns the Example's feature names in byte order.
func (e *Example) SortedKeys() []string {
	keys := make([]string, 0, len(e.Features))
	for k := range e.Features {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Marshal returns the Example's protobuf encoding, with map entries in key order.
func (e *Example) Marshal() []byte {
	return e.AppendMarshal(make([]byte, 0, e.size()))
}

// AppendMarshal appends the Example's protobuf encoding to dst.
func (e *Example) AppendMarshal(dst []byte) []byte {
	if len(e.Features) == 0 {
		return dst
	}
	keys := e.SortedKeys()
	dst = protowire.AppendTag(dst, fieldExampleFeatures, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(featuresSize(e.Features, keys)))
	for _, k := range keys {
		f := e.Features[k]
		dst = protowire.AppendTag(dst, fieldFeaturesMap, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(entrySize(k, f)))
		dst = protowire.AppendTag(dst, fieldMapKey, protowire.BytesType)
		dst = protowire.AppendString(dst, k)
		dst = protowire.AppendTag(dst, fieldMapValue, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(featureSize(f)))
		dst = appendFeature(dst, f)
	}
	return dst
}

func (e *Example) size() int {
	if len(e.Features) == 0 {
		return 0
	}
	n := 0
	for k, f := range e.Features {
		n += lenField(entrySize(k, f))
	}
	return lenField(n)
}

// lenField is the size of a length-delimited field of n bytes with a one-byte tag.
func lenField(n int) int { return 1 + protowire.SizeVarint(uint64(n)) + n }

func featuresSize(m map[string]Feature, keys []string) int {
	n := 0
	for _, k := range keys {
		n += lenField(entrySize(k, m[k]))
	}
	return n
}

func entrySize(k string, f Feature) int { return lenField(len(k)) + lenField(featureSize(f)) }

// listSize is the size of the *List message inside a Feature.
func listSize(f Feature) int {
	switch f.Kind {
	case KindBytes:
		n := 0
		for _, b := range f.Bytes {
			n += lenField(len(b))
		}
		return n
	case KindFloat:
		if len(f.Floats) == 0 {
			return 0
		}
		return lenField(4 * len(f.Floats))
	case KindInt64:
		if len(f.Int64s) == 0 {
			return 0
		}
		return lenField(int64sSize(f.Int64s))
	}
	return 0
}

func int64sSize(v []int64) int {
	n := 0
	for _, x := range v {
		n += protowire.SizeVarint(uint64(x))
	}
	return n
}

func featureSize(f Feature) int {
	if f.Kind == KindNone {
		return 0
	}
	return lenField(listSize(f))
}

func appendFeature(dst []byte, f Feature) []byte {
	switch f.Kind {
	case KindBytes:
		dst = protowire.AppendTag(dst, fieldBytesList, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(listSize(f)))
		for _, b := range f.Bytes {
			dst = protowire.AppendTag(dst, fieldListValue, protowire.BytesType)
			dst = protowire.AppendBytes(dst, b)
		}
	case KindFloat:
		dst = protowire.AppendTag(dst, fieldFloatList, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(listSize(f)))
		if len(f.Floats) > 0 {
			dst = protowire.AppendTag(dst, fieldListValue, protowire.BytesType)
			dst = protowire.AppendVarint(dst, uint64(4*len(f.Floats)))
			for _, x := range f.Floats {
				dst = protowire.AppendFixed32(dst, math.Float32bits(x))
			}
		}
	case KindInt64:
		dst = protowire.AppendTag(dst, fieldInt64List, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(listSize(f)))
		if len(f.Int64s) > 0 {
			dst = protowire.AppendTag(dst, fieldListValue, protowire.BytesType)
			dst = protowire.AppendVarint(dst, uint64(int64sSize(f.Int64s)))
			for _, x := range f.Int64s {
				dst = protowire.AppendVarint(dst, uint64(x))
			}
		}
	}
	return dst
}

// DecodeError reports a malformed tf.train.Example encoding.
type DecodeError struct {
	// Path names the message being decoded, e.g. `Example.features.feature["image/id"]`.
	Path string
	// Reason says what is wrong.
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("decoding tf.train.Example: %s: %s", e.Path, e.Reason)
}

// UnmarshalExample decodes a serialized tf.train.Example. Byte values are
// copied, so the result does not alias data. Packed and unpacked repeated
// scalars are both accepted, unknown fields are skipped, and repeated
// occurrences merge as protobuf specifies (the last map entry for a key wins).
func UnmarshalExample(data []byte) (*Example, error) {
	e := &Example{}
	if err := e.Unmarshal(data); err != nil {
		return nil, err
	}
	return e, nil
}

// Unmarshal decodes data into e, replacing its features.
func (e *Example) Unmarshal(data []byte) error {
	e.Features = make(map[string]Feature)
	return walkFields(data, "Example", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != fieldExampleFeatures {
			return nil
		}
		if typ != protowire.BytesType {
			return &DecodeError{Path: "Example.features", Reason: fmt.Sprintf("wire type %d, want length-delimited", typ)}
		}
		return walkFields(v, "Example.features", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
			if num != fieldFeaturesMap {
				return nil
			}
			if typ != protowire.BytesType {
				return &DecodeError{Path: "Example.features.feature", Reason: fmt.Sprintf("wire type %d, want length-delimited", typ)}
			}
			return e.decodeEntry(v)
		})
	})
}

func (e *Example) decodeEntry(data []byte) error {
	var key string
	var val []byte
	var hasVal bool
	err := walkFields(data, "Example.features.feature entry", func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case fieldMapKey:
			if typ != protowire.BytesType {
				return &DecodeError{Path: "Example.features.feature entry key", Reason: fmt.Sprintf("wire type %d, want length-delimited", typ)}
			}
			if !utf8.Valid(v) {
				return &DecodeError{Path: "Example.features.feature entry key", Reason: fmt.Sprintf("key %q is not valid UTF-8", v)}
			}
			key = string(v)
		case fieldMapValue:
			if typ != protowire.BytesType {
				return &DecodeError{Path: "Example.features.feature entry value", Reason: fmt.Sprintf("wire type %d, want length-delimited", typ)}
			}
			if hasVal { // a repeated message field merges
				val = append(append([]byte(nil), val...), v...)
			} else {
				val = v
			}
			hasVal = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	var f Feature
	if err := f.unmarshal(val, key); err != nil {
		return err
	}
	e.Features[key] = f
	return nil
}

func (f *Feature) unmarshal(data []byte, key string) error {
	// Error paths are built only on error: this runs for every feature of
	// every record read.
	path := func(kind Kind) string { return fmt.Sprintf("Example.features.feature[%q].%s", key, kind) }
	err := walkFields(data, "", func(num protowire.Number, typ protowire.Type, v []byte, scalar uint64) error {
		var kind Kind
		switch num {
		case fieldBytesList:
			kind = KindBytes
		case fieldFloatList:
			kind = KindFloat
		case fieldInt64List:
			kind = KindInt64
		default:
			return nil
		}
		if typ != protowire.BytesType {
			return &DecodeError{Path: path(kind), Reason: fmt.Sprintf("wire type %d, want length-delimited", typ)}
		}
		if f.Kind != kind { // a different oneof member replaces the old one
			*f = Feature{Kind: kind}
		}
		if err := f.decodeList(v); err != nil {
			err.Path = path(kind) + err.Path
			return err
		}
		return nil
	})
	if de, ok := err.(*DecodeError); ok && de.Path == "" {
		de.Path = fmt.Sprintf("Example.features.feature[%q]", key)
	}
	return err
}

// decodeList decodes a *List message into f; the error's Path is relative
// to the list (".value") for the caller to complete.
func (f *Feature) decodeList(data []byte) *DecodeError {
	err := walkFields(data, "", func(num protowire.Number, typ protowire.Type, v []byte, scalar uint64) error {
		if num != fieldListValue {
			return nil
		}
		switch f.Kind {
		case KindBytes:
			if typ != protowire.BytesType {
				return &DecodeError{Path: ".value", Reason: fmt.Sprintf("wire type %d, want length-delimited", typ)}
			}
			f.Bytes = append(f.Bytes, append([]byte{}, v...))
		case KindFloat:
			switch typ {
			case protowire.Fixed32Type:
				f.Floats = append(f.Floats, math.Float32frombits(uint32(scalar)))
			case protowire.BytesType:
				if len(v)%4 != 0 {
					return &DecodeError{Path: ".value", Reason: fmt.Sprintf("packed floats of %d bytes, not a multiple of 4", len(v))}
				}
				for i := 0; i < len(v); i += 4 {
					f.Floats = append(f.Floats, math.Float32frombits(uint32(v[i])|uint32(v[i+1])<<8|uint32(v[i+2])<<16|uint32(v[i+3])<<24))
				}
			default:
				return &DecodeError{Path: ".value", Reason: fmt.Sprintf("wire type %d, want fixed32 or packed", typ)}
			}
		case KindInt64:
			switch typ {
			case protowire.VarintType:
				f.Int64s = append(f.Int64s, int64(scalar))
			case protowire.BytesType:
				for len(v) > 0 {
					x, n := protowire.ConsumeVarint(v)
					if n < 0 {
						return &DecodeError{Path: ".value", Reason: "bad varint in packed int64s: " + protowire.ParseError(n).Error()}
					}
					f.Int64s = append(f.Int64s, int64(x))
					v = v[n:]
				}
			default:
				return &DecodeError{Path: ".value", Reason: fmt.Sprintf("wire type %d, want varint or packed", typ)}
			}
		}
		return nil
	})
	if err != nil {
		return err.(*DecodeError)
	}
	return nil
}

// walkFields calls fn for every field of the message in data: for
// length-delimited fields with the bytes, for varint and fixed fields with
// the scalar. Groups are skipped as unknown fields.
func walkFields(data []byte, path string, fn func(num protowire.Number, typ protowire.Type, v []byte, scalar uint64) error) error {
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return &DecodeError{Path: path, Reason: "bad field tag: " + protowire.ParseError(n).Error()}
		}
		data = data[n:]
		var v []byte
		var scalar uint64
		switch typ {
		case protowire.VarintType:
			scalar, n = protowire.ConsumeVarint(data)
		case protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(data)
			scalar = uint64(x)
		case protowire.Fixed64Type:
			scalar, n = protowire.ConsumeFixed64(data)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(data)
		default:
			n = protowire.ConsumeFieldValue(num, typ, data)
		}
		if n < 0 {
			return &DecodeError{Path: path, Reason: fmt.Sprintf("field %d: %v", num, protowire.ParseError(n))}
		}
		data = data[n:]
		if err := fn(num, typ, v, scalar); err != nil {
			return err
		}
	}
	return nil
}
