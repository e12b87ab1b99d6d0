// Package npy reads and writes NumPy .npy files, strictly: format versions
// 1.0, 2.0 and 3.0, little-endian float32, float64, int32 and int64 arrays
// in C order. Anything else (big-endian or structured dtypes, Fortran order,
// pickled objects, a data length that does not match the shape) is an error
// that says why, so that a file produced by a different tool is never
// misread.
//
// The format is described at
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// magic opens every .npy file.
const magic = "\x93NUMPY"

// maxBytes bounds the data of an array this package will describe (1 TiB):
// shapes claiming more are rejected before any arithmetic can overflow.
const maxBytes = 1 << 40

// DType is a supported element type, as NumPy's descr string.
type DType string

// The supported element types.
const (
	Float32 DType = "<f4"
	Float64 DType = "<f8"
	Int32   DType = "<i4"
	Int64   DType = "<i8"
)

// size returns the bytes per element of t, or 0 when t is not supported.
func (t DType) size() int {
	switch t {
	case Float32, Int32:
		return 4
	case Float64, Int64:
		return 8
	}
	return 0
}

// Array is a decoded .npy file: its shape, element type and little-endian
// C-order data.
type Array struct {
	Shape []int
	DType DType
	Data  []byte
}

// Len returns the number of elements, the product of the shape.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// ReadFile reads and parses the .npy file at path; errors name the file.
func ReadFile(path string) (*Array, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Read reads r to the end and parses it as a .npy file.
func Read(r io.Reader) (*Array, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return Parse(b)
}

// Parse decodes a whole .npy file. The returned Data aliases b.
func Parse(b []byte) (*Array, error) {
	if len(b) < 10 || string(b[:6]) != magic {
		return nil, errors.New("npy: not a .npy file (no \\x93NUMPY magic)")
	}
	major, minor := b[6], b[7]
	var hlen, start int
	switch {
	case major == 1 && minor == 0:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case (major == 2 || major == 3) && minor == 0:
		if len(b) < 12 {
			return nil, errors.New("npy: truncated header length")
		}
		h := binary.LittleEndian.Uint32(b[8:12])
		if uint64(h) > uint64(len(b)) {
			return nil, fmt.Errorf("npy: header of %d bytes in a file of %d", h, len(b))
		}
		hlen, start = int(h), 12
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d", major, minor)
	}
	if start+hlen > len(b) {
		return nil, fmt.Errorf("npy: header of %d bytes in a file of %d", hlen, len(b))
	}
	header := b[start : start+hlen]
	a, err := parseHeader(header, major)
	if err != nil {
		return nil, fmt.Errorf("npy: header %q: %w", header, err)
	}
	data := b[start+hlen:]
	want := uint64(a.DType.size())
	for _, d := range a.Shape {
		want *= uint64(d) // bounded by parseShape
	}
	if uint64(len(data)) != want {
		return nil, fmt.Errorf("npy: shape %v of %s needs %d data bytes, file has %d", a.Shape, a.DType, want, len(data))
	}
	a.Data = data
	return a, nil
}

// parseHeader parses the header dict: exactly the keys descr, fortran_order
// and shape, as Python literals.
func parseHeader(h []byte, major byte) (*Array, error) {
	if len(h) == 0 || h[len(h)-1] != '\n' {
		return nil, errors.New("does not end in a newline")
	}
	if major < 3 {
		for _, c := range h {
			if c >= 0x80 {
				return nil, errors.New("non-ASCII byte in a version 1 or 2 header")
			}
		}
	}
	p := &parser{s: string(bytes.TrimRight(h, " \n"))}
	if !p.eat('{') {
		return nil, errors.New("not a dict")
	}
	a := &Array{}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return nil, fmt.Errorf("no ':' after key %q", key)
		}
		switch key {
		case "descr":
			d, err := p.str()
			if err != nil {
				return nil, fmt.Errorf("descr: %w (structured dtypes are not supported)", err)
			}
			a.DType = DType(d)
			if err := checkDType(d); err != nil {
				return nil, err
			}
		case "fortran_order":
			switch {
			case p.word("False"):
			case p.word("True"):
				return nil, errors.New("Fortran-order arrays are not supported: save with numpy.ascontiguousarray")
			default:
				return nil, errors.New("fortran_order is neither True nor False")
			}
		case "shape":
			if a.Shape, err = p.shape(); err != nil {
				return nil, fmt.Errorf("shape: %w", err)
			}
		default:
			return nil, fmt.Errorf("unexpected key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return nil, fmt.Errorf("no ',' or '}' after %q", key)
			}
			break
		}
	}
	p.skip()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("text after the dict: %q", p.s[p.i:])
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return nil, fmt.Errorf("no %q key", k)
		}
	}
	total := uint64(a.DType.size())
	for _, d := range a.Shape {
		if d > 0 && total > maxBytes/uint64(d) {
			return nil, fmt.Errorf("shape %v is larger than %d bytes", a.Shape, uint64(maxBytes))
		}
		total *= uint64(d)
	}
	return a, nil
}

