package run

import (
	"github.com/supcon/supcon/trainer/model"
	"github.com/supcon/supcon/trainer/optim"
)

// Record is config.json: the settings a run was trained with (C is the
// trainer's Config; a reader that needs only some of them, as evaluation
// does, names a struct of those) and what was found in the data.
type Record[C any] struct {
	Config    C            `json:"config"`
	Spec      model.Spec   `json:"model"`
	Classes   []string     `json:"classes,omitempty"`
	Records   int64        `json:"records"`
	PeakLR    float64      `json:"peak_lr"`
	Optimizer optim.Config `json:"optimizer"`
}
