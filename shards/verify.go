package shards

import (
	"context"
	"fmt"
	"sort"

	"github.com/supcon/supcon/internal/storage"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// MultiReaderOptions say how the files are read.
	MultiReaderOptions
	// FileDone, when not nil, is called after each file that verified.
	FileDone func(storage.FileInfo)
}

// Verification is what Verify found in files that are all sound.
type Verification struct {
	Files     int64 // files read
	Records   int64 // records in them
	Multiview int64 // records that are multiview records
	Other     int64 // records that are other tf.train.Examples
	Views     int64 // views in the multiview records
	Bytes     int64 // record payload bytes (without framing)
	// Classes counts the multiview records of each label, in label order.
	Classes []ClassCount
	// ManifestShards is the number of shards compared with a manifest
	// beside them (record count and SHA-256).
	ManifestShards int
}

// ClassCount is the number of records of one class.
type ClassCount struct {
	Label   int64
	Name    string
	Records int64
}

// Verify reads every record of the files, checking every CRC and every
// multiview record's schema, and, for shards with a manifest beside them
// (see FindManifest), the views per record and each shard's record count and
// SHA-256 against the manifest. Records of one label must all name the same
// class. The first problem is returned as an error naming the file (and the
// byte offset, for a bad record).
func Verify(ctx context.Context, files []storage.FileInfo, opt VerifyOptions) (*Verification, error) {
	checks, err := manifestChecks(ctx, files)
	if err != nil {
		return nil, err
	}
	c := verifier{perClass: map[int64]*ClassCount{}}
	for _, f := range files {
		ropt := ReaderOptions{Compression: CompressionOf(f.Name), MaxRecordBytes: opt.MaxRecordBytes}
		if opt.ForceCompression {
			ropt.Compression = opt.Compression
		}
		if err := c.file(ctx, f.Name, ropt, checks[f.Name]); err != nil {
			return nil, err
		}
		c.v.Files++
		if opt.FileDone != nil {
			opt.FileDone(f)
		}
	}
	for _, cc := range c.perClass {
		c.v.Classes = append(c.v.Classes, *cc)
	}
	sort.Slice(c.v.Classes, func(i, j int) bool { return c.v.Classes[i].Label < c.v.Classes[j].Label })
	c.v.ManifestShards = len(checks)
	return &c.v, nil
}

// shardCheck holds what a manifest says of one shard, to compare with what is read.
type shardCheck struct {
	info  ShardInfo
	views int
}

// manifestChecks finds the manifest beside each shard named like
// PREFIX-00000-of-00016.tfrecord and returns what it says of each shard.
func manifestChecks(ctx context.Context, files []storage.FileInfo) (map[string]shardCheck, error) {
	checks := map[string]shardCheck{}
	loaded := map[string]bool{}
	for _, f := range files {
		s, ok := ParseShardPath(f.Name)
		if !ok || loaded[s.Prefix] {
			continue
		}
		loaded[s.Prefix] = true
		m, mp, err := FindManifest(ctx, f.Name)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue // no manifest (yet): nothing to compare with
		}
		for i, p := range m.ShardPaths(mp) {
			checks[p] = shardCheck{info: m.Shards[i], views: m.Views}
		}
	}
	return checks, nil
}

// verifier accumulates what Verify finds.
type verifier struct {
	v        Verification
	perClass map[int64]*ClassCount
}

func (c *verifier) file(ctx context.Context, name string, opt ReaderOptions, check shardCheck) error {
	info, err := ScanShard(ctx, name, opt, func(data []byte, offset int64) error {
		if err := c.record(data, check.views); err != nil {
			return fmt.Errorf("%s: offset %d: %w", name, offset, err)
		}
		return nil
	})
	if err != nil || check.info.Name == "" {
		return err
	}
	if info.Records != check.info.Records {
		return fmt.Errorf("shards: %s: %d records, but the manifest says %d", name, info.Records, check.info.Records)
	}
	if info.SHA256 != check.info.SHA256 {
		return fmt.Errorf("shards: %s: SHA-256 %s, but the manifest says %s", name, info.SHA256, check.info.SHA256)
	}
	return nil
}

// record checks one record's schema (and its view count, when the manifest
// gives one) and adds it to the counts.
func (c *verifier) record(data []byte, views int) error {
	c.v.Records++
	c.v.Bytes += int64(len(data))
	ex, err := UnmarshalExample(data)
	if err != nil {
		return err
	}
	if !IsMultiview(ex) {
		c.v.Other++
		return nil
	}
	m, err := MultiviewFromExample(ex)
	if err == nil && views > 0 {
		err = m.CheckViews(views)
	}
	if err != nil {
		return err
	}
	c.v.Multiview++
	c.v.Views += int64(len(m.Views))
	cc := c.perClass[m.Label]
	if cc == nil {
		cc = &ClassCount{Label: m.Label, Name: m.ClassText}
		c.perClass[m.Label] = cc
	} else if cc.Name != m.ClassText {
		return fmt.Errorf("shards: record %q: label %d is class %q here but %q in an earlier record", m.ID, m.Label, m.ClassText, cc.Name)
	}
	cc.Records++
	return nil
}
