package tfevents

import (
	"context"
	"io"
	"testing"
)

// The cost of a training step's event: three scalars, encoded and framed.
func BenchmarkScalars(b *testing.B) {
	w, err := NewWriter(io.Discard, Options{})
	if err != nil {
		b.Fatal(err)
	}
	vals := []Value{{"train/loss", 4.2}, {"train/learning_rate", 0.05}, {"train/views_per_sec", 812}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := w.Scalars(int64(i), vals...); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}
