package input

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// pool holds the records waiting to be batched, by class. It is the
// Batcher's shuffle buffer: records leave it in an order drawn at random.
type pool struct {
	byClass map[int64][]*Record
	classes []int64 // classes with at least one record, sorted
	n       int
}

func newPool() *pool { return &pool{byClass: map[int64][]*Record{}} }

func (p *pool) add(r *Record) {
	l := r.Label
	if len(p.byClass[l]) == 0 {
		i, _ := slices.BinarySearch(p.classes, l)
		p.classes = slices.Insert(p.classes, i, l)
	}
	p.byClass[l] = append(p.byClass[l], r)
	p.n++
}

// take removes and returns a record of class l drawn at random.
func (p *pool) take(l int64, rng *rand.Rand) *Record {
	recs := p.byClass[l]
	i, last := rng.IntN(len(recs)), len(recs)-1
	r := recs[i]
	recs[i], recs[last] = recs[last], nil
	p.byClass[l] = recs[:last]
	p.n--
	if last == 0 {
		delete(p.byClass, l)
		j, _ := slices.BinarySearch(p.classes, l)
		p.classes = slices.Delete(p.classes, j, j+1)
	}
	return r
}

// FewClassesError says that P classes could not be found for a batch.
type FewClassesError struct {
	// Have is the number of classes available, P the number a batch needs.
	Have, P int
	// Epoch and Batch say where it happened.
	Epoch, Batch int
	// Pool is the number of records the pool held.
	Pool int
}

func (e *FewClassesError) Error() string {
	return fmt.Sprintf("epoch %d batch %d: the data offers %d classes (pool of %d records), a batch needs P = %d: lower P, or raise the buffer or interleave if shards cluster classes",
		e.Epoch, e.Batch, e.Have, e.Pool, e.P)
}

// slot is one class of a batch being composed, with its distinct records.
type slot struct {
	label  int64
	recs   []*Record
	reused bool
}

// choose picks the batch's P classes: first among the classes holding at
// least K records, then among the others, each time without replacement and
// with probability proportional to the class's records in the pool; then, if
// the pool has fewer than P classes, among prev's classes (reused). It takes
// up to K records of each chosen pool class out of the pool.
func (p *pool) choose(rng *rand.Rand, P, K int, prev []slot) ([]slot, error) {
	var full, rest []int64
	for _, c := range p.classes {
		if len(p.byClass[c]) >= K {
			full = append(full, c)
		} else {
			rest = append(rest, c)
		}
	}
	chosen := p.weighted(rng, full, P)
	if len(chosen) < P {
		chosen = append(chosen, p.weighted(rng, rest, P-len(chosen))...)
	}
	slots := make([]slot, 0, P)
	for _, c := range chosen {
		s := slot{label: c}
		for k := min(K, len(p.byClass[c])); k > 0; k-- {
			s.recs = append(s.recs, p.take(c, rng))
		}
		slots = append(slots, s)
	}
	if len(slots) < P {
		var spare []slot
		for _, s := range prev {
			if !slices.ContainsFunc(slots, func(t slot) bool { return t.label == s.label }) {
				spare = append(spare, slot{label: s.label, recs: s.recs, reused: true})
			}
		}
		for len(slots) < P && len(spare) > 0 {
			i := rng.IntN(len(spare))
			slots = append(slots, spare[i])
			spare = slices.Delete(spare, i, i+1)
		}
	}
	if len(slots) < P {
		return nil, &FewClassesError{Have: len(slots), P: P, Pool: p.n}
	}
	return slots, nil
}

// weighted draws up to n of the classes without replacement, each with
// probability proportional to its records in the pool.
func (p *pool) weighted(rng *rand.Rand, classes []int64, n int) []int64 {
	cand := slices.Clone(classes)
	var out []int64
	for len(out) < n && len(cand) > 0 {
		total := 0
		for _, c := range cand {
			total += len(p.byClass[c])
		}
		x := rng.IntN(total)
		i := 0
		for ; x >= len(p.byClass[cand[i]]); i++ {
			x -= len(p.byClass[cand[i]])
		}
		out = append(out, cand[i])
		cand = slices.Delete(cand, i, i+1)
	}
	return out
}
