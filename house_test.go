// Package supcon_test holds the repository's house rules as tests, so that
// `go test ./...` keeps them: every Go file is gofmt-formatted, every package
// has a package comment, and `go vet ./...` is clean.
package supcon_test

import (
	"bytes"
	"go/build"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// skipDir reports whether the go tool ignores the directory (hidden, "_"
// prefixed, testdata) or it is not part of the module's source.
func skipDir(path string, d fs.DirEntry) bool {
	name := d.Name()
	return path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata")
}

// packageDirs returns the module's directories that hold Go files.
func packageDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if skipDir(path, d) {
			return filepath.SkipDir
		}
		matches, err := filepath.Glob(filepath.Join(path, "*.go"))
		if len(matches) > 0 {
			dirs = append(dirs, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// TestGofmt checks that every Go file, test data included, is formatted as
// gofmt formats it.
func TestGofmt(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		out, err := format.Source(src)
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if !bytes.Equal(out, src) {
			t.Errorf("%s is not gofmt-formatted: run gofmt -w %s", path, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no Go files found: the test must run from the module root")
	}
}

// TestPackageComments checks that every package (commands included) has a
// package comment in one of its non-test files, as go doc shows it.
func TestPackageComments(t *testing.T) {
	dirs := packageDirs(t)
	if len(dirs) < 5 {
		t.Fatalf("%d package directories: the test must run from the module root", len(dirs))
	}
	for _, dir := range dirs {
		pkg, err := build.ImportDir(dir, 0)
		if _, ok := err.(*build.NoGoError); ok || (err == nil && len(pkg.GoFiles) == 0) {
			continue // test files only, or none for this platform
		}
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		documented := false
		for _, name := range pkg.GoFiles {
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Errorf("%s: %v", dir, err)
				break
			}
			if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
				documented = true
				break
			}
		}
		if !documented {
			t.Errorf("package %s (%s) has no package comment", pkg.Name, dir)
		}
	}
}

// TestVet runs go vet over the module. It compiles every package, so it is
// left out of short runs.
func TestVet(t *testing.T) {
	if testing.Short() {
		t.Skip("go vet ./... compiles the whole module")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	out, err := exec.Command(goTool, "vet", "./...").CombinedOutput()
	if err != nil {
		t.Errorf("go vet ./...: %v\n%s", err, out)
	}
}
