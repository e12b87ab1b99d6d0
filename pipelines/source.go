package pipelines

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

// SourceKind says what a dataset source is.
type SourceKind string

// The sources the pipeline reads.
const (
	// Folder is an ImageFolder tree: one sub-folder per class, image files
	// at any depth below it.
	Folder SourceKind = "folder"
	// CIFAR10 is the binary version of CIFAR-10 (data_batch_*.bin, test_batch.bin, batches.meta.txt).
	CIFAR10 SourceKind = "cifar10"
	// CIFAR100 is the binary version of CIFAR-100 (train.bin, test.bin, fine_label_names.txt).
	CIFAR100 SourceKind = "cifar100"
	// MNIST is the four idx files, gzipped or not.
	MNIST SourceKind = "mnist"
	// TFRecord is existing image TFRecords with the ImageNet keys.
	TFRecord SourceKind = "tfrecord"
)

// Source is a parsed --input: what kind of dataset and where it is.
type Source struct {
	Kind SourceKind
	// Path is the folder (folder, CIFAR, MNIST) or glob (TFRecord), local or gs://.
	Path string
	// Split is "train" or "test" for CIFAR and MNIST.
	Split string
}

// ParseSource parses an --input value: a folder path, or KIND:PATH with
// KIND one of cifar10, cifar100, mnist, tfrecord. split selects CIFAR's and
// MNIST's train or test files ("" means train).
func ParseSource(input, split string) (Source, error) {
	if input == "" {
		return Source{}, fmt.Errorf("empty input")
	}
	if split == "" {
		split = "train"
	}
	if split != "train" && split != "test" {
		return Source{}, fmt.Errorf("split %q: want train or test", split)
	}
	kind, rest, ok := strings.Cut(input, ":")
	if ok && kind != "gs" {
		switch SourceKind(kind) {
		case CIFAR10, CIFAR100, MNIST, TFRecord:
			if rest == "" {
				return Source{}, fmt.Errorf("input %q: no path after %s:", input, kind)
			}
			return Source{Kind: SourceKind(kind), Path: strings.TrimSuffix(rest, "/"), Split: split}, nil
		}
		return Source{}, fmt.Errorf("input %q: unknown source kind %q (want a folder, or cifar10:, cifar100:, mnist:, tfrecord:)", input, kind)
	}
	return Source{Kind: Folder, Path: strings.TrimSuffix(input, "/"), Split: split}, nil
}

// String returns the source as --input spells it.
func (s Source) String() string {
	if s.Kind == Folder {
		return s.Path
	}
	return string(s.Kind) + ":" + s.Path
}

// Classes returns the source's class names in label order: the sorted
// sub-folders of a folder tree, CIFAR's and MNIST's own names, or nil for
// TFRecord sources, whose records carry their labels.
func (s Source) Classes(ctx context.Context) ([]string, error) {
	switch s.Kind {
	case Folder:
		dirs, err := storage.SubDirs(ctx, s.Path)
		if err != nil {
			return nil, err
		}
		if len(dirs) == 0 {
			return nil, fmt.Errorf("folder %s has no class sub-folders", s.Path)
		}
		return dirs, nil
	case CIFAR10:
		return readClassNames(ctx, storage.Join(s.Path, "batches.meta.txt"), 10)
	case CIFAR100:
		return readClassNames(ctx, storage.Join(s.Path, "fine_label_names.txt"), 100)
	case MNIST:
		return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, nil
	}
	return nil, nil
}

func readClassNames(ctx context.Context, name string, want int) ([]string, error) {
	b, err := storage.ReadFile(ctx, name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) != want {
		return nil, fmt.Errorf("%s: %d class names, want %d", name, len(out), want)
	}
	return out, nil
}

// Unit is one piece of reading work: an image file, a range of records of
// a CIFAR or MNIST file, or a whole TFRecord file. Units are what the
// pipeline spreads over workers.
type Unit struct {
	// Path is the file to read.
	Path string
	// Labels is the MNIST labels file that goes with Path.
	Labels string
	// ID is the image id (image files only).
	ID string
	// Class is the class name (image files only).
	Class string
	// Start and End bound the records read (CIFAR, MNIST), End exclusive.
	Start, End int
	// Base is the index of the file's first record in its split (CIFAR).
	Base int
}

// unitRecords is how many CIFAR or MNIST records one unit reads.
const unitRecords = 2500

