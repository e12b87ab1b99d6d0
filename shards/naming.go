package shards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/supcon/supcon/internal/storage"
)

// ShardPath returns the name of shard i of n of the dataset at prefix:
// PREFIX-00003-of-00016.tfrecord, with ".gz" or ".zz" for compressed shards.
func ShardPath(prefix string, i, n int, c Compression) string {
	return fmt.Sprintf("%s-%05d-of-%05d.tfrecord%s", prefix, i, n, c.Ext())
}

// ShardGlob returns a glob matching every shard of the dataset at prefix.
func ShardGlob(prefix string) string {
	return prefix + "-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9].tfrecord*"
}

// LabelsPath returns PREFIX.labels.txt: one class name per line, line number = label.
func LabelsPath(prefix string) string { return prefix + ".labels.txt" }

// ManifestPath returns PREFIX.manifest.json, the file whose presence says
// that the dataset is complete.
func ManifestPath(prefix string) string { return prefix + ".manifest.json" }

// TempDir returns the folder under which shard writers put their temporary
// files: PREFIX.temp/ (a "folder" is a name prefix on object stores).
func TempDir(prefix string) string { return prefix + ".temp" }

var shardNameRE = regexp.MustCompile(`^(.*)-(\d{5,})-of-(\d{5,})\.tfrecord(\.gz|\.zz)?$`)

// ShardName is what a shard's name says of it: the parts ShardPath joins.
type ShardName struct {
	Prefix      string      // the dataset's prefix, folder included
	Index       int         // the shard's index, from 0
	Count       int         // the number of shards in the dataset
	Compression Compression // as the name's extension says
}

// ParseShardPath splits a shard's name into its dataset prefix, index, count
// and compression. ok is false if the name does not follow ShardPath's
// pattern or its index is not below its count.
func ParseShardPath(name string) (s ShardName, ok bool) {
	m := shardNameRE.FindStringSubmatch(name)
	if m == nil {
		return ShardName{}, false
	}
	i, err1 := strconv.Atoi(m[2])
	n, err2 := strconv.Atoi(m[3])
	if err1 != nil || err2 != nil || i >= n {
		return ShardName{}, false
	}
	return ShardName{Prefix: m[1], Index: i, Count: n, Compression: CompressionOf(name)}, true
}

// FindManifest returns the manifest of the dataset a shard belongs to,
// PREFIX.manifest.json beside it, and that manifest's name. It returns no
// manifest and no error when the name is not a shard's (see ParseShardPath)
// or when no manifest lies beside the shard: the dataset may be one without,
// or still being written.
func FindManifest(ctx context.Context, shard string) (*Manifest, string, error) {
	s, ok := ParseShardPath(shard)
	if !ok {
		return nil, "", nil
	}
	mp := ManifestPath(s.Prefix)
	if _, err := storage.For(mp).Stat(ctx, mp); errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	} else if err != nil {
		return nil, "", fmt.Errorf("looking for the manifest of %s: %w", shard, err)
	}
	m, err := ReadManifest(ctx, mp)
	if err != nil {
		return nil, "", err
	}
	return m, mp, nil
}

// ShardOf returns the shard, of n, that the record with the given id goes
// to: FNV-1a of the id, modulo n. It is stable across runs and machines.
func ShardOf(id string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(id))
	return int(h.Sum64() % uint64(n))
}

// ManifestFormat names the version of the dataset layout a manifest describes.
const ManifestFormat = "supcon-multiview/1"

// Manifest describes a finished dataset. It is written last, so its
// presence means that every shard it lists is complete. It holds no time
// stamps: the same inputs and seed give the same manifest bytes.
type Manifest struct {
	Format     string     `json:"format"`
	Tool       string     `json:"tool"`
	Source     string     `json:"source,omitempty"`
	Policy     string     `json:"policy,omitempty"`
	Seed       int64      `json:"seed"`
	Views      int        `json:"views,omitempty"`
	Epochs     int        `json:"epochs,omitempty"`
	ViewFormat ViewFormat `json:"view_format,omitempty"`
	// Encoder names the view encoder when it is not the Go standard
	// library's (image/png, image/jpeg); its bytes are part of the
	// dataset's identity (docs/performance.md).
	Encoder     string           `json:"encoder,omitempty"`
	Height      int              `json:"height,omitempty"`
	Width       int              `json:"width,omitempty"`
	Channels    int              `json:"channels,omitempty"`
	Compression Compression      `json:"compression"`
	Records     int64            `json:"records"`
	Classes     []string         `json:"classes,omitempty"`
	ClassCounts map[string]int64 `json:"class_counts,omitempty"`
	Rejected    int64            `json:"rejected,omitempty"`
	Shards      []ShardInfo      `json:"shards"`
}

// ShardInfo is one shard's entry in a Manifest.
type ShardInfo struct {
	// Name is the shard's file name without its folder.
	Name    string `json:"name"`
	Records int64  `json:"records"`
	Bytes   int64  `json:"bytes"`
	SHA256  string `json:"sha256"`
}

// ShardPaths returns the full names of the manifest's shards, given the
// manifest's own name (shards live beside it).
func (m *Manifest) ShardPaths(manifestPath string) []string {
	dir := storage.Dir(manifestPath)
	out := make([]string, len(m.Shards))
	for i, s := range m.Shards {
		out[i] = storage.Join(dir, s.Name)
	}
	return out
}

// ReadManifest reads and checks a dataset's manifest.
func ReadManifest(ctx context.Context, name string) (*Manifest, error) {
	b, err := storage.ReadFile(ctx, name)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", name, err)
	}
	if !strings.HasPrefix(m.Format, "supcon-multiview/") {
		return nil, fmt.Errorf("shards: manifest %s: format %q is not a supcon manifest", name, m.Format)
	}
	return &m, nil
}

// ReadLabels reads a labels file: one class name per line, line number = label.
func ReadLabels(ctx context.Context, name string) ([]string, error) {
	b, err := storage.ReadFile(ctx, name)
	if err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, nil
	}
	labels := strings.Split(s, "\n")
	seen := make(map[string]int, len(labels))
	for i, l := range labels {
		l = strings.TrimSuffix(l, "\r")
		labels[i] = l
		if l == "" {
			return nil, fmt.Errorf("shards: labels %s: line %d is empty", name, i+1)
		}
		if j, dup := seen[l]; dup {
			return nil, fmt.Errorf("shards: labels %s: class %q on lines %d and %d", name, l, j+1, i+1)
		}
		seen[l] = i
	}
	return labels, nil
}
