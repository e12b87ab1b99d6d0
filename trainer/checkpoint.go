package trainer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

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

// WriteCheckpoint writes c to path atomically: to a temporary file in the
// same folder, then renamed.
func WriteCheckpoint(path string, c *Checkpoint) error {
	h := checkpointHeader{Step: c.Step, Position: c.Position, Spec: c.Model.Spec, Feature: c.Model.FeatureDim,
		Optimizer: len(c.Optimizer), Extra: c.Extra}
	for _, p := range c.Model.Params.List {
		h.Tensors = append(h.Tensors, tensorHeader{Name: p.Name, Shape: p.Shape, Kind: p.Kind.String()})
	}
	head, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	crc := crc32.New(castagnoli)
	w := bufio.NewWriterSize(io.MultiWriter(tmp, crc), 1<<20)
	w.WriteString(checkpointMagic)
	w.WriteByte(checkpointVersion)
	binary.Write(w, binary.LittleEndian, uint32(len(head)))
	w.Write(head)
	var b [4]byte
	for _, p := range c.Model.Params.List {
		for _, v := range p.Data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			w.Write(b[:])
		}
	}
	w.Write(c.Optimizer)
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	binary.LittleEndian.PutUint32(b[:], crc.Sum32())
	if _, err := tmp.Write(b[:]); err != nil {
		tmp.Close()
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil { // on disk before it takes the name
		tmp.Close()
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return nil
}

// ReadCheckpoint reads a checkpoint written by WriteCheckpoint. It rebuilds
// the model from the spec and fills in the saved tensors: a tensor missing,
// extra, or of another shape, a bad checksum or a truncated file is an error
// naming the file and what is wrong.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("checkpoint %s: %s", path, fmt.Sprintf(format, a...))
	}
	if len(data) < len(checkpointMagic)+1+4+4 || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, bad("not a supcon checkpoint")
	}
	if v := data[len(checkpointMagic)]; v != checkpointVersion {
		return nil, bad("format version %d, this build reads %d", v, checkpointVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, bad("checksum mismatch (truncated or damaged)")
	}
	r := bytes.NewReader(body[len(checkpointMagic)+1:])
	var n uint32
	binary.Read(r, binary.LittleEndian, &n)
	if int64(n) > int64(r.Len()) {
		return nil, bad("header of %d bytes past the end", n)
	}
	head := make([]byte, n)
	io.ReadFull(r, head)
	var h checkpointHeader
	if err := json.Unmarshal(head, &h); err != nil {
		return nil, bad("header: %v", err)
	}
	// The header's claims must fit the file before anything is allocated.
	total := int64(0)
	for _, t := range h.Tensors {
		n := int64(1)
		for _, d := range t.Shape {
			if d < 0 || (d > 0 && n > int64(r.Len())/int64(d)) {
				return nil, bad("tensor %s of shape %v does not fit in the file", t.Name, t.Shape)
			}
			n *= int64(d)
		}
		total += n
	}
	if h.Optimizer < 0 || 4*total+int64(h.Optimizer) != int64(r.Len()) {
		return nil, bad("header claims %d tensor values and %d optimizer bytes, the file holds %d bytes", total, h.Optimizer, r.Len())
	}
	m, err := model.New(h.Spec, 0)
	if err != nil {
		return nil, bad("model: %v", err)
	}
	if len(h.Tensors) != len(m.Params.List) {
		return nil, bad("%d tensors, model %s has %d", len(h.Tensors), h.Spec.Encoder, len(m.Params.List))
	}
	for i, t := range h.Tensors {
		p := m.Params.List[i]
		if t.Name != p.Name || fmt.Sprint(t.Shape) != fmt.Sprint(p.Shape) {
			return nil, bad("tensor %d is %s %v, model has %s %v", i, t.Name, t.Shape, p.Name, p.Shape)
		}
		if r.Len() < 4*len(p.Data) {
			return nil, bad("tensor %s truncated", t.Name)
		}
		for j := range p.Data {
			var b [4]byte
			r.Read(b[:])
			p.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
		}
	}
	if r.Len() != h.Optimizer {
		return nil, bad("optimizer state of %d bytes, header says %d", r.Len(), h.Optimizer)
	}
	opt := make([]byte, h.Optimizer)
	io.ReadFull(r, opt)
	return &Checkpoint{Step: h.Step, Position: h.Position, Model: m, Optimizer: opt, Extra: h.Extra}, nil
}

// checkpointName is the file name of the checkpoint after step steps.
func checkpointName(step int64) string { return fmt.Sprintf("step-%09d.ckpt", step) }

// checkpointPaths returns the checkpoints in dir, fewest steps first.
func checkpointPaths(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	var steps []int64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "step-") || !strings.HasSuffix(name, ".ckpt") {
			continue
		}
		s, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(name, "step-"), ".ckpt"), 10, 64)
		if err == nil {
			steps = append(steps, s)
		}
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i] < steps[j] })
	paths := make([]string, len(steps))
	for i, s := range steps {
		paths[i] = filepath.Join(dir, checkpointName(s))
	}
	return paths, nil
}

// LatestCheckpoint returns the path of the checkpoint with the most steps in
// dir, or "" when there is none.
func LatestCheckpoint(dir string) (string, error) {
	paths, err := checkpointPaths(dir)
	if err != nil || len(paths) == 0 {
		return "", err
	}
	return paths[len(paths)-1], nil
}

// pruneCheckpoints deletes all but the newest keep checkpoints (keep ≤ 0:
// none).
func pruneCheckpoints(dir string, keep int) error {
	if keep <= 0 {
		return nil
	}
	paths, err := checkpointPaths(dir)
	if err != nil {
		return err
	}
	for len(paths) > keep {
		if err := os.Remove(paths[0]); err != nil {
			return fmt.Errorf("pruning checkpoints: %w", err)
		}
		paths = paths[1:]
	}
	return nil
}

// readLatestCheckpoint reads the newest checkpoint that is whole. A damaged
// newer one (a crash while writing, a full disk) is renamed to NAME.damaged,
// with a warning, so that later runs and pruning pass over it, and the one
// before is used.
func readLatestCheckpoint(dir string, warn io.Writer) (*Checkpoint, string, error) {
	paths, err := checkpointPaths(dir)
	if err != nil {
		return nil, "", err
	}
	if len(paths) == 0 {
		return nil, "", fmt.Errorf("no checkpoint in %s", dir)
	}
	var errs []error
	for i := len(paths) - 1; i >= 0; i-- {
		ck, err := ReadCheckpoint(paths[i])
		if err == nil {
			for _, e := range errs {
				if warn != nil {
					fmt.Fprintf(warn, "warning: %v; set aside as .damaged, using %s\n", e, paths[i])
				}
			}
			for _, p := range paths[i+1:] {
				if err := os.Rename(p, p+".damaged"); err != nil {
					return nil, "", fmt.Errorf("setting aside a damaged checkpoint: %w", err)
				}
			}
			return ck, paths[i], nil
		}
		errs = append(errs, err)
	}
	return nil, "", errors.Join(errs...)
}
