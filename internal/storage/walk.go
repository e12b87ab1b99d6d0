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

	gcs "cloud.google.com/go/storage"
)

// Walk returns every file below root (a local folder or a gs:// prefix),
// at any depth, sorted by name, with sizes. On GCS it is one listing by
// prefix (pages of up to 1,000 names), not a request per file.
func Walk(ctx context.Context, root string) ([]FileInfo, error) {
	if IsGCS(root) {
		return defaultGCS.walk(ctx, root)
	}
	var out []FileInfo
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, FileInfo{Name: p, Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", root, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// walkPage is how many directory entries WalkEach reads at a time.
const walkPage = 1000

// WalkEach calls fn with every file below root (a local folder or a gs://
// prefix), at any depth, in no particular order, reading the listing in
// pages: a folder of a million files is never held whole. On GCS it is one
// listing by prefix (pages of up to 1,000 names); locally each folder is
// read walkPage entries at a time. An error from fn stops the walk and is
// returned as it is.
func WalkEach(ctx context.Context, root string, fn func(FileInfo) error) error {
	if IsGCS(root) {
		return defaultGCS.walkEach(ctx, root, fn)
	}
	err := walkLocal(ctx, root, fn)
	var stop fnError
	if errors.As(err, &stop) {
		return stop.err
	}
	if err != nil {
		return fmt.Errorf("listing %s: %w", root, err)
	}
	return nil
}

// fnError carries an error of WalkEach's fn through the walk unwrapped.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

func walkLocal(ctx context.Context, dir string, fn func(FileInfo) error) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := f.ReadDir(walkPage)
		for _, d := range entries {
			p := filepath.Join(dir, d.Name())
			if d.IsDir() {
				if err := walkLocal(ctx, p, fn); err != nil {
					return err
				}
				continue
			}
			if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
				continue
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if err := fn(FileInfo{Name: p, Size: info.Size()}); err != nil {
				return fnError{err}
			}
		}
		if err == io.EOF || len(entries) == 0 && err == nil {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (g *gcsFS) walkEach(ctx context.Context, root string, fn func(FileInfo) error) error {
	bucket, prefix, err := splitGCS(root)
	if err != nil {
		return err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	ctx, cancel := context.WithCancel(ctx) // fn's error stops the listing
	defer cancel()
	var ferr error
	err = g.eachObject(ctx, bucket, &gcs.Query{Prefix: prefix}, func(a *gcs.ObjectAttrs) {
		if ferr == nil && !strings.HasSuffix(a.Name, "/") { // not a folder placeholder object
			if ferr = fn(FileInfo{Name: "gs://" + bucket + "/" + a.Name, Size: a.Size}); ferr != nil {
				cancel()
			}
		}
	})
	if ferr != nil {
		return ferr
	}
	if err != nil {
		return gcsErr("listing", root, err)
	}
	return nil
}

// SubDirs returns the names (not paths) of the folders directly below root,
// sorted. On GCS these are the common prefixes of one delimited listing.
func SubDirs(ctx context.Context, root string) ([]string, error) {
	if IsGCS(root) {
		return defaultGCS.subDirs(ctx, root)
	}
	entries, err := readDir(root)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", root, err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

var readDir = os.ReadDir

func (g *gcsFS) walk(ctx context.Context, root string) ([]FileInfo, error) {
	return g.list(ctx, root, "", nil)
}

func (g *gcsFS) subDirs(ctx context.Context, root string) ([]string, error) {
	var dirs []string
	if _, err := g.list(ctx, root, "/", &dirs); err != nil {
		return nil, err
	}
	sort.Strings(dirs)
	return dirs, nil
}

// list lists objects under root/; with a delimiter it collects the names of
// the sub-prefixes into dirs.
func (g *gcsFS) list(ctx context.Context, root, delim string, dirs *[]string) ([]FileInfo, error) {
	bucket, prefix, err := splitGCS(root)
	if err != nil {
		return nil, err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	var out []FileInfo
	err = g.eachObject(ctx, bucket, &gcs.Query{Prefix: prefix, Delimiter: delim}, func(a *gcs.ObjectAttrs) {
		switch {
		case a.Prefix != "":
			if dirs != nil {
				*dirs = append(*dirs, strings.TrimSuffix(strings.TrimPrefix(a.Prefix, prefix), "/"))
			}
		case !strings.HasSuffix(a.Name, "/"): // not a folder placeholder object
			out = append(out, FileInfo{Name: "gs://" + bucket + "/" + a.Name, Size: a.Size})
		}
	})
	if err != nil {
		return nil, gcsErr("listing", root, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
