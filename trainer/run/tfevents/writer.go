package tfevents

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

// FilePrefix begins every event file's name; TensorBoard reads the files
// whose names contain "tfevents".
const FilePrefix = "events.out.tfevents."

// FileName returns the name TensorFlow's EventsWriter gives a file started
// at t on host: events.out.tfevents.<seconds, ten digits>.<host>.
func FileName(t time.Time, host string) string {
	return fmt.Sprintf("%s%010d.%s", FilePrefix, t.Unix(), host)
}

// Options configure a Writer. The zero value is the usual one.
type Options struct {
	// Host names the machine in the file's name; "" means os.Hostname().
	Host string
	// Now gives the events' wall times; nil means time.Now.
	Now func() time.Time
}

// localFlushEvery is how often a Writer of a local file hands its events to
// the file by itself (at the first event after that long), so that a
// TensorBoard watching the run sees it move between the caller's Flushes.
var localFlushEvery = 10 * time.Second

// Writer writes one event file: the version event when it is made, then an
// event per call. Events are buffered until Flush. A local file is appended
// to, at each Flush and every 10 seconds; an object on gs://, which
// cannot be appended to, is uploaded whole at each Flush (an upload replaces
// the object at once, so a reader sees the old events or the new ones). It
// is not safe for concurrent use.
type Writer struct {
	path    string
	now     func() time.Time
	tw      *shards.Writer
	f       io.WriteCloser // local file, or nil
	all     *bytes.Buffer  // gs://: the whole file so far, or nil
	flushed time.Time      // local: when the events were last handed to the file
	rec     []byte
	done    bool
}

// NewWriter returns a Writer of events onto w (an event file's bytes; Flush
// hands them to w, Close does not close it) and writes the version event.
func NewWriter(w io.Writer, opt Options) (*Writer, error) {
	ew := &Writer{now: opt.Now, tw: shards.NewWriter(w, shards.None)}
	if ew.now == nil {
		ew.now = time.Now
	}
	return ew, ew.Write(Event{WallTime: wallTime(ew.now()), FileVersion: FileVersion})
}

// Create starts a new event file in dir (a local folder or a gs:// URL,
// made if missing), named by FileName from the time now. When a file of
// that name exists (a writer started in the same second) the time in the
// name is moved on a second at a time until the name is free, so that the
// files still sort in the order they were started, as TensorBoard reads
// them.
func Create(ctx context.Context, dir string, opt Options) (*Writer, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	host := opt.Host
	if host == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		host = h
	}
	path, err := freeName(ctx, dir, now(), host)
	if err != nil {
		return nil, err
	}
	var dst io.Writer
	var f io.WriteCloser
	var all *bytes.Buffer
	if storage.IsGCS(path) {
		all = new(bytes.Buffer)
		dst = all
	} else {
		if f, err = storage.Create(ctx, path); err != nil {
			return nil, fmt.Errorf("tfevents: %w", err)
		}
		dst = f
	}
	ew, err := NewWriter(dst, Options{Now: now})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, err
	}
	ew.path, ew.f, ew.all, ew.flushed = path, f, all, time.Now()
	if err := ew.Flush(ctx); err != nil { // the file exists from the start
		ew.Close(ctx)
		return nil, err
	}
	return ew, nil
}

// freeName returns the path of the first free file name in dir from t on.
func freeName(ctx context.Context, dir string, t time.Time, host string) (string, error) {
	for i := 0; ; i++ {
		p := storage.Join(dir, FileName(t.Add(time.Duration(i)*time.Second), host))
		_, err := storage.For(p).Stat(ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("tfevents: checking %s: %w", p, err)
		}
	}
}

// wallTime returns t in seconds since 1970, as TensorBoard's wall_time.
func wallTime(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// Path returns the file's path ("" for a Writer made by NewWriter).
func (w *Writer) Path() string { return w.path }

// Write adds the event e as it is (its wall time included).
func (w *Writer) Write(e Event) error {
	if w.done {
		return fmt.Errorf("tfevents %s: write after Close", w.path)
	}
	w.rec = AppendEvent(w.rec[:0], e)
	if err := w.tw.Write(w.rec); err != nil {
		return fmt.Errorf("tfevents %s: %w", w.path, err)
	}
	if w.f != nil && time.Since(w.flushed) >= localFlushEvery {
		w.flushed = time.Now()
		if err := w.tw.Flush(); err != nil {
			return fmt.Errorf("tfevents %s: %w", w.path, err)
		}
	}
	return nil
}

// Scalars adds one event at step, timed now, holding the values in order.
func (w *Writer) Scalars(step int64, values ...Value) error {
	return w.Write(Event{WallTime: wallTime(w.now()), Step: step, Summary: values})
}

// SessionStart records that writing starts again at step after a restart:
// TensorBoard then drops the events of steps from step on that an earlier
// file holds (written after the checkpoint the run resumed from).
func (w *Writer) SessionStart(step int64) error {
	return w.Write(Event{WallTime: wallTime(w.now()), Step: step, SessionStatus: SessionStart})
}

// Flush hands the buffered events to the file (on gs://, uploads it whole).
func (w *Writer) Flush(ctx context.Context) error {
	err := w.tw.Flush()
	if err == nil && w.all != nil {
		err = upload(ctx, w.path, w.all.Bytes())
	}
	if err != nil {
		return fmt.Errorf("tfevents %s: %w", w.path, err)
	}
	return nil
}

// upload replaces the object path with data in one upload (no temporary
// object, which TensorBoard would take for another event file).
func upload(ctx context.Context, path string, data []byte) error {
	f, err := storage.Create(ctx, path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Close flushes the events and closes the file, reporting the first error.
// Closing again does nothing.
func (w *Writer) Close(ctx context.Context) error {
	if w.done {
		return nil
	}
	w.done = true
	ferr := w.Flush(ctx)
	if err := w.tw.Close(); err != nil && ferr == nil {
		ferr = fmt.Errorf("tfevents %s: %w", w.path, err)
	}
	if w.f != nil {
		if err := w.f.Close(); err != nil && ferr == nil {
			ferr = fmt.Errorf("tfevents: %w", err)
		}
	}
	return ferr
}

// IsEventFile reports whether a file name is an event file's, by
// TensorBoard's rule (its base name contains "tfevents").
func IsEventFile(name string) bool { return strings.Contains(storage.Base(name), "tfevents") }

// RemoveFiles deletes the event files directly in dir (not in its
// subfolders), so that a run started afresh does not show the old one's
// figures; a missing dir is no error.
func RemoveFiles(ctx context.Context, dir string) error {
	files, err := storage.Glob(ctx, storage.Join(dir, FilePrefix+"*"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tfevents: listing %s: %w", dir, err)
	}
	for _, f := range files {
		if err := storage.For(f.Name).Remove(ctx, f.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("tfevents: %w", err)
		}
	}
	return nil
}
