package optim

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strings"
)

// The state format, version 1, all integers little-endian:
//
//	magic    8 bytes "SCOPTIM\x00"
//	version  uint32 (1)
//	algo     string: uint32 length + bytes ("sgd", "lars", ...)
//	buffers  uint32 count, then that many strings (buffer names, in order)
//	steps    int64 (Optimizer.Steps)
//	params   uint32 count, then per parameter:
//	           name string, kind uint8, steps int64, length uint64,
//	           then for each buffer, length float32 bit patterns
//	crc      uint32, CRC-32 (IEEE) of every byte before it
//
// The format is self-delimiting: Load reads exactly what Save wrote, so the
// state can sit inside a larger checkpoint stream.

const (
	stateMagic   = "SCOPTIM\x00"
	stateVersion = 1
	maxString    = 1 << 16
)

// Save writes the optimiser's full state (step counts and every parameter's
// buffers, keyed by name) to w. It does not write the parameter values: the
// caller checkpoints those.
func (o *Optimizer) Save(w io.Writer) error {
	h := crc32.NewIEEE()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	var b []byte
	putString := func(s string) {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = append(b, stateMagic...)
	b = binary.LittleEndian.AppendUint32(b, stateVersion)
	putString(o.name)
	names := bufNames(o.algo, o.cfg)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(names)))
	for _, n := range names {
		putString(n)
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(o.steps))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(o.params)))
	for i, p := range o.params {
		st := &o.state[i]
		putString(p.Name)
		b = append(b, byte(p.Kind))
		b = binary.LittleEndian.AppendUint64(b, uint64(st.steps))
		b = binary.LittleEndian.AppendUint64(b, uint64(len(p.Value)))
		for _, buf := range st.bufs {
			if len(buf) != len(p.Value) {
				return fmt.Errorf("optim: save: param %q has %d values, its state %d", p.Name, len(p.Value), len(buf))
			}
			for _, f := range buf {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
				if len(b) >= 1<<16 {
					if _, err := bw.Write(b); err != nil {
						return fmt.Errorf("optim: save: %w", err)
					}
					b = b[:0]
				}
			}
		}
	}
	if _, err := bw.Write(b); err != nil {
		return fmt.Errorf("optim: save: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("optim: save: %w", err)
	}
	if err := binary.Write(w, binary.LittleEndian, h.Sum32()); err != nil {
		return fmt.Errorf("optim: save: %w", err)
	}
	return nil
}

// stateReader reads the state format, hashing what it reads and naming what
// it was reading when the input ends.
type stateReader struct {
	r   io.Reader
	h   hash.Hash32
	buf [8]byte
}

func (sr *stateReader) read(p []byte, what string) error {
	if _, err := io.ReadFull(sr.r, p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("optim: load: state truncated reading %s: %w", what, io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("optim: load: reading %s: %w", what, err)
	}
	sr.h.Write(p)
	return nil
}

func (sr *stateReader) u8(what string) (uint8, error) {
	err := sr.read(sr.buf[:1], what)
	return sr.buf[0], err
}

func (sr *stateReader) u32(what string) (uint32, error) {
	err := sr.read(sr.buf[:4], what)
	return binary.LittleEndian.Uint32(sr.buf[:4]), err
}

func (sr *stateReader) u64(what string) (uint64, error) {
	err := sr.read(sr.buf[:8], what)
	return binary.LittleEndian.Uint64(sr.buf[:8]), err
}

func (sr *stateReader) str(what string) (string, error) {
	n, err := sr.u32(what + " length")
	if err != nil {
		return "", err
	}
	if n > maxString {
		return "", fmt.Errorf("optim: load: %s is %d bytes long, more than %d: not an optimiser state", what, n, maxString)
	}
	b := make([]byte, n)
	if err := sr.read(b, what); err != nil {
		return "", err
	}
	return string(b), nil
}

func (sr *stateReader) floats(dst []float32, what string) error {
	var chunk [4096]byte
	for len(dst) > 0 {
		n := min(len(dst), len(chunk)/4)
		if err := sr.read(chunk[:4*n], what); err != nil {
			return err
		}
		for i := range n {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(chunk[4*i:]))
		}
		dst = dst[n:]
	}
	return nil
}

