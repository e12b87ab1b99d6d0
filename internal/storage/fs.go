package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FileSystem is the one seam through which the project reads and writes
// files: local paths and gs:// URLs behind the same calls. Implementations
// are safe for concurrent use.
type FileSystem interface {
	// Create opens name for writing, replacing any file there. On object
	// stores the file exists only once Close has returned nil.
	Create(ctx context.Context, name string) (io.WriteCloser, error)
	// Open opens name for reading.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Glob returns the files matching pattern (path.Match syntax, where * and
	// ? never match a '/'), sorted by name, with their sizes, listing each
	// folder once rather than asking for every file's metadata.
	Glob(ctx context.Context, pattern string) ([]FileInfo, error)
	// Stat returns one file's size; a missing file is an error matching fs.ErrNotExist.
	Stat(ctx context.Context, name string) (FileInfo, error)
	// Rename moves a file, replacing any file at the destination.
	Rename(ctx context.Context, from, to string) error
	// Remove deletes a file; a missing file is an error matching fs.ErrNotExist.
	Remove(ctx context.Context, name string) error
}

// FileInfo is a file's name (as given to or returned by the FileSystem) and size.
type FileInfo struct {
	Name string
	Size int64
}

// IsGCS reports whether name is a gs:// URL.
func IsGCS(name string) bool { return strings.HasPrefix(name, "gs://") }

// For returns the FileSystem for name: Google Cloud Storage for
// gs:// URLs, the local file system otherwise.
func For(name string) FileSystem {
	if IsGCS(name) {
		return defaultGCS
	}
	return Local
}

// Create opens name for writing on its FileSystem.
func Create(ctx context.Context, name string) (io.WriteCloser, error) {
	return For(name).Create(ctx, name)
}

// CreateScratch opens name for writing a temporary file that a later step
// of the same job reads and then deletes (a pipeline's sorted runs). It is
// Create, except that a local file is not synced to disk on Close: a machine
// crash that loses it loses the job too, and syncing every such file costs
// more than writing it. Close still reports every write error.
func CreateScratch(ctx context.Context, name string) (io.WriteCloser, error) {
	if IsGCS(name) {
		return defaultGCS.Create(ctx, name)
	}
	f, err := createLocal(name)
	if err != nil {
		return nil, err
	}
	return scratchWriter{f}, nil
}

// createLocal creates (or truncates) the local file name, making its
// folder first.
func createLocal(name string) (*os.File, error) {
	if dir := filepath.Dir(name); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", name, err)
		}
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", name, err)
	}
	return f, nil
}

// scratchWriter names the file in the error of Close.
type scratchWriter struct{ *os.File }

func (w scratchWriter) Close() error {
	if err := w.File.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", w.Name(), err)
	}
	return nil
}

// Open opens name for reading on its FileSystem.
func Open(ctx context.Context, name string) (io.ReadCloser, error) {
	return For(name).Open(ctx, name)
}

// Glob lists the files matching pattern on its FileSystem.
func Glob(ctx context.Context, pattern string) ([]FileInfo, error) {
	return For(pattern).Glob(ctx, pattern)
}

// ReadFile reads a whole (small) file from its FileSystem.
func ReadFile(ctx context.Context, name string) ([]byte, error) {
	r, err := Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return b, nil
}

// WriteFile writes data to name through a temporary name in the same
// folder and a rename, so that readers never see a partial file.
func WriteFile(ctx context.Context, name string, data []byte) error {
	fsys := For(name)
	tmp := name + ".tmp-" + RandomHex(8)
	w, err := fsys.Create(ctx, tmp)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		fsys.Remove(ctx, tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		fsys.Remove(ctx, tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return fsys.Rename(ctx, tmp, name)
}

// Local is the local file system.
var Local FileSystem = localFS{}

type localFS struct{}

func (localFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	f, err := createLocal(name)
	if err != nil {
		return nil, err
	}
	return &localWriter{f: f}, nil
}

// localWriter names the file in its errors and syncs on Close, so that a
// successful Close means the bytes are on disk.
type localWriter struct{ f *os.File }

func (w *localWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *localWriter) Close() error {
	serr := w.f.Sync()
	cerr := w.f.Close()
	if err := errors.Join(serr, cerr); err != nil {
		return fmt.Errorf("closing %s: %w", w.f.Name(), err)
	}
	return nil
}

func (localFS) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	return f, nil
}

func (localFS) Glob(ctx context.Context, pattern string) ([]FileInfo, error) {
	names, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("glob %q: %w", pattern, err)
	}
	out := make([]FileInfo, 0, len(names))
	for _, n := range names {
		st, err := os.Stat(n)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since it was listed: the glob is a snapshot, as on gs://
		}
		if err != nil {
			return nil, fmt.Errorf("glob %q: %w", pattern, err)
		}
		if st.IsDir() {
			continue
		}
		out = append(out, FileInfo{Name: n, Size: st.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (localFS) Stat(ctx context.Context, name string) (FileInfo, error) {
	st, err := os.Stat(name)
	if err != nil {
		return FileInfo{}, err
	}
	if st.IsDir() {
		return FileInfo{}, fmt.Errorf("%s: is a directory", name)
	}
	return FileInfo{Name: name, Size: st.Size()}, nil
}

func (localFS) Rename(ctx context.Context, from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", from, to, err)
	}
	return os.Rename(from, to) // *os.LinkError names both
}

func (localFS) Remove(ctx context.Context, name string) error {
	err := os.Remove(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// A non-empty directory or a permission problem: say which.
		return fmt.Errorf("removing %s: %w", name, err)
	}
	return err
}
