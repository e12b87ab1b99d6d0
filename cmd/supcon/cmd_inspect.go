package main

import (
	"bufio"
	"context"
	"fmt"
	"github.com/supcon/supcon/internal/storage"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/supcon/supcon/internal/progress"
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
	defer out.Flush()
	r := shards.NewMultiReader(ctx, files, ropt)
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
			out.Write(ex.AppendJSON(nil))
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

// verifyCounts are what --verify reports.
type verifyCounts struct {
	files, records, multiview, other, views, bytes int64
	perClass                                       map[int64]*classCount
}

type classCount struct {
	name    string
	records int64
}

// shardCheck holds what a manifest says of one shard, to compare with what is read.
type shardCheck struct {
	info  shards.ShardInfo
	views int
}

func verify(ctx context.Context, s *streams, files []storage.FileInfo, ropt shards.MultiReaderOptions) error {
	checks, err := manifestChecks(ctx, files)
	if err != nil {
		return err
	}
	c := verifyCounts{perClass: map[int64]*classCount{}}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	meter := progress.New(s.Err, "files", int64(len(files)))
	for _, f := range files {
		if err := verifyFile(ctx, f, ropt, checks[f.Name], &c); err != nil {
			meter.Done()
			return err
		}
		c.files++
		meter.Add(1)
	}
	meter.Done()
	fmt.Fprintf(s.Out, "OK: %d files, %d records (%d multiview, %d other), %d views, %d bytes\n",
		c.files, c.records, c.multiview, c.other, c.views, c.bytes)
	labels := make([]int64, 0, len(c.perClass))
	for l := range c.perClass {
		labels = append(labels, l)
	}
	sort.Slice(labels, func(i, j int) bool { return labels[i] < labels[j] })
	for _, l := range labels {
		fmt.Fprintf(s.Out, "  label %d %s: %d records\n", l, c.perClass[l].name, c.perClass[l].records)
	}
	if len(checks) > 0 {
		fmt.Fprintf(s.Out, "  %d shards match their manifest (record counts and SHA-256)\n", len(checks))
	}
	return nil
}

// manifestChecks finds the manifest beside each shard named like
// PREFIX-00000-of-00016.tfrecord and returns what it says of each shard.
func manifestChecks(ctx context.Context, files []storage.FileInfo) (map[string]shardCheck, error) {
	checks := map[string]shardCheck{}
	loaded := map[string]bool{}
	for _, f := range files {
		prefix, _, _, _, ok := shards.ParseShardPath(f.Name)
		if !ok || loaded[prefix] {
			continue
		}
		loaded[prefix] = true
		mpath := shards.ManifestPath(prefix)
		if _, err := storage.For(mpath).Stat(ctx, mpath); err != nil {
			continue // no manifest (yet): nothing to compare with
		}
		m, err := shards.ReadManifest(ctx, mpath)
		if err != nil {
			return nil, err
		}
		for i, p := range m.ShardPaths(mpath) {
			checks[p] = shardCheck{info: m.Shards[i], views: m.Views}
		}
	}
	return checks, nil
}

func verifyFile(ctx context.Context, f storage.FileInfo, ropt shards.MultiReaderOptions, check shardCheck, c *verifyCounts) error {
	opt := shards.ReaderOptions{Compression: shards.CompressionOf(f.Name), MaxRecordBytes: ropt.MaxRecordBytes}
	if ropt.ForceCompression {
		opt.Compression = ropt.Compression
	}
	info, err := shards.ScanShard(ctx, f.Name, opt, func(data []byte, offset int64) error {
		if err := c.count(data, check.views); err != nil {
			return fmt.Errorf("%s: offset %d: %w", f.Name, offset, err)
		}
		return nil
	})
	if err != nil || check.info.Name == "" {
		return err
	}
	if info.Records != check.info.Records {
		return fmt.Errorf("%s: %d records, but the manifest says %d", f.Name, info.Records, check.info.Records)
	}
	if info.SHA256 != check.info.SHA256 {
		return fmt.Errorf("%s: SHA-256 %s, but the manifest says %s", f.Name, info.SHA256, check.info.SHA256)
	}
	return nil
}

// count checks one record's schema (and its view count, when the manifest
// gives one) and adds it to the counts.
func (c *verifyCounts) count(data []byte, views int) error {
	c.records++
	c.bytes += int64(len(data))
	ex, err := shards.UnmarshalExample(data)
	if err != nil {
		return err
	}
	if !shards.IsMultiview(ex) {
		c.other++
		return nil
	}
	m, err := shards.MultiviewFromExample(ex)
	if err == nil && views > 0 {
		err = m.CheckViews(views)
	}
	if err != nil {
		return err
	}
	c.multiview++
	c.views += int64(len(m.Views))
	cc := c.perClass[m.Label]
	if cc == nil {
		cc = &classCount{name: m.ClassText}
		c.perClass[m.Label] = cc
	} else if cc.name != m.ClassText {
		return fmt.Errorf("record %q: label %d is class %q here but %q in an earlier record", m.ID, m.Label, m.ClassText, cc.name)
	}
	cc.records++
	return nil
}
