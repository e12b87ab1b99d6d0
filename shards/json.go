package shards

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
)

// MarshalJSON returns the Example in the canonical proto3 JSON mapping, the
// form protojson and TensorFlow's MessageToJson produce: lowerCamelCase
// field names, map keys sorted, int64 values as decimal strings, bytes as
// standard base64, non-finite floats as "NaN", "Infinity", "-Infinity".
// An Example without features is {}.
func (e *Example) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(nil), nil
}

// AppendJSON appends the canonical proto3 JSON of the Example to dst.
func (e *Example) AppendJSON(dst []byte) []byte {
	if len(e.Features) == 0 {
		return append(dst, "{}"...)
	}
	dst = append(dst, `{"features":{"feature":{`...)
	for i, k := range e.SortedKeys() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = e.Features[k].appendJSON(dst)
	}
	return append(dst, "}}}"...)
}

func (f Feature) appendJSON(dst []byte) []byte {
	if f.Kind == KindNone {
		return append(dst, "{}"...)
	}
	name := map[Kind]string{KindBytes: "bytesList", KindFloat: "floatList", KindInt64: "int64List"}[f.Kind]
	dst = append(dst, `{"`...)
	dst = append(dst, name...)
	dst = append(dst, `":{`...)
	if n := f.Len(); n > 0 {
		dst = append(dst, `"value":[`...)
		for i := 0; i < n; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			switch f.Kind {
			case KindBytes:
				dst = append(dst, '"')
				dst = base64.StdEncoding.AppendEncode(dst, f.Bytes[i])
				dst = append(dst, '"')
			case KindFloat:
				dst = appendJSONFloat32(dst, f.Floats[i])
			case KindInt64:
				dst = append(dst, '"')
				dst = strconv.AppendInt(dst, f.Int64s[i], 10)
				dst = append(dst, '"')
			}
		}
		dst = append(dst, ']')
	}
	return append(dst, "}}"...)
}

func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(dst, b...)
}

// appendJSONFloat32 formats a float32 as protojson does: the shortest
// representation that round-trips at 32 bits, exponent form only for very
// small or very large magnitudes, non-finite values as strings.
func appendJSONFloat32(dst []byte, x float32) []byte {
	v := float64(x)
	switch {
	case math.IsNaN(v):
		return append(dst, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(dst, `"-Infinity"`...)
	}
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, format, -1, 32)
	if format == 'e' { // clean up e-09 to e-9, as encoding/json and protojson do
		n := len(dst) - start
		if n >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}
