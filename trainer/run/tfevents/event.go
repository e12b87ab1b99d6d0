package tfevents

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// FileVersion is the file_version of an event file's first event, as
// TensorFlow and tensorboardX write it.
const FileVersion = "brain.Event:2"

// Field numbers of tensorflow.Event, Summary, Summary.Value and SessionLog
// (tensorflow/core/util/event.proto and core/framework/summary.proto).
const (
	fieldWallTime    protowire.Number = 1 // double
	fieldStep        protowire.Number = 2 // int64
	fieldFileVersion protowire.Number = 3 // string, in the oneof "what"
	fieldSummary     protowire.Number = 5 // Summary, in the oneof "what"
	fieldSessionLog  protowire.Number = 7 // SessionLog, in the oneof "what"

	fieldSummaryValue protowire.Number = 1 // repeated Summary.Value
	fieldValueTag     protowire.Number = 1 // string
	fieldValueSimple  protowire.Number = 2 // float, in the oneof "value"

	fieldSessionStatus protowire.Number = 1 // SessionLog.SessionStatus enum
)

// SessionStart is SessionLog.START, the status a restarted writer records
// so that TensorBoard drops the events of later steps from before the
// restart.
const SessionStart = 1

// Value is one tagged scalar of a summary.
type Value struct {
	Tag   string
	Value float32
}

// Event is the part of tensorflow.Event this package writes and reads: at
// most one of FileVersion, Summary and SessionStatus is set (they share the
// proto's oneof).
type Event struct {
	// WallTime is seconds since 1970 (fractions included).
	WallTime float64
	Step     int64
	// FileVersion is set on a file's first event only.
	FileVersion string
	// Summary holds the event's scalars, in order.
	Summary []Value
	// SessionStatus, when not 0, is a SessionLog's status (SessionStart).
	SessionStatus int
}

// AppendEvent appends e's protocol-buffer encoding to dst: fields in number
// order, proto3 defaults (zero wall time, step 0, an empty tag) left out, a
// oneof member always written, as protobuf's own serializers do.
func AppendEvent(dst []byte, e Event) []byte {
	if e.WallTime != 0 || math.Signbit(e.WallTime) {
		dst = protowire.AppendTag(dst, fieldWallTime, protowire.Fixed64Type)
		dst = protowire.AppendFixed64(dst, math.Float64bits(e.WallTime))
	}
	if e.Step != 0 {
		dst = protowire.AppendTag(dst, fieldStep, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(e.Step))
	}
	switch {
	case e.FileVersion != "":
		dst = protowire.AppendTag(dst, fieldFileVersion, protowire.BytesType)
		dst = protowire.AppendString(dst, e.FileVersion)
	case e.Summary != nil:
		dst = protowire.AppendTag(dst, fieldSummary, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(summarySize(e.Summary)))
		for _, v := range e.Summary {
			dst = protowire.AppendTag(dst, fieldSummaryValue, protowire.BytesType)
			dst = protowire.AppendVarint(dst, uint64(valueSize(v)))
			dst = appendValue(dst, v)
		}
	case e.SessionStatus != 0:
		dst = protowire.AppendTag(dst, fieldSessionLog, protowire.BytesType)
		n := protowire.SizeTag(fieldSessionStatus) + protowire.SizeVarint(uint64(e.SessionStatus))
		dst = protowire.AppendVarint(dst, uint64(n))
		dst = protowire.AppendTag(dst, fieldSessionStatus, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(e.SessionStatus))
	}
	return dst
}

func appendValue(dst []byte, v Value) []byte {
	if v.Tag != "" {
		dst = protowire.AppendTag(dst, fieldValueTag, protowire.BytesType)
		dst = protowire.AppendString(dst, v.Tag)
	}
	dst = protowire.AppendTag(dst, fieldValueSimple, protowire.Fixed32Type)
	return protowire.AppendFixed32(dst, math.Float32bits(v.Value))
}

func valueSize(v Value) int {
	n := protowire.SizeTag(fieldValueSimple) + protowire.SizeFixed32()
	if v.Tag != "" {
		n += protowire.SizeTag(fieldValueTag) + protowire.SizeBytes(len(v.Tag))
	}
	return n
}

func summarySize(vs []Value) int {
	n := 0
	for _, v := range vs {
		n += protowire.SizeTag(fieldSummaryValue) + protowire.SizeBytes(valueSize(v))
	}
	return n
}

// ErrNotScalar is wrapped by ParseEvent's error for a summary value that
// holds something other than a simple_value (an image, a histogram, a
// tensor): this package reads scalars only.
var ErrNotScalar = errors.New("tfevents: summary value is not a simple_value")

// ParseEvent decodes an encoded tensorflow.Event. Fields it does not know
// (a graph, run metadata, a source_metadata) are skipped; a summary value
// other than a simple_value is an error wrapping ErrNotScalar.
func ParseEvent(b []byte) (Event, error) {
	var e Event
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fieldWallTime && typ == protowire.Fixed64Type:
			e.WallTime = math.Float64frombits(x)
		case num == fieldStep && typ == protowire.VarintType:
			e.Step = int64(x)
		case num == fieldFileVersion && typ == protowire.BytesType:
			e.FileVersion = string(v)
		case num == fieldSummary && typ == protowire.BytesType:
			vs, err := parseSummary(v)
			if err != nil {
				return err
			}
			e.Summary = append(e.Summary, vs...)
			if e.Summary == nil {
				e.Summary = []Value{}
			}
		case num == fieldSessionLog && typ == protowire.BytesType:
			return eachField(v, func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) error {
				if num == fieldSessionStatus && typ == protowire.VarintType {
					e.SessionStatus = int(x)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return Event{}, fmt.Errorf("tfevents: event: %w", err)
	}
	return e, nil
}

func parseSummary(b []byte) ([]Value, error) {
	var out []Value
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != fieldSummaryValue || typ != protowire.BytesType {
			return nil
		}
		var val Value
		simple := false
		err := eachField(v, func(num protowire.Number, typ protowire.Type, s []byte, x uint64) error {
			switch {
			case num == fieldValueTag && typ == protowire.BytesType:
				val.Tag = string(s)
			case num == fieldValueSimple && typ == protowire.Fixed32Type:
				val.Value, simple = math.Float32frombits(uint32(x)), true
			case num >= 3 && num <= 8 && num != 7: // the oneof's other members
				return fmt.Errorf("field %d: %w", num, ErrNotScalar)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("summary value %q: %w", val.Tag, err)
		}
		if !simple {
			return fmt.Errorf("summary value %q: no value: %w", val.Tag, ErrNotScalar)
		}
		out = append(out, val)
		return nil
	})
	return out, err
}

// eachField calls fn with each field of the message b: its number, type,
// and its bytes (BytesType) or its number (varint and fixed types).
func eachField(b []byte, fn func(protowire.Number, protowire.Type, []byte, uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}
