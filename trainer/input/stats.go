package input

// Stats are a Batcher's metrics, as of the last batch Next returned: what was
// read and skipped, and how well balanced the batches were. They cover the
// batches composed since the Batcher started, including those a resumed
// Batcher composed again to reach its start position.
type Stats struct {
	// Read counts records read and damage skipped (the corrupt-record policy).
	Read ReadStats `json:"read"`
	// Epoch is the epoch of the last batch; Batches counts batches composed.
	Epoch   int   `json:"epoch"`
	Batches int64 `json:"batches"`
	// Images counts rows that are an image's first use in its epoch
	// (Copy == 0, not Reused): over an epoch, the records read.
	Images int64 `json:"images"`
	// ClassSlots counts the batches' classes (P per batch). FullSlots had K
	// distinct images; PaddedSlots were filled with copies; ReusedSlots
	// were classes made up from the previous batch.
	ClassSlots  int64 `json:"class_slots"`
	FullSlots   int64 `json:"full_slots"`
	PaddedSlots int64 `json:"padded_slots"`
	ReusedSlots int64 `json:"reused_slots"`
	// CopyRows and ReusedRows count rows that are copies, and rows of
	// images reused from earlier in the epoch.
	CopyRows   int64 `json:"copy_rows"`
	ReusedRows int64 `json:"reused_rows"`
	// PeakPool is the most records the pool held at once: Buffer, or up to
	// 4·Buffer when it had to grow to find P classes.
	PeakPool int `json:"peak_pool"`
	// Classes is the number of classes seen in batches; MinClassRows and
	// MaxClassRows are the fewest and most rows any of them got.
	Classes      int   `json:"classes"`
	MinClassRows int64 `json:"min_class_rows"`
	MaxClassRows int64 `json:"max_class_rows"`
}

// Balance returns the fraction of class slots that held K distinct images
// (1 is perfect; 0 before any batch).
func (s Stats) Balance() float64 {
	if s.ClassSlots == 0 {
		return 0
	}
	return float64(s.FullSlots) / float64(s.ClassSlots)
}

// tally holds the running counts behind Stats.
type tally struct {
	Stats
	readBase  ReadStats       // epochs already finished
	classRows map[int64]int64 // rows per class
}

// count adds a composed batch to the tally.
func (t *tally) count(b *Batch, slots []slot, K int, read ReadStats) {
	t.Epoch = b.Epoch
	t.Batches++
	t.Read = t.readBase
	t.Read.add(read)
	for _, s := range slots {
		t.ClassSlots++
		switch {
		case s.reused:
			t.ReusedSlots++
		case len(s.recs) >= K:
			t.FullSlots++
		default:
			t.PaddedSlots++
		}
	}
	if t.classRows == nil {
		t.classRows = map[int64]int64{}
	}
	for _, r := range b.Rows {
		t.classRows[r.Label]++
		switch {
		case r.Reused:
			t.ReusedRows++
		case r.Copy > 0:
			t.CopyRows++
		default:
			t.Images++
		}
	}
	t.Classes = len(t.classRows)
	first := true
	for _, n := range t.classRows {
		if first || n < t.MinClassRows {
			t.MinClassRows = n
		}
		if first || n > t.MaxClassRows {
			t.MaxClassRows = n
		}
		first = false
	}
}
