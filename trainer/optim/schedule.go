package optim

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Decay is the shape of the schedule after warm-up.
type Decay uint8

const (
	// Cosine decays from Peak to Floor along half a cosine over the steps
	// from WarmupSteps to TotalSteps, and stays at Floor after them.
	Cosine Decay = iota
	// Constant keeps Peak after warm-up.
	Constant
)

// String returns "cosine" or "constant".
func (d Decay) String() string {
	switch d {
	case Cosine:
		return "cosine"
	case Constant:
		return "constant"
	}
	return fmt.Sprintf("Decay(%d)", uint8(d))
}

// ParseDecay parses "cosine" or "constant" (case-insensitive).
func ParseDecay(s string) (Decay, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "cosine":
		return Cosine, nil
	case "constant":
		return Constant, nil
	}
	return 0, fmt.Errorf("optim: unknown lr decay %q (want cosine or constant)", s)
}

// Schedule is a learning-rate schedule: linear warm-up from WarmupStart to
// Peak over WarmupSteps steps, then Decay. Steps count from 0, the step
// about to be taken (so after a resume, ask for [Optimizer.Steps]):
//
//	s < W:      lr = WarmupStart + (Peak − WarmupStart)·s/W
//	Cosine:     lr = Floor + (Peak − Floor)·(1 + cos(π·min(s−W, T−W)/(T−W)))/2
//	Constant:   lr = Peak
//
// With WarmupStart 0 the first step has lr 0, as in SimCLR's TensorFlow code
// (the momentum buffers still see its gradient). The zero value is not
// usable; see [DefaultSchedule].
type Schedule struct {
	// Peak is the learning rate at the end of warm-up (> 0).
	Peak float64
	// WarmupStart is the learning rate at step 0 when WarmupSteps > 0 (≥ 0).
	WarmupStart float64
	// WarmupSteps is the length W of the linear warm-up (0 ≤ W ≤ TotalSteps).
	WarmupSteps int64
	// TotalSteps is the training length T (> 0); the cosine ends at T.
	TotalSteps int64
	// Floor is where the cosine ends (0 ≤ Floor ≤ Peak); Constant ignores it.
	Floor float64
	// Decay is what follows warm-up.
	Decay Decay
}

// DefaultSchedule is our CLI default: warm-up from 0 over the first 10% of
// totalSteps (rounded down), then cosine decay to 0.
func DefaultSchedule(peak float64, totalSteps int64) Schedule {
	return Schedule{Peak: peak, WarmupSteps: totalSteps / 10, TotalSteps: totalSteps, Decay: Cosine}
}

// ScaleLR applies the linear scaling rule: lr·batch/refBatch (the paper's
// CIFAR setting is lr 0.5 at refBatch 1024).
func ScaleLR(lr float64, batch, refBatch int) float64 {
	return lr * float64(batch) / float64(refBatch)
}

// Validate reports every invalid field, naming it and its value.
func (s Schedule) Validate() error {
	var errs []error
	if math.IsNaN(s.Peak) || math.IsInf(s.Peak, 0) || s.Peak <= 0 {
		errs = append(errs, fmt.Errorf("optim: schedule Peak = %v, want a finite value > 0", s.Peak))
	}
	if math.IsNaN(s.WarmupStart) || math.IsInf(s.WarmupStart, 0) || s.WarmupStart < 0 {
		errs = append(errs, fmt.Errorf("optim: schedule WarmupStart = %v, want a finite value ≥ 0", s.WarmupStart))
	}
	if s.TotalSteps <= 0 {
		errs = append(errs, fmt.Errorf("optim: schedule TotalSteps = %d, want > 0", s.TotalSteps))
	}
	if s.WarmupSteps < 0 || (s.TotalSteps > 0 && s.WarmupSteps > s.TotalSteps) {
		errs = append(errs, fmt.Errorf("optim: schedule WarmupSteps = %d, want 0..TotalSteps (%d)", s.WarmupSteps, s.TotalSteps))
	}
	switch s.Decay {
	case Cosine:
		if math.IsNaN(s.Floor) || s.Floor < 0 || s.Floor > s.Peak {
			errs = append(errs, fmt.Errorf("optim: schedule Floor = %v, want a value in [0, Peak (%v)]", s.Floor, s.Peak))
		}
	case Constant:
	default:
		errs = append(errs, fmt.Errorf("optim: schedule Decay = %d, want Cosine or Constant", s.Decay))
	}
	return errors.Join(errs...)
}

// LR returns the learning rate for step (a negative step counts as 0). It is
// a pure function of its inputs; call Validate once first, since LR does not
// check the fields.
func (s Schedule) LR(step int64) float64 {
	step = max(step, 0)
	w := s.WarmupSteps
	if step < w {
		return s.WarmupStart + (s.Peak-s.WarmupStart)*float64(step)/float64(w)
	}
	if s.Decay == Constant {
		return s.Peak
	}
	span := s.TotalSteps - w
	if span <= 0 || step >= s.TotalSteps {
		return s.Floor
	}
	frac := float64(step-w) / float64(span)
	return s.Floor + (s.Peak-s.Floor)*0.5*(1+math.Cos(math.Pi*frac))
}
