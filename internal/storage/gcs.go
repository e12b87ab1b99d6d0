package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	gcs "cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
)

// gcsFS is Google Cloud Storage through the official client. The client is
// made on first use with Application Default Credentials; when
// STORAGE_EMULATOR_HOST is set (tests, local emulators) the client talks to
// that host instead, without credentials.
type gcsFS struct {
	once   sync.Once
	client *gcs.Client
	err    error
}

var defaultGCS = &gcsFS{}

func (g *gcsFS) get() (*gcs.Client, error) {
	g.once.Do(func() {
		g.client, g.err = gcs.NewClient(context.Background())
		if g.err != nil {
			g.err = fmt.Errorf("connecting to Google Cloud Storage: %w", g.err)
		}
	})
	return g.client, g.err
}

// splitGCS splits gs://bucket/object into bucket and object.
func splitGCS(name string) (bucket, object string, err error) {
	rest, ok := strings.CutPrefix(name, "gs://")
	if !ok {
		return "", "", fmt.Errorf("%q is not a gs:// URL", name)
	}
	bucket, object, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q has no bucket", name)
	}
	return bucket, object, nil
}

func (g *gcsFS) object(name string) (*gcs.ObjectHandle, error) {
	c, err := g.get()
	if err != nil {
		return nil, err
	}
	b, o, err := splitGCS(name)
	if err != nil {
		return nil, err
	}
	if o == "" {
		return nil, fmt.Errorf("%q names a bucket, not an object", name)
	}
	return c.Bucket(b).Object(o), nil
}

// gcsErr wraps err with what was done and makes a missing object match fs.ErrNotExist.
func gcsErr(op, name string, err error) error {
	if errors.Is(err, gcs.ErrObjectNotExist) || errors.Is(err, gcs.ErrBucketNotExist) {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}

func (g *gcsFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	o, err := g.object(name)
	if err != nil {
		return nil, err
	}
	return &gcsWriter{w: o.NewWriter(ctx), name: name}, nil
}

// gcsWriter names the object in errors; the object exists only after Close succeeds.
type gcsWriter struct {
	w    *gcs.Writer
	name string
}

func (w *gcsWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		err = gcsErr("writing", w.name, err)
	}
	return n, err
}

func (w *gcsWriter) Close() error {
	if err := w.w.Close(); err != nil {
		return gcsErr("finishing upload of", w.name, err)
	}
	return nil
}

func (g *gcsFS) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	o, err := g.object(name)
	if err != nil {
		return nil, err
	}
	r, err := o.NewReader(ctx)
	if err != nil {
		return nil, gcsErr("open", name, err)
	}
	return r, nil
}

// Glob lists objects under the pattern's longest literal prefix in one
// listing (pages of up to 1,000 names with their sizes) and matches each
// name with path.Match.
func (g *gcsFS) Glob(ctx context.Context, pattern string) ([]FileInfo, error) {
	bucket, objPattern, err := splitGCS(pattern)
	if err != nil {
		return nil, err
	}
	if _, err := path.Match(objPattern, ""); err != nil {
		return nil, fmt.Errorf("glob %q: %w", pattern, err)
	}
	prefix := objPattern
	if i := strings.IndexAny(objPattern, `*?[\`); i >= 0 {
		prefix = objPattern[:i]
	}
	var out []FileInfo
	err = g.eachObject(ctx, bucket, &gcs.Query{Prefix: prefix}, func(a *gcs.ObjectAttrs) {
		if ok, _ := path.Match(objPattern, a.Name); ok && a.Prefix == "" {
			out = append(out, FileInfo{Name: "gs://" + bucket + "/" + a.Name, Size: a.Size})
		}
	})
	if err != nil {
		return nil, gcsErr("listing", pattern, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// eachObject lists the bucket's objects matching q (names and sizes only,
// in pages of up to 1,000) and calls fn for each.
func (g *gcsFS) eachObject(ctx context.Context, bucket string, q *gcs.Query, fn func(*gcs.ObjectAttrs)) error {
	c, err := g.get()
	if err != nil {
		return err
	}
	if err := q.SetAttrSelection([]string{"Name", "Size"}); err != nil {
		return err
	}
	it := c.Bucket(bucket).Objects(ctx, q)
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return nil
		}
		if err != nil {
			return err
		}
		fn(a)
	}
}

func (g *gcsFS) Stat(ctx context.Context, name string) (FileInfo, error) {
	o, err := g.object(name)
	if err != nil {
		return FileInfo{}, err
	}
	a, err := o.Attrs(ctx)
	if err != nil {
		return FileInfo{}, gcsErr("stat", name, err)
	}
	return FileInfo{Name: name, Size: a.Size}, nil
}

// Rename copies the object server-side, then deletes the source.
func (g *gcsFS) Rename(ctx context.Context, from, to string) error {
	src, err := g.object(from)
	if err != nil {
		return err
	}
	dst, err := g.object(to)
	if err != nil {
		return err
	}
	if _, err := dst.CopierFrom(src).Run(ctx); err != nil {
		return gcsErr("copying to "+to+" from", from, err)
	}
	if err := src.Delete(ctx); err != nil {
		return gcsErr("deleting renamed", from, err)
	}
	return nil
}

func (g *gcsFS) Remove(ctx context.Context, name string) error {
	o, err := g.object(name)
	if err != nil {
		return err
	}
	if err := o.Delete(ctx); err != nil {
		return gcsErr("remove", name, err)
	}
	return nil
}

// RandomHex returns n random bytes as hex, for unique temporary names.
func RandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
