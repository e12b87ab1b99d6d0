package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/supcon/supcon/internal/progress"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

func init() {
	register(&command{
		Name:    "inspect",
		Args:    "FILE_OR_GLOB...",
		Summary: "show, dump as JSON, or verify the records of TFRecord files",
		Help: `Inspect reads TFRecord files (local paths, gs:// URLs, globs, or a dataset's
PREFIX.manifest.json, which stands for its shards). Compression follows each
file's extension (.gz gzip, .zz zlib) unless --compression says otherwise.

By default it prints one line per record: for multiview records the id, label,
class, views, format, size, policy and epoch; for any other tf.train.Example its
features with their kinds and first values.

--json prints each record as the canonical proto3 JSON of tf.train.Example,
one per line (as protojson or TensorFlow's MessageToJson: int64 as strings,
bytes as base64).

--verify reads everything, checks every CRC and every multiview record's
schema (and, where a manifest lies beside the shards, each shard's record
count and SHA-256 and the views per record), then prints counts. It exits 1
naming the file and byte offset of the first problem.`,
		Run: runInspect,
	})
}

type inspectOptions struct {
	json        bool
	verify      bool
	limit       int64
	compression string
}

func runInspect(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	var o inspectOptions
	fs.BoolVar(&o.json, "json", false, "print each record as canonical proto3 JSON, one per line")
	fs.BoolVar(&o.verify, "verify", false, "read everything, check CRCs and schemas, print counts; exit 1 on the first problem")
	fs.Int64Var(&o.limit, "limit", 0, "stop after `N` records (0: all); not with --verify")
	fs.StringVar(&o.compression, "compression", "auto", "auto (by extension), none, gzip or zlib")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("no input files")
	}
	if o.verify && (o.json || o.limit != 0) {
		return usageErrorf("--verify reads everything and prints counts: it takes neither --json nor --limit")
	}
	if o.limit < 0 {
		return usageErrorf("--limit %d is negative", o.limit)
	}
	ropt := shards.MultiReaderOptions{}
	if o.compression != "auto" {
		c, err := shards.ParseCompression(o.compression)
		if err != nil {
			return usageErrorf("--compression: %v", err)
		}
		ropt.Compression, ropt.ForceCompression = c, true
	}
	files, err := shards.ExpandInputs(ctx, fs.Args())
	if err != nil {
		return err
	}
	if o.verify {
		return verify(ctx, s, files, ropt)
	}
	out := bufio.NewWriter(s.Out)
	err = dump(shards.NewMultiReader(ctx, files, ropt), out, o)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return err
}

// dump prints up to o.limit records (all when 0), as JSON or one line each.
func dump(r *shards.MultiReader, out *bufio.Writer, o inspectOptions) error {
	defer r.Close()
	for n := int64(0); o.limit == 0 || n < o.limit; n++ {
		data, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		ex, err := shards.UnmarshalExample(data)
		if err != nil {
			return fmt.Errorf("%s: offset %d: %w", r.File(), r.Offset(), err)
		}
		if o.json {
			out.Write(ex.AppendJSON(nil)) // a bufio.Writer keeps its first error for Flush
			out.WriteByte('\n')
			continue
		}
		fmt.Fprintf(out, "%s:%d  %s\n", r.File(), r.Offset(), summarize(ex, len(data)))
	}
	return nil
}

// summarize describes one record on one line.
func summarize(ex *shards.Example, size int) string {
	if shards.IsMultiview(ex) {
		m, err := shards.MultiviewFromExample(ex)
		if err != nil {
			return fmt.Sprintf("INVALID multiview record (%d bytes): %v", size, err)
		}
		return fmt.Sprintf("id=%s label=%d class=%s views=%d format=%s size=%dx%dx%d policy=%s epoch=%d bytes=%d",
			m.ID, m.Label, m.ClassText, len(m.Views), m.Format, m.Width, m.Height, m.Channels, m.Policy, m.Epoch, size)
	}
	var parts []string
	for _, k := range ex.SortedKeys() {
		f := ex.Features[k]
		parts = append(parts, fmt.Sprintf("%s %s[%d] %s", k, f.Kind, f.Len(), firstValues(f, 3)))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("tf.train.Example with no features (%d bytes)", size)
	}
	return strings.Join(parts, "; ")
}

// firstValues formats up to n of a feature's values.
func firstValues(f shards.Feature, n int) string {
	var vals []string
	for i := 0; i < min(n, f.Len()); i++ {
		switch f.Kind {
		case shards.KindBytes:
			vals = append(vals, bytesPreview(f.Bytes[i]))
		case shards.KindFloat:
			vals = append(vals, strconv.FormatFloat(float64(f.Floats[i]), 'g', -1, 32))
		case shards.KindInt64:
			vals = append(vals, strconv.FormatInt(f.Int64s[i], 10))
		}
	}
	if f.Len() > n {
		vals = append(vals, "…")
	}
	return "[" + strings.Join(vals, " ") + "]"
}

// bytesPreview shows short text as a quoted string and anything else by size.
func bytesPreview(b []byte) string {
	if len(b) <= 64 && utf8.Valid(b) {
		printable := true
		for _, r := range string(b) {
			if r < 0x20 || r == 0x7f {
				printable = false
				break
			}
		}
		if printable {
			return strconv.Quote(string(b))
		}
	}
	return fmt.Sprintf("<%d bytes>", len(b))
}

func verify(ctx context.Context, s *streams, files []storage.FileInfo, ropt shards.MultiReaderOptions) error {
	meter := progress.New(s.Err, "files", int64(len(files)))
	v, err := shards.Verify(ctx, files, shards.VerifyOptions{
		MultiReaderOptions: ropt,
		FileDone:           func(storage.FileInfo) { meter.Add(1) },
	})
	meter.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "OK: %d files, %d records (%d multiview, %d other), %d views, %d bytes\n",
		v.Files, v.Records, v.Multiview, v.Other, v.Views, v.Bytes)
	for _, c := range v.Classes {
		fmt.Fprintf(s.Out, "  label %d %s: %d records\n", c.Label, c.Name, c.Records)
	}
	if v.ManifestShards > 0 {
		fmt.Fprintf(s.Out, "  %d shards match their manifest (record counts and SHA-256)\n", v.ManifestShards)
	}
	return nil
}