// checkDType explains why descr d is not supported, or returns nil.
func checkDType(d string) error {
	if DType(d).size() > 0 {
		return nil
	}
	if len(d) > 1 && d[0] == '>' {
		return fmt.Errorf("big-endian dtype %q is not supported: convert with .astype('<%s')", d, d[1:])
	}
	if d == "|O" {
		return errors.New("object arrays (pickles) are not supported")
	}
	return fmt.Errorf("dtype %q is not supported (want <f4, <f8, <i4 or <i8)", d)
}

// parser is a cursor over the header dict's text.
type parser struct {
	s string
	i int
}

func (p *parser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

// eat consumes c after spaces, if it is next.
func (p *parser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// word consumes w after spaces, if it is next and not followed by a letter.
func (p *parser) word(w string) bool {
	p.skip()
	if !strings.HasPrefix(p.s[p.i:], w) {
		return false
	}
	if j := p.i + len(w); j < len(p.s) && isIdent(p.s[j]) {
		return false
	}
	p.i += len(w)
	return true
}

func isIdent(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// str consumes a quoted string without escapes.
func (p *parser) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("want a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsRune(v, '\\') {
		return "", errors.New("escapes in strings are not supported")
	}
	p.i += end + 2
	return v, nil
}

// shape consumes a tuple of non-negative integers: (), (n,) or (n, m, ...).
func (p *parser) shape() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("want a tuple")
	}
	shape := []int{}
	for {
		if p.eat(')') { // () or a trailing comma
			return shape, nil
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i {
			return nil, errors.New("want a non-negative integer")
		}
		n, err := strconv.ParseUint(p.s[p.i:j], 10, 63)
		if err != nil || n > maxBytes {
			return nil, fmt.Errorf("dimension %s out of range", p.s[p.i:j])
		}
		shape = append(shape, int(n))
		p.i = j
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, errors.New("want ',' or ')'")
			}
			if len(shape) == 1 {
				return nil, errors.New("(n) is not a tuple: want (n,)")
			}
			return shape, nil
		}
	}
}

// Float32s returns the elements as float32: float32 data as is, float64
// converted (an error if a finite value does not fit in float32).
func (a *Array) Float32s() ([]float32, error) {
	n := a.Len()
	out := make([]float32, n)
	switch a.DType {
	case Float32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
		}
	case Float64:
		for i := range out {
			v := math.Float64frombits(binary.LittleEndian.Uint64(a.Data[8*i:]))
			if math.Abs(v) > math.MaxFloat32 && !math.IsInf(v, 0) {
				return nil, fmt.Errorf("element %d = %g does not fit in float32", i, v)
			}
			out[i] = float32(v)
		}
	default:
		return nil, fmt.Errorf("dtype %s is not a float (want <f4 or <f8)", a.DType)
	}
	return out, nil
}

// Ints returns the elements of an int32 or int64 array as ints.
func (a *Array) Ints() ([]int, error) {
	n := a.Len()
	out := make([]int, n)
	switch a.DType {
	case Int32:
		for i := range out {
			out[i] = int(int32(binary.LittleEndian.Uint32(a.Data[4*i:])))
		}
	case Int64:
		for i := range out {
			out[i] = int(int64(binary.LittleEndian.Uint64(a.Data[8*i:])))
		}
	default:
		return nil, fmt.Errorf("dtype %s is not an integer (want <i4 or <i8)", a.DType)
	}
	return out, nil
}

// Header returns the version 1.0 header of an array of dtype t and shape,
// padded with spaces so that the data starts at a multiple of 64 bytes.
func Header(t DType, shape []int) []byte {
	var dims strings.Builder
	for i, d := range shape {
		if i > 0 {
			dims.WriteString(", ")
		}
		dims.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		dims.WriteString(",")
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", t, dims.String())
	pad := 63 - (10+len(dict))%64
	h := make([]byte, 0, 10+len(dict)+pad+1)
	h = append(h, magic...)
	h = append(h, 1, 0)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)+pad+1))
	h = append(h, dict...)
	h = append(h, bytes.Repeat([]byte{' '}, pad)...)
	return append(h, '\n')
}

// WriteFloat32 writes data as a float32 .npy array of the given shape.
func WriteFloat32(w io.Writer, shape []int, data []float32) error {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("npy: shape %v needs %d elements, have %d", shape, n, len(data))
	}
	buf := Header(Float32, shape)
	buf = append(buf, make([]byte, 4*len(data))...)
	body := buf[len(buf)-4*len(data):]
	for i, v := range data {
		binary.LittleEndian.PutUint32(body[4*i:], math.Float32bits(v))
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// ReadFloat32s reads the .npy file at path as float32 values (float64
// converted, see Array.Float32s) and returns them with the array's shape.
// Errors name the file.
func ReadFloat32s(path string) ([]float32, []int, error) {
	a, err := ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	v, err := a.Float32s()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, a.Shape, nil
}

// ReadInts reads the .npy file at path as ints (from int32 or int64) and
// returns them with the array's shape. Errors name the file.
func ReadInts(path string) ([]int, []int, error) {
	a, err := ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	v, err := a.Ints()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, a.Shape, nil
}

// WriteFloat32File writes data as a float32 .npy file of the given shape at
// path, reporting an error of closing the file too. Errors name the file.
func WriteFloat32File(path string, shape []int, data []float32) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("%s: %w", path, cerr)
		}
	}()
	if err := WriteFloat32(f, shape, data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
