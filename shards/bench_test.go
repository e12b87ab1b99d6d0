package shards

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// benchShard frames records of recSize bytes up to about 64 MiB.
func benchShard(b *testing.B, recSize int) []byte {
	b.Helper()
	rec := bytes.Repeat([]byte("0123456789abcdef"), recSize/16)
	var buf bytes.Buffer
	w := NewWriter(&buf, None)
	for buf.Len() < 64<<20 {
		w.Write(rec)
		w.Close()
		w = NewWriter(&buf, None)
	}
	return buf.Bytes()
}

// BenchmarkRead measures framing + both CRC checks on a large in-memory
// shard, beside plain io.Copy of the same bytes through a buffer (the
// baseline: the ratio of the two MB/s figures is what matters).
func BenchmarkRead(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10} {
		data := benchShard(b, size)
		b.Run(fmt.Sprintf("io.Copy/rec=%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				// Hide WriterTo so the copy moves the bytes through a buffer,
				// as reading a file does.
				io.Copy(io.Discard, struct{ io.Reader }{bytes.NewReader(data)})
			}
		})
		b.Run(fmt.Sprintf("tfrecord/rec=%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				r, _ := NewReader(bytes.NewReader(data), ReaderOptions{})
				for {
					if _, err := r.Next(); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
			}
		})
	}
}

// BenchmarkDecodeExample measures decoding of a multiview record with two
// 32x32x3 raw views (records/s is 1e9 / ns/op).
func BenchmarkDecodeExample(b *testing.B) {
	m := &Multiview{ID: "cifar10/train/00042", Label: 3, ClassText: "cat", Format: FormatRaw, Height: 32, Width: 32, Channels: 3,
		Policy: "autoaugment:cifar10", Seed: 1, Views: [][]byte{make([]byte, 3072), make([]byte, 3072)}}
	data, err := m.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Example", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if _, err := UnmarshalExample(data); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("Multiview", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if _, err := UnmarshalMultiview(data); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			m.Example().Marshal()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
