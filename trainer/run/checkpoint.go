package run

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/trainer/input"
	"github.com/supcon/supcon/trainer/model"
)

// checkpointMagic starts every checkpoint file; the byte after it is the
// format version.
const checkpointMagic = "SUPCONCK"

const checkpointVersion = 1

// Checkpoint is everything a run needs to continue exactly where it stopped:
// the model's tensors (learned values and batch-norm buffers), the optimiser's
// state, the step and the input position. File layout: "SUPCONCK", a version
// byte, a little-endian uint32 length and that many bytes of JSON header
// (checkpointHeader), the tensors' values as little-endian float32 in header
// order, the optimiser state, and a CRC-32C of everything before it.
type Checkpoint struct {
	// Step is the number of training steps done.
	Step int64
	// Position is where the input stood after Step steps.
	Position *input.Position
	// Model holds the spec and tensors.
	Model *model.Model
	// Optimizer is the optimiser's saved state (optim's own encoding).
	Optimizer []byte
	// Extra is free-form JSON a stage keeps with its checkpoint.
	Extra json.RawMessage
}

type tensorHeader struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	Kind  string `json:"kind"`
}

type checkpointHeader struct {
	Step      int64           `json:"step"`
	Position  *input.Position `json:"position,omitempty"`
	Spec      model.Spec      `json:"spec"`
	Feature   int             `json:"feature_dim"`
	Tensors   []tensorHeader  `json:"tensors"`
	Optimizer int             `json:"optimizer_bytes"`
	Extra     json.RawMessage `json:"extra,omitempty"`
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteCheckpoint writes c to path (local or gs://) atomically: to a
// temporary name in the same folder, then renamed (storage.WriteFile; a
// local file is on disk before it takes the name).
func WriteCheckpoint(ctx context.Context, path string, c *Checkpoint) error {
	data, err := encodeCheckpoint(c)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := storage.WriteFile(ctx, path, data); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// encodeCheckpoint returns the checkpoint file's bytes.
func encodeCheckpoint(c *Checkpoint) ([]byte, error) {
	h := checkpointHeader{Step: c.Step, Position: c.Position, Spec: c.Model.Spec, Feature: c.Model.FeatureDim,
		Optimizer: len(c.Optimizer), Extra: c.Extra}
	size := 0
	for _, p := range c.Model.Params.List {
		h.Tensors = append(h.Tensors, tensorHeader{Name: p.Name, Shape: p.Shape, Kind: p.Kind.String()})
		size += 4 * len(p.Data)
	}
	head, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(checkpointMagic)+1+4+len(head)+size+len(c.Optimizer)+4)
	out = append(out, checkpointMagic...)
	out = append(out, checkpointVersion)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(head)))
	out = append(out, head...)
	for _, p := range c.Model.Params.List {
		for _, v := range p.Data {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	out = append(out, c.Optimizer...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli)), nil
}

// ReadCheckpoint reads a checkpoint written by WriteCheckpoint. It rebuilds
// the model from the spec and fills in the saved tensors: a tensor missing,
// extra, or of another shape, a bad checksum or a truncated file is an error
// naming the file and what is wrong.
func ReadCheckpoint(ctx context.Context, path string) (*Checkpoint, error) {
	data, err := storage.ReadFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	ck, err := decodeCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return ck, nil
}

// decodeCheckpoint parses a checkpoint file's bytes.
func decodeCheckpoint(data []byte) (*Checkpoint, error) {
	if len(data) < len(checkpointMagic)+1+4+4 || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("not a supcon checkpoint")
	}
	if v := data[len(checkpointMagic)]; v != checkpointVersion {
		return nil, fmt.Errorf("format version %d, this build reads %d", v, checkpointVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("checksum mismatch (truncated or damaged)")
	}
	rest := body[len(checkpointMagic)+1:]
	n := binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	if int64(n) > int64(len(rest)) {
		return nil, fmt.Errorf("header of %d bytes past the end", n)
	}
	var h checkpointHeader
	if err := json.Unmarshal(rest[:n], &h); err != nil {
		return nil, fmt.Errorf("header: %v", err)
	}
	rest = rest[n:]
	m, err := modelFor(&h, int64(len(rest)))
	if err != nil {
		return nil, err
	}
	for _, p := range m.Params.List {
		for j := range p.Data {
			p.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*j:]))
		}
		rest = rest[4*len(p.Data):]
	}
	opt := bytes.Clone(rest)
	if opt == nil {
		opt = []byte{}
	}
	return &Checkpoint{Step: h.Step, Position: h.Position, Model: m, Optimizer: opt, Extra: h.Extra}, nil
}

// modelFor checks the header's claims against the size of what follows it
// (size bytes) before anything is allocated, then builds the model its spec
// describes and checks that the tensors match the model's.
func modelFor(h *checkpointHeader, size int64) (*model.Model, error) {
	total := int64(0)
	for _, t := range h.Tensors {
		n := int64(1)
		for _, d := range t.Shape {
			if d < 0 || (d > 0 && n > size/int64(d)) {
				return nil, fmt.Errorf("tensor %s of shape %v does not fit in the file", t.Name, t.Shape)
			}
			n *= int64(d)
		}
		total += n
	}
	if h.Optimizer < 0 || 4*total+int64(h.Optimizer) != size {
		return nil, fmt.Errorf("header claims %d tensor values and %d optimizer bytes, the file holds %d bytes", total, h.Optimizer, size)
	}
	m, err := model.New(h.Spec, 0)
	if err != nil {
		return nil, fmt.Errorf("model: %v", err)
	}
	if len(h.Tensors) != len(m.Params.List) {
		return nil, fmt.Errorf("%d tensors, model %s has %d", len(h.Tensors), h.Spec.Encoder, len(m.Params.List))
	}
	for i, t := range h.Tensors {
		p := m.Params.List[i]
		if t.Name != p.Name || fmt.Sprint(t.Shape) != fmt.Sprint(p.Shape) {
			return nil, fmt.Errorf("tensor %d is %s %v, model has %s %v", i, t.Name, t.Shape, p.Name, p.Shape)
		}
	}
	return m, nil
}
