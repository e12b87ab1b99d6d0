package tfevents

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

// Reader reads the events of an event file, one at a time, checking the
// framing's CRCs. It is not safe for concurrent use.
type Reader struct {
	tr   *shards.Reader
	name string
}

// NewReader returns a Reader of the event file's bytes r; name labels it in
// errors.
func NewReader(r io.Reader, name string) (*Reader, error) {
	tr, err := shards.NewReader(r, shards.ReaderOptions{Name: name})
	if err != nil {
		return nil, err
	}
	return &Reader{tr: tr, name: name}, nil
}

// Next returns the next event, or io.EOF after the last.
func (r *Reader) Next() (Event, error) {
	rec, err := r.tr.Next()
	if err != nil {
		return Event{}, err
	}
	e, err := ParseEvent(rec)
	if err != nil {
		return Event{}, fmt.Errorf("%s: record %d: %w", r.name, r.tr.Records()-1, err)
	}
	return e, nil
}

// ReadFile reads every event of the event file path (local or gs://).
func ReadFile(ctx context.Context, path string) ([]Event, error) {
	f, err := storage.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("tfevents: %w", err)
	}
	defer f.Close()
	r, err := NewReader(f, path)
	if err != nil {
		return nil, err
	}
	var out []Event
	for {
		e, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
}

// Scalar is one point of a tag's series.
type Scalar struct {
	Step     int64
	WallTime float64
	Value    float32
}

// ReadDir reads the event files directly in dir (local or gs://) in name
// order, as TensorBoard does, and returns each tag's series by step. A
// restart (a SessionLog START at step s) drops the points of steps from s
// on read so far, as TensorBoard does; a later point of a step replaces an
// earlier one. A file whose first event is not the version event is an error.
func ReadDir(ctx context.Context, dir string) (map[string][]Scalar, error) {
	files, err := storage.Glob(ctx, storage.Join(dir, FilePrefix+"*"))
	if err != nil {
		return nil, fmt.Errorf("tfevents: listing %s: %w", dir, err)
	}
	byTag := map[string]map[int64]Scalar{}
	for _, f := range files {
		evs, err := ReadFile(ctx, f.Name)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 || evs[0].FileVersion == "" {
			return nil, fmt.Errorf("tfevents: %s: the first event is not the file version", f.Name)
		}
		for _, e := range evs[1:] {
			if e.SessionStatus == SessionStart {
				for _, series := range byTag {
					for s := range series {
						if s >= e.Step {
							delete(series, s)
						}
					}
				}
			}
			for _, v := range e.Summary {
				if byTag[v.Tag] == nil {
					byTag[v.Tag] = map[int64]Scalar{}
				}
				byTag[v.Tag][e.Step] = Scalar{Step: e.Step, WallTime: e.WallTime, Value: v.Value}
			}
		}
	}
	out := make(map[string][]Scalar, len(byTag))
	for tag, series := range byTag {
		pts := make([]Scalar, 0, len(series))
		for _, p := range series {
			pts = append(pts, p)
		}
		slices.SortFunc(pts, func(a, b Scalar) int { return cmp.Compare(a.Step, b.Step) })
		out[tag] = pts
	}
	return out, nil
}
