package shards

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

func examplesEqual(a, b *Example) bool {
	if len(a.Features) != len(b.Features) {
		return false
	}
	for k, fa := range a.Features {
		fb, ok := b.Features[k]
		if !ok || fa.Kind != fb.Kind || fa.Len() != fb.Len() {
			return false
		}
		for i := 0; i < fa.Len(); i++ {
			switch fa.Kind {
			case KindBytes:
				if !bytes.Equal(fa.Bytes[i], fb.Bytes[i]) {
					return false
				}
			case KindFloat:
				if math.Float32bits(fa.Floats[i]) != math.Float32bits(fb.Floats[i]) {
					return false
				}
			case KindInt64:
				if fa.Int64s[i] != fb.Int64s[i] {
					return false
				}
			}
		}
	}
	return true
}

// exampleDescriptor builds tensorflow/core/example/{example,feature}.proto
// as a dynamic message type, so that protobuf-go itself can check our codec.
func exampleDescriptor(t testing.TB) protoreflect.MessageDescriptor {
	t.Helper()
	s := proto.String
	msg := func(name string, fields ...*descriptorpb.FieldDescriptorProto) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{Name: s(name), Field: fields}
	}
	field := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type, label descriptorpb.FieldDescriptorProto_Label, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: s(name), Number: proto.Int32(num), Type: typ.Enum(), Label: label.Enum(), JsonName: s(protojsonName(name))}
		if typeName != "" {
			f.TypeName = s(typeName)
		}
		return f
	}
	rep, opt := descriptorpb.FieldDescriptorProto_LABEL_REPEATED, descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
	oneof := func(f *descriptorpb.FieldDescriptorProto) *descriptorpb.FieldDescriptorProto {
		f.OneofIndex = proto.Int32(0)
		return f
	}
	entry := msg("FeatureEntry",
		field("key", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, opt, ""),
		field("value", 2, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, opt, ".tensorflow.Feature"))
	entry.Options = &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)}
	features := msg("Features", field("feature", 1, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, rep, ".tensorflow.Features.FeatureEntry"))
	features.NestedType = []*descriptorpb.DescriptorProto{entry}
	feature := msg("Feature",
		oneof(field("bytes_list", 1, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, opt, ".tensorflow.BytesList")),
		oneof(field("float_list", 2, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, opt, ".tensorflow.FloatList")),
		oneof(field("int64_list", 3, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, opt, ".tensorflow.Int64List")))
	feature.OneofDecl = []*descriptorpb.OneofDescriptorProto{{Name: s("kind")}}
	fd := &descriptorpb.FileDescriptorProto{
		Name: s("example.proto"), Package: s("tensorflow"), Syntax: s("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			msg("BytesList", field("value", 1, descriptorpb.FieldDescriptorProto_TYPE_BYTES, rep, "")),
			msg("FloatList", field("value", 1, descriptorpb.FieldDescriptorProto_TYPE_FLOAT, rep, "")),
			msg("Int64List", field("value", 1, descriptorpb.FieldDescriptorProto_TYPE_INT64, rep, "")),
			feature, features,
			msg("Example", field("features", 1, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, opt, ".tensorflow.Features")),
		},
	}
	file, err := protodesc.NewFile(fd, nil)
	if err != nil {
		t.Fatal(err)
	}
	return file.Messages().ByName("Example")
}

func protojsonName(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func randomExample(rng *rand.Rand) *Example {
	e := &Example{Features: map[string]Feature{}}
	for n := rng.IntN(6); n > 0; n-- {
		key := []string{"a", "image/id", "zz", "ключ", "image/views/encoded", "x/y/z", ""}[rng.IntN(7)]
		var f Feature
		switch rng.IntN(4) {
		case 0:
			f.Kind = KindBytes
			for m := rng.IntN(4); m > 0; m-- {
				b := make([]byte, rng.IntN(300))
				for i := range b {
					b[i] = byte(rng.IntN(256))
				}
				f.Bytes = append(f.Bytes, b)
			}
		case 1:
			f.Kind = KindFloat
			for m := rng.IntN(5); m > 0; m-- {
				f.Floats = append(f.Floats, []float32{0, -1.5, 3.14, 1e-7, 3e30, float32(math.Inf(1)), float32(math.Inf(-1)), rng.Float32()}[rng.IntN(8)])
			}
		case 2:
			f.Kind = KindInt64
			for m := rng.IntN(5); m > 0; m-- {
				f.Int64s = append(f.Int64s, []int64{0, 1, -1, 42, math.MaxInt64, math.MinInt64, rng.Int64()}[rng.IntN(7)])
			}
		case 3: // no list set
		}
		e.Features[key] = f
	}
	return e
}

// Our encoder and protobuf-go's deterministic encoder give the same bytes,
// and each decodes the other's output to the same message.
func TestExampleAgainstProtobufGo(t *testing.T) {
	desc := exampleDescriptor(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		e := randomExample(rng)
		ours := e.Marshal()
		dyn := dynamicpb.NewMessage(desc)
		if err := proto.Unmarshal(ours, dyn); err != nil {
			t.Fatalf("protobuf-go cannot decode our encoding of %+v: %v", e, err)
		}
		theirs, err := proto.MarshalOptions{Deterministic: true}.Marshal(dyn)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("encoding of %+v:\n ours   %x\n theirs %x", e, ours, theirs)
		}
		back, err := UnmarshalExample(theirs)
		if err != nil {
			t.Fatal(err)
		}
		if !examplesEqual(back, e) {
			t.Fatalf("round trip of %+v gave %+v", e, back)
		}
		// JSON: the same values as protojson, which is canonical proto3 JSON.
		if len(e.Features) > 0 {
			pj, err := protojson.Marshal(dyn)
			if err != nil {
				t.Fatal(err)
			}
			oj, _ := e.MarshalJSON()
			if !jsonEqual(t, pj, oj) {
				t.Fatalf("JSON of %+v:\n ours     %s\n protojson %s", e, oj, pj)
			}
		}
	}
}

