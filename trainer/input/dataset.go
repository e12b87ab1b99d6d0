package input

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards/ahead"

	"github.com/supcon/supcon/shards"
)

// Dataset is this process's share of a dataset's shards. It is safe for
// concurrent use; the Readers it returns are not.
type Dataset struct {
	opt      Options
	groups   [][]string       // the rank's shards per augmentation epoch, in dataset order (static inputs)
	manifest *shards.Manifest // when an input is a manifest, or once Follow sees it
	counts   map[string]int64 // records per shard, from the manifest
	follow   *follower
	ahead    *aheadFollower // an epoch-ahead dataset, when following one
}

// Open resolves inputs (shard files, globs, or a PREFIX.manifest.json standing
// for its shards, local or gs://) and keeps the rank's share of the shards.
// With opt.Follow the single input is the dataset's PREFIX or its manifest's
// name, and the shards need not exist yet.
func Open(ctx context.Context, inputs []string, opt Options) (*Dataset, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("no input shards")
	}
	d := &Dataset{opt: opt}
	if opt.Follow {
		if len(inputs) != 1 || strings.ContainsAny(inputs[0], "*?[") {
			return nil, fmt.Errorf("follow %q: give the dataset's PREFIX or PREFIX.manifest.json, one input and no glob", strings.Join(inputs, " "))
		}
		prefix := strings.TrimSuffix(inputs[0], ".manifest.json")
		ix, err := ahead.ReadIndex(ctx, prefix)
		if err == nil {
			d.ahead, err = openAhead(ctx, prefix, ix, opt)
			return d, err
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		d.follow = newFollower(prefix, opt)
		return d, nil
	}
	infos, err := shards.ExpandInputs(ctx, inputs)
	if err != nil {
		return nil, err
	}
	m, mp, err := findManifest(ctx, inputs, infos)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(infos))
	for i, f := range infos {
		names[i] = f.Name
	}
	epochs := 1
	if m != nil {
		d.manifest, d.counts = m, shardCounts(m, mp)
		epochs = max(m.Epochs, 1)
	}
	if d.groups, err = share(names, epochs, opt.Rank, opt.World); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(inputs, " "), err)
	}
	return d, nil
}

// share returns the rank's shards for each augmentation epoch. A dataset
// written with E augmentation epochs of N shards holds the records of epoch e
// in shards e·N … e·N+N−1, each image in shard e·N + ShardOf(id, N): shard i
// belongs to epoch i/N, and goes to rank (i mod N) mod world, so that a rank
// sees the same images in every epoch. Files whose names do not say their
// index (or when E is 1) form one group, split by their position in the list.
func share(names []string, epochs, rank, world int) ([][]string, error) {
	groups := make([][]string, epochs)
	sizes := make([]int, epochs)
	for pos, name := range names {
		g, j := 0, pos
		if epochs > 1 {
			s, ok := shards.ParseShardPath(name)
			if !ok || s.Count%epochs != 0 {
				return nil, fmt.Errorf("%s: not shard i of n with n a multiple of the manifest's %d epochs", name, epochs)
			}
			per := s.Count / epochs
			g, j = s.Index/per, s.Index%per
		}
		sizes[g]++
		if j%world == rank {
			groups[g] = append(groups[g], name)
		}
	}
	for g := range groups {
		if sizes[g] < world {
			return nil, fmt.Errorf("%d shards (augmentation epoch %d) cannot give each of %d ranks at least one", sizes[g], g, world)
		}
	}
	return groups, nil
}

// findManifest returns the manifest an input names or, when every file is a
// shard of one dataset whose manifest exists and lists them, that manifest.
func findManifest(ctx context.Context, inputs []string, files []storage.FileInfo) (*shards.Manifest, string, error) {
	for _, in := range inputs {
		if strings.HasSuffix(in, ".manifest.json") {
			m, err := shards.ReadManifest(ctx, in)
			return m, in, err
		}
	}
	prefix := ""
	for _, f := range files {
		s, ok := shards.ParseShardPath(f.Name)
		if !ok || (prefix != "" && s.Prefix != prefix) {
			return nil, "", nil
		}
		prefix = s.Prefix
	}
	if len(files) == 0 {
		return nil, "", nil
	}
	m, mp, err := shards.FindManifest(ctx, files[0].Name)
	if m == nil || err != nil {
		return nil, "", err // no manifest beside the shards: nothing to check against
	}
	listed := map[string]bool{}
	for _, p := range m.ShardPaths(mp) {
		listed[p] = true
	}
	for _, f := range files {
		if !listed[f.Name] {
			return nil, "", nil
		}
	}
	return m, mp, nil
}

// shardCounts maps each shard the manifest lists to its record count.
func shardCounts(m *shards.Manifest, manifestPath string) map[string]int64 {
	out := map[string]int64{}
	for i, p := range m.ShardPaths(manifestPath) {
		out[p] = m.Shards[i].Records
	}
	return out
}

// Options returns the options the Dataset was opened with, defaults filled in.
func (d *Dataset) Options() Options { return d.opt }

// Files returns the rank's shards in dataset order, every augmentation
// epoch's. When following a dataset not yet complete it returns nil.
func (d *Dataset) Files() []string {
	groups := d.groups
	if d.ahead != nil {
		return d.ahead.rankFiles(d.ahead.first)
	}
	if d.follow != nil {
		m := d.follow.complete()
		if m == nil {
			return nil
		}
		groups = d.follow.rankFiles(m)
	}
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// Manifest returns the dataset's manifest when an input named it (or, when
// following, once it has appeared), else nil.
func (d *Dataset) Manifest() *shards.Manifest {
	if d.ahead != nil {
		return d.ahead.first
	}
	if d.follow != nil {
		return d.follow.complete()
	}
	return d.manifest
}

// epochFiles returns the function giving the j-th shard to read in training
// epoch t: the rank's shards of augmentation epoch t mod E, shuffled from
// (seed, t, rank). When following, epoch 0 takes every shard the pipeline
// writes that falls to the rank, in index order, as they are finalized.
func (d *Dataset) epochFiles(ctx context.Context, epoch int) (func(j int) (string, bool, error), error) {
	groups := d.groups
	if d.ahead != nil {
		m, err := d.ahead.choose(ctx, epoch)
		if err != nil {
			return nil, err
		}
		groups = [][]string{d.ahead.rankFiles(m)}
	}
	if d.follow != nil {
		if epoch == 0 {
			return func(j int) (string, bool, error) { return d.follow.shard(ctx, j) }, nil
		}
		m, err := d.follow.wait(ctx)
		if err != nil {
			return nil, err
		}
		groups = d.follow.rankFiles(m)
	}
	order := append([]string(nil), groups[epoch%len(groups)]...)
	r := newRand(d.opt.Seed, purposeShards, uint64(epoch), uint64(d.opt.Rank))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return func(j int) (string, bool, error) {
		if j < len(order) {
			return order[j], true, nil
		}
		return "", false, nil
	}, nil
}

// recordCount returns a shard's record count when a manifest gives it, else 0.
func (d *Dataset) recordCount(name string) int64 {
	if d.ahead != nil {
		return d.ahead.count(name)
	}
	if d.follow != nil {
		m := d.follow.complete()
		if m == nil {
			return 0
		}
		return shardCounts(m, shards.ManifestPath(d.follow.prefix))[name]
	}
	return d.counts[name]
}
