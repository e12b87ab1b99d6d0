package model

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Kind says how a training step treats a parameter.
type Kind int

const (
	// Weight is a convolution kernel or a linear layer's matrix: it gets
	// weight decay and LARS adaptation.
	Weight Kind = iota
	// Bias is a bias or a batch-norm scale or shift: no weight decay, no
	// LARS adaptation (as in the SimCLR and SupCon reference code).
	Bias
	// Buffer is state that is not learned but must be saved: batch norm's
	// running mean and variance.
	Buffer
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case Weight:
		return "weight"
	case Bias:
		return "bias"
	case Buffer:
		return "buffer"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Param is one named tensor of a model: learned values or a buffer. Data is
// shared with every graph built on the model, so updating it in place (the
// optimiser does) is seen by the next run of any of them.
type Param struct {
	Name  string
	Shape []int
	Kind  Kind
	Data  []float32
}

// Size returns the number of values.
func (p *Param) Size() int { return len(p.Data) }

// Params are a model's tensors in a fixed order: the order they were made in,
// which is the order checkpoints store them.
type Params struct {
	List   []*Param
	byName map[string]*Param
}

// Get returns the named tensor, or nil.
func (ps *Params) Get(name string) *Param { return ps.byName[name] }

// Learned returns the tensors a training step updates, in order.
func (ps *Params) Learned() []*Param {
	var out []*Param
	for _, p := range ps.List {
		if p.Kind != Buffer {
			out = append(out, p)
		}
	}
	return out
}

// Count returns the number of learned values.
func (ps *Params) Count() int {
	n := 0
	for _, p := range ps.Learned() {
		n += p.Size()
	}
	return n
}

// initFn fills a new tensor's values.
type initFn func(data []float32, rng *rand.Rand)

// add makes a tensor. Its initial values are drawn from a generator seeded
// by the model seed and the tensor's name, so adding a layer does not change
// the others' initial values.
func (ps *Params) add(seed int64, name string, kind Kind, init initFn, shape ...int) *Param {
	if ps.byName == nil {
		ps.byName = map[string]*Param{}
	}
	if _, dup := ps.byName[name]; dup {
		panic("model: duplicate parameter " + name)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	p := &Param{Name: name, Shape: append([]int(nil), shape...), Kind: kind, Data: make([]float32, n)}
	if init != nil {
		h := fnv.New64a()
		h.Write([]byte(name))
		init(p.Data, rand.New(rand.NewPCG(uint64(seed), h.Sum64())))
	}
	ps.List = append(ps.List, p)
	ps.byName[name] = p
	return p
}

// heNormal is Kaiming-normal for a layer followed by ReLU: N(0, 2/fanIn).
func heNormal(fanIn int) initFn {
	std := math.Sqrt(2 / float64(fanIn))
	return func(d []float32, rng *rand.Rand) {
		for i := range d {
			d[i] = float32(rng.NormFloat64() * std)
		}
	}
}

// uniformFanIn is PyTorch's default for linear layers and biases:
// U(−1/√fanIn, 1/√fanIn).
func uniformFanIn(fanIn int) initFn {
	b := 1 / math.Sqrt(float64(fanIn))
	return func(d []float32, rng *rand.Rand) {
		for i := range d {
			d[i] = float32((2*rng.Float64() - 1) * b)
		}
	}
}

func constant(v float32) initFn {
	return func(d []float32, _ *rand.Rand) {
		for i := range d {
			d[i] = v
		}
	}
}
