package trainer

import (
	"fmt"

	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
)

// OptimizerSettings are the optimiser settings a training run and a linear
// probe share.
type OptimizerSettings struct {
	// Optimizer is one of optim.Names(); LR its peak learning rate.
	// Momentum and WeightDecay < 0 mean the optimiser's default
	// (optim.Defaults).
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
}

// Resolve returns the named optimiser's defaults with momentum and weight
// decay overridden where they are not negative.
func (s OptimizerSettings) Resolve() (optim.Config, error) {
	oc, err := optim.Defaults(s.Optimizer)
	if err != nil {
		return oc, fmt.Errorf("Optimizer: %w", err)
	}
	if s.Momentum >= 0 {
		oc.Momentum = s.Momentum
	}
	if s.WeightDecay >= 0 {
		oc.WeightDecay = s.WeightDecay
	}
	return oc, nil
}

// learner is a training graph and the optimiser over its learned tensors.
type learner struct {
	g      *model.Graph
	opt    *optim.Optimizer
	params []*optim.Param
}

// newLearner makes the named optimiser over g's learned tensors: weights get
// weight decay (and LARS adaptation), biases and batch-norm parameters not.
func newLearner(g *model.Graph, name string, oc optim.Config) (*learner, error) {
	l := &learner{g: g, params: make([]*optim.Param, len(g.Learned()))}
	for i, p := range g.Learned() {
		k := optim.Weight
		if p.Kind != model.Weight {
			k = optim.NoDecay
		}
		l.params[i] = &optim.Param{Name: p.Name, Value: p.Data, Kind: k}
	}
	var err error
	l.opt, err = optim.New(name, oc, l.params)
	return l, err
}

// update applies the gradients of the graph's last run with learning rate lr.
func (l *learner) update(lr float64) error {
	for i := range l.params {
		l.params[i].Grad = l.g.Gradient(i)
	}
	return l.opt.Step(lr)
}
