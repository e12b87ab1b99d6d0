package input

import "fmt"

// Position is where a Batcher stands, to be saved in a checkpoint (it is
// plain JSON) and given back as BatchOptions.Start to resume: the epoch and
// the number of its batches delivered, with the settings that fix the
// batches, checked on resume.
type Position struct {
	Epoch int `json:"epoch"`
	Batch int `json:"batch"`

	Seed       int64 `json:"seed"`
	Rank       int   `json:"rank"`
	World      int   `json:"world"`
	Interleave int   `json:"interleave"`
	P          int   `json:"p"`
	K          int   `json:"k"`
	V          int   `json:"v"`
	Buffer     int   `json:"buffer"`
	Follow     bool  `json:"follow,omitempty"`
}

// check reports how a saved position disagrees with the current settings.
func (p Position) check(cur Position) error {
	a, b := p, cur
	a.Epoch, a.Batch, b.Epoch, b.Batch = 0, 0, 0, 0
	if a != b {
		return fmt.Errorf("resuming from %+v with other settings %+v: the batches would differ", p, cur)
	}
	if p.Epoch < 0 || p.Batch < 0 {
		return fmt.Errorf("resuming from epoch %d batch %d: negative", p.Epoch, p.Batch)
	}
	return nil
}
