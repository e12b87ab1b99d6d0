package tfevents

import (
	"context"
	"fmt"
	"io"

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
