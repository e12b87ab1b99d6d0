package evaluate

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards"
)

// corruptedSet is one pre-corrupted copy of the test data: a dataset the
// augment pipeline wrote with the policy corrupt:Name,severity=Severity.
type corruptedSet struct {
	Name     string
	Severity int
	Manifest string // its manifest's path
	Records  int64  // its manifest's record count
	Seed     int64  // the seed it was written with
}

// corruptedSets finds the datasets named by EvalConfig.Corrupted (manifest
// paths, dataset prefixes or globs of manifests), reads each one's
// corruption and severity from its manifest's policy, and orders them as
// augment.Corruptions() then by severity. Every corruption must come at the
// same severities (the mean over corruptions at a severity needs them all).
// It returns the sets with the corruption names and severities they cover.
func corruptedSets(ctx context.Context, patterns []string) (sets []corruptedSet, names []string, severities []int, err error) {
	paths, err := corruptedManifests(ctx, patterns)
	if err != nil {
		return nil, nil, nil, err
	}
	seen := map[[2]string]string{}
	for _, p := range paths {
		m, err := shards.ReadManifest(ctx, p)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("Corrupted: %w", err)
		}
		name, sev, err := corruptionOf(m.Policy)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("Corrupted: %s: %w", p, err)
		}
		key := [2]string{name, strconv.Itoa(sev)}
		if prev, dup := seen[key]; dup {
			if prev == p {
				continue // named twice, e.g. by a glob and by its path
			}
			return nil, nil, nil, fmt.Errorf("Corrupted: %s and %s both hold %s at severity %d", prev, p, name, sev)
		}
		seen[key] = p
		sets = append(sets, corruptedSet{Name: name, Severity: sev, Manifest: p, Records: m.Records, Seed: m.Seed})
	}
	order := augment.Corruptions()
	slices.SortFunc(sets, func(a, b corruptedSet) int {
		if c := slices.Index(order, a.Name) - slices.Index(order, b.Name); c != 0 {
			return c
		}
		return a.Severity - b.Severity
	})
	bySev := map[string][]int{}
	for _, s := range sets {
		if len(bySev[s.Name]) == 0 {
			names = append(names, s.Name)
		}
		bySev[s.Name] = append(bySev[s.Name], s.Severity)
	}
	severities = bySev[names[0]]
	for _, n := range names[1:] {
		if !slices.Equal(bySev[n], severities) {
			return nil, nil, nil, fmt.Errorf("Corrupted: %s comes at severities %v but %s at %v: every corruption needs the same severities (the mean over corruptions is taken at each)",
				names[0], severities, n, bySev[n])
		}
	}
	return sets, names, severities, nil
}

// corruptedManifests expands the patterns into manifest paths: a glob
// matches manifests (*.manifest.json), a plain name is a manifest or a
// dataset prefix.
func corruptedManifests(ctx context.Context, patterns []string) ([]string, error) {
	var paths []string
	for _, p := range patterns {
		if !strings.ContainsAny(p, "*?[") {
			if !strings.HasSuffix(p, shards.ManifestPath("")) {
				p = shards.ManifestPath(p)
			}
			paths = append(paths, p)
			continue
		}
		files, err := storage.Glob(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("Corrupted: %s: %w", p, err)
		}
		n := len(paths)
		for _, f := range files {
			if strings.HasSuffix(f.Name, shards.ManifestPath("")) {
				paths = append(paths, f.Name)
			}
		}
		if len(paths) == n {
			return nil, fmt.Errorf("Corrupted: %s matches no manifest (PREFIX%s)", p, shards.ManifestPath(""))
		}
	}
	return paths, nil
}

// corruptionOf reads the corruption and severity of a dataset's policy,
// which must be a corrupt:NAME,severity=S spec.
func corruptionOf(policy string) (string, int, error) {
	p, err := augment.Parse(policy)
	if err != nil {
		return "", 0, fmt.Errorf("its policy is not a corruption: %w", err)
	}
	// The canonical form is corrupt:NAME,severity=S (augment.Parse).
	rest, ok := strings.CutPrefix(p.String(), "corrupt:")
	name, sev, ok2 := strings.Cut(rest, ",severity=")
	s, err := strconv.Atoi(sev)
	if !ok || !ok2 || err != nil {
		return "", 0, fmt.Errorf("its policy %q is not a corruption (corrupt:NAME,severity=S): the dataset is not a corrupted copy of test data", policy)
	}
	return name, s, nil
}

// sameIDs checks that a corrupted pass read exactly the clean test data's
// images (in any order), naming an image that differs.
func sameIDs(clean, corrupted []string) error {
	a, b := slices.Sorted(slices.Values(clean)), slices.Sorted(slices.Values(corrupted))
	if slices.Equal(a, b) {
		return nil
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) && a[i] == b[j] {
		i, j = i+1, j+1
	}
	var example string
	switch {
	case j == len(b) || (i < len(a) && a[i] < b[j]):
		example = fmt.Sprintf("%q is in the test data only", a[i])
	default:
		example = fmt.Sprintf("%q is not in the test data", b[j])
	}
	return fmt.Errorf("its images are not the test data's (%d records, the test data %d; %s): it is not a corrupted copy of the test data",
		len(b), len(a), example)
}

// checkCorruptedCounts checks, before any corrupted pass, that every
// pre-corrupted dataset's manifest counts the clean test data's records
// (the ids themselves are compared as each one is read).
func checkCorruptedCounts(sets []corruptedSet, clean int) error {
	for _, s := range sets {
		if s.Records != int64(clean) {
			return fmt.Errorf("Corrupted: %s: %d records, the test data %d: it is not a corrupted copy of the test data", s.Manifest, s.Records, clean)
		}
	}
	return nil
}

// commonSeed returns the seed every set was written with, and whether
// they agree.
func commonSeed(sets []corruptedSet) (int64, bool) {
	for _, s := range sets[1:] {
		if s.Seed != sets[0].Seed {
			return 0, false
		}
	}
	return sets[0].Seed, true
}