// Load replaces the optimiser's state with one written by [Optimizer.Save]
// from an optimiser of the same algorithm and buffers over parameters with
// the same names, kinds and lengths (in any order). It reads exactly what
// Save wrote and changes nothing unless the whole state is valid; its errors
// name what is wrong (unknown or missing parameter, wrong length or kind,
// truncation, checksum).
func (o *Optimizer) Load(r io.Reader) error {
	sr := &stateReader{r: r, h: crc32.NewIEEE()}
	want, err := o.loadHeader(sr)
	if err != nil {
		return err
	}
	steps, err := sr.u64("step count")
	if err != nil {
		return err
	}
	np, err := sr.u32("parameter count")
	if err != nil {
		return err
	}
	if int64(np) != int64(len(o.params)) {
		return fmt.Errorf("optim: load: state has %d parameters, this optimiser %d", np, len(o.params))
	}
	index := make(map[string]int, len(o.params))
	for i, p := range o.params {
		index[p.Name] = i
	}
	loaded := make([]paramState, len(o.params))
	done := make([]bool, len(o.params))
	for k := range int(np) {
		pname, err := sr.str(fmt.Sprintf("name of parameter #%d", k))
		if err != nil {
			return err
		}
		i, ok := index[pname]
		if !ok {
			return fmt.Errorf("optim: load: state has parameter %q, which this optimiser does not", pname)
		}
		if done[i] {
			return fmt.Errorf("optim: load: state has parameter %q twice", pname)
		}
		done[i] = true
		if loaded[i], err = loadParam(sr, o.params[i], want); err != nil {
			return err
		}
	}
	sum := sr.h.Sum32()
	crc, err := sr.u32("checksum")
	if err != nil {
		return err
	}
	if crc != sum {
		return fmt.Errorf("optim: load: checksum %08x, computed %08x: the state is corrupt", crc, sum)
	}
	o.steps = int64(steps)
	o.state = loaded
	return nil
}

// loadHeader reads and checks the state's magic, version, algorithm and
// buffer names, and returns the buffer names.
func (o *Optimizer) loadHeader(sr *stateReader) ([]string, error) {
	magic := make([]byte, len(stateMagic))
	if err := sr.read(magic, "magic"); err != nil {
		return nil, err
	}
	if string(magic) != stateMagic {
		return nil, fmt.Errorf("optim: load: bad magic %q, want %q: not an optimiser state", magic, stateMagic)
	}
	ver, err := sr.u32("version")
	if err != nil {
		return nil, err
	}
	if ver != stateVersion {
		return nil, fmt.Errorf("optim: load: state version %d, this code reads version %d", ver, stateVersion)
	}
	name, err := sr.str("algorithm")
	if err != nil {
		return nil, err
	}
	if name != o.name {
		return nil, fmt.Errorf("optim: load: state is for optimiser %q, this one is %q", name, o.name)
	}
	nb, err := sr.u32("buffer count")
	if err != nil {
		return nil, err
	}
	want := bufNames(o.algo, o.cfg)
	if nb > 16 {
		return nil, fmt.Errorf("optim: load: state has %d buffers per parameter, want %d (%s)", nb, len(want), strings.Join(want, ", "))
	}
	got := make([]string, nb)
	for i := range got {
		if got[i], err = sr.str("buffer name"); err != nil {
			return nil, err
		}
	}
	if !slices.Equal(got, want) {
		return nil, fmt.Errorf("optim: load: state has buffers [%s], this %s (momentum %v) needs [%s]",
			strings.Join(got, " "), o.name, o.cfg.Momentum, strings.Join(want, " "))
	}
	return want, nil
}

// loadParam reads the state of parameter p (after its name): kind, step
// count, length and the buffers named by bufs.
func loadParam(sr *stateReader, p *Param, bufNames []string) (paramState, error) {
	kind, err := sr.u8(fmt.Sprintf("kind of %q", p.Name))
	if err != nil {
		return paramState{}, err
	}
	if Kind(kind) != p.Kind {
		return paramState{}, fmt.Errorf("optim: load: parameter %q has kind %v in the state, %v here", p.Name, Kind(kind), p.Kind)
	}
	psteps, err := sr.u64(fmt.Sprintf("step count of %q", p.Name))
	if err != nil {
		return paramState{}, err
	}
	n, err := sr.u64(fmt.Sprintf("length of %q", p.Name))
	if err != nil {
		return paramState{}, err
	}
	if n != uint64(len(p.Value)) {
		return paramState{}, fmt.Errorf("optim: load: parameter %q has length %d in the state, %d here", p.Name, n, len(p.Value))
	}
	bufs := make([][]float32, len(bufNames))
	for j := range bufs {
		bufs[j] = make([]float32, n)
		if err := sr.floats(bufs[j], fmt.Sprintf("%s buffer of %q", bufNames[j], p.Name)); err != nil {
			return paramState{}, err
		}
	}
	return paramState{steps: int64(psteps), bufs: bufs}, nil
}