func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	da := json.NewDecoder(bytes.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader(b))
	db.UseNumber()
	if err := da.Decode(&x); err != nil {
		t.Fatalf("bad JSON %s: %v", a, err)
	}
	if err := db.Decode(&y); err != nil {
		t.Fatalf("bad JSON %s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func TestExampleJSONGolden(t *testing.T) {
	e := &Example{Features: map[string]Feature{
		"int_feature":   Int64Feature(42, -7),
		"float_feature": FloatFeature(3.14, 1e-9, float32(math.NaN())),
		"byte_feature":  BytesFeature([]byte("@ABCD")),
		"empty":         {},
	}}
	got, _ := e.MarshalJSON()
	want := `{"features":{"feature":{"byte_feature":{"bytesList":{"value":["QEFCQ0Q="]}},"empty":{},"float_feature":{"floatList":{"value":[3.14,1e-9,"NaN"]}},"int_feature":{"int64List":{"value":["42","-7"]}}}}}`
	if string(got) != want {
		t.Errorf("JSON:\n got  %s\n want %s", got, want)
	}
}

// Unpacked repeated scalars (what proto2 writers emit) decode like packed ones.
func TestUnpackedScalars(t *testing.T) {
	var list []byte // FloatList with two unpacked values
	list = protowire.AppendTag(list, 1, protowire.Fixed32Type)
	list = protowire.AppendFixed32(list, math.Float32bits(1.5))
	list = protowire.AppendTag(list, 1, protowire.Fixed32Type)
	list = protowire.AppendFixed32(list, math.Float32bits(-2))
	var ints []byte // Int64List: one unpacked, then a packed run
	ints = protowire.AppendTag(ints, 1, protowire.VarintType)
	ints = protowire.AppendVarint(ints, 7)
	ints = protowire.AppendTag(ints, 1, protowire.BytesType)
	ints = protowire.AppendBytes(ints, protowire.AppendVarint(protowire.AppendVarint(nil, 8), uint64(1<<64-1)))
	feature := func(field protowire.Number, list []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, field, protowire.BytesType), list)
	}
	entry := func(key string, f []byte) []byte {
		var e []byte
		e = protowire.AppendTag(e, 1, protowire.BytesType)
		e = protowire.AppendString(e, key)
		e = protowire.AppendTag(e, 2, protowire.BytesType)
		e = protowire.AppendBytes(e, f)
		return protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), e)
	}
	feats := append(entry("f", feature(2, list)), entry("i", feature(3, ints))...)
	// An unknown field in the Example is skipped.
	ex := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), feats)
	ex = protowire.AppendVarint(protowire.AppendTag(ex, 9, protowire.VarintType), 1)
	got, err := UnmarshalExample(ex)
	if err != nil {
		t.Fatal(err)
	}
	want := &Example{Features: map[string]Feature{"f": FloatFeature(1.5, -2), "i": Int64Feature(7, 8, -1)}}
	if !examplesEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestExampleDecodeErrors(t *testing.T) {
	good := (&Example{Features: map[string]Feature{"k": Int64Feature(1, 2, 3), "b": StringFeature("x")}}).Marshal()
	for cut := 1; cut < len(good); cut++ {
		if _, err := UnmarshalExample(good[:cut]); err == nil {
			// Some prefixes are themselves valid messages; they must decode to fewer values.
			continue
		} else if !strings.Contains(err.Error(), "decoding tf.train.Example") {
			t.Errorf("cut %d: error %v does not say what was decoded", cut, err)
		}
	}
	badKey := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType),
		protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType),
			protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{0xff, 0xfe})))
	if _, err := UnmarshalExample(badKey); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8 key: %v", err)
	}
	oddFloats := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{1, 2, 3})
	fl := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), oddFloats)
	var entry []byte
	entry = protowire.AppendBytes(protowire.AppendTag(entry, 1, protowire.BytesType), []byte("f"))
	entry = protowire.AppendBytes(protowire.AppendTag(entry, 2, protowire.BytesType), fl)
	ex := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), entry))
	if _, err := UnmarshalExample(ex); err == nil || !strings.Contains(err.Error(), `feature["f"].float_list`) {
		t.Errorf("packed floats of 3 bytes: %v", err)
	}
}