// Units lists the source's units of work (see EachUnit), sorted by path
// for a folder tree.
func (s Source) Units(ctx context.Context) ([]Unit, error) {
	var units []Unit
	err := s.EachUnit(ctx, func(u Unit) error {
		units = append(units, u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.Kind == Folder {
		sort.Slice(units, func(i, j int) bool { return units[i].Path < units[j].Path })
	}
	return units, nil
}

// EachUnit calls fn with each of the source's units of work. A folder tree
// is walked in pages (one listing by prefix on GCS) and its units come in
// no particular order, so a class folder of a million files is never listed
// whole; files directly in the root, outside any class folder, are not
// images of a class and are skipped. An error from fn stops the listing.
func (s Source) EachUnit(ctx context.Context, fn func(Unit) error) error {
	if s.Kind == Folder {
		return storage.WalkEach(ctx, s.Path, func(f storage.FileInfo) error {
			rel := strings.TrimPrefix(strings.TrimPrefix(f.Name, s.Path), "/")
			rel = strings.ReplaceAll(rel, "\\", "/")
			class, _, ok := strings.Cut(rel, "/")
			if !ok || strings.HasPrefix(class, ".") || strings.HasPrefix(path.Base(rel), ".") {
				return nil
			}
			return fn(Unit{Path: f.Name, ID: rel, Class: class})
		})
	}
	units, err := s.listUnits(ctx)
	if err != nil {
		return err
	}
	for _, u := range units {
		if err := fn(u); err != nil {
			return err
		}
	}
	return nil
}

// listUnits lists the units of a CIFAR, MNIST or TFRecord source: a few
// per file.
func (s Source) listUnits(ctx context.Context) ([]Unit, error) {
	switch s.Kind {
	case CIFAR10, CIFAR100:
		return s.cifarUnits(ctx)
	case MNIST:
		return s.mnistUnits(ctx)
	case TFRecord:
		files, err := shards.ExpandInputs(ctx, []string{s.Path})
		if err != nil {
			return nil, err
		}
		units := make([]Unit, len(files))
		for i, f := range files {
			units[i] = Unit{Path: f.Name}
		}
		return units, nil
	}
	return nil, fmt.Errorf("unknown source kind %q", s.Kind)
}

// cifarBatchRecords is the number of records in each CIFAR-10 training batch.
const cifarBatchRecords = 10000

// cifarFiles returns the files of the source's CIFAR split, in order, and
// their record length.
func (s Source) cifarFiles() ([]string, int) {
	switch {
	case s.Kind == CIFAR10 && s.Split == "train":
		return []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}, cifar10Record
	case s.Kind == CIFAR10:
		return []string{"test_batch.bin"}, cifar10Record
	case s.Split == "train":
		return []string{"train.bin"}, cifar100Record
	}
	return []string{"test.bin"}, cifar100Record
}

// Missing returns the files of a CIFAR-10 training split that are absent
// from the source's folder (the ones Units skips); nil for other sources,
// and for a CIFAR-10 folder that has them all. When none is there it
// returns the error Units would.
func (s Source) Missing(ctx context.Context) ([]string, error) {
	if s.Kind != CIFAR10 && s.Kind != CIFAR100 {
		return nil, nil
	}
	names, _ := s.cifarFiles()
	if len(names) < 2 {
		return nil, nil // a single-file split is there, or the run failed
	}
	var missing []string
	for _, n := range names {
		p := storage.Join(s.Path, n)
		if _, err := storage.For(p).Stat(ctx, p); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, n)
		} else if err != nil {
			return nil, fmt.Errorf("%s %s split: %w", s.Kind, s.Split, err)
		}
	}
	if len(missing) == len(names) {
		return nil, s.noCIFARFiles(names)
	}
	return missing, nil
}

// noCIFARFiles is the error for a CIFAR folder without any of the split's files.
func (s Source) noCIFARFiles(names []string) error {
	return fmt.Errorf("%s %s split: none of %s is in %s", s.Kind, s.Split, strings.Join(names, ", "), s.Path)
}

// cifarUnits lists the records of the split's files. The CIFAR-10 training
// split reads whichever of data_batch_1..5.bin are there (logging the
// absent ones) and fails only when none is. A missing batch counts as the
// 10000 records every CIFAR-10 batch holds, so batch k still starts at id
// (k-1)·10000: the ids, and with them the views, of the batches that are
// there do not depend on which others are.
func (s Source) cifarUnits(ctx context.Context) ([]Unit, error) {
	names, recLen := s.cifarFiles()
	var units []Unit
	var missing []string
	base := 0
	for _, n := range names {
		p := storage.Join(s.Path, n)
		fi, err := storage.For(p).Stat(ctx, p)
		if len(names) > 1 && errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, n)
			base += cifarBatchRecords
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s split: %w", s.Kind, s.Split, err)
		}
		if fi.Size%int64(recLen) != 0 {
			return nil, fmt.Errorf("%s: %d bytes is not a whole number of %d-byte records", p, fi.Size, recLen)
		}
		count := int(fi.Size / int64(recLen))
		for start := 0; start < count; start += unitRecords {
			units = append(units, Unit{Path: p, Start: start, End: min(start+unitRecords, count), Base: base})
		}
		base += count
	}
	if len(missing) == len(names) {
		return nil, s.noCIFARFiles(names)
	}
	if len(missing) > 0 {
		slog.Warn("CIFAR-10 training batches missing: reading the others", "folder", s.Path, "missing", strings.Join(missing, ","))
	}
	return units, nil
}

func (s Source) mnistUnits(ctx context.Context) ([]Unit, error) {
	prefix := "train"
	if s.Split == "test" {
		prefix = "t10k"
	}
	images, err := findOne(ctx, storage.Join(s.Path, prefix+"-images-idx3-ubyte"))
	if err != nil {
		return nil, err
	}
	labels, err := findOne(ctx, storage.Join(s.Path, prefix+"-labels-idx1-ubyte"))
	if err != nil {
		return nil, err
	}
	count, err := mnistCount(ctx, images)
	if err != nil {
		return nil, err
	}
	var units []Unit
	for start := 0; start < count; start += unitRecords {
		units = append(units, Unit{Path: images, Labels: labels, Start: start, End: min(start+unitRecords, count)})
	}
	return units, nil
}

// findOne returns name or name.gz, whichever exists.
func findOne(ctx context.Context, name string) (string, error) {
	for _, n := range []string{name, name + ".gz"} {
		if _, err := storage.For(n).Stat(ctx, n); err == nil {
			return n, nil
		}
	}
	return "", fmt.Errorf("neither %s nor %s.gz exists", name, name)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
