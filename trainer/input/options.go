package input

import (
	"fmt"
	"strings"
	"time"
)

// CorruptPolicy says what a Reader does with damaged input.
type CorruptPolicy int

const (
	// Fail stops at the first damaged record with an error naming the
	// shard and the byte offset or record index.
	Fail CorruptPolicy = iota
	// Skip counts damaged input and goes on. A record that is framed
	// correctly but is not a valid multiview record is skipped alone; damaged
	// framing (a CRC mismatch, a truncated record) cannot be resynchronised,
	// so the rest of that shard is skipped and the shard counted. A view
	// that is valid by the schema but does not decode (a damaged PNG or JPEG
	// body) is found only once its batch is composed, and is an error naming
	// the image and view under either policy.
	Skip
)

// ParseCorruptPolicy parses "fail" or "skip".
func ParseCorruptPolicy(s string) (CorruptPolicy, error) {
	switch strings.ToLower(s) {
	case "fail", "":
		return Fail, nil
	case "skip":
		return Skip, nil
	}
	return Fail, fmt.Errorf("corrupt-record policy %q: want fail or skip", s)
}

// String returns the policy's name as ParseCorruptPolicy accepts it.
func (p CorruptPolicy) String() string {
	if p == Skip {
		return "skip"
	}
	return "fail"
}

// DefaultInterleave is how many shards a Reader reads at once unless told.
// Each open shard costs a read buffer of 256 KiB plus one record.
const DefaultInterleave = 16

// DefaultPoll is how often Follow looks for newly finalized shards unless told.
const DefaultPoll = 2 * time.Second

// Options configure a Dataset.
type Options struct {
	// Seed fixes every random choice, with the epoch and the rank.
	Seed int64
	// Rank and World split the shards among processes: rank r of w reads the
	// shards whose index (within their augmentation pass) is r modulo w.
	// World 0 means 1.
	Rank, World int
	// Interleave is how many shards are read at once, round-robin, one record
	// from each in turn; 0 means DefaultInterleave.
	Interleave int
	// NoRotate turns off rotation. By default, when the record count of
	// each shard is known (from the dataset's manifest), every shard is read
	// from a record drawn from (seed, epoch, shard) to its end and then from
	// its start up to that record. Shards are sorted by image id, and ids
	// often start with the class (a folder name): rotation spreads the
	// interleaved shards over different classes at any moment, so the pool
	// holds many classes. It costs re-reading, without decoding, the records
	// before the start: half a shard on average.
	NoRotate bool
	// Workers parse records (tf.train.Example to Multiview) in parallel,
	// in chunks of 8, handing them on in stream order; 0 means GOMAXPROCS,
	// 1 parses on the consumer's goroutine.
	Workers int
	// Corrupt is the corrupt-record policy.
	Corrupt CorruptPolicy
	// Follow reads a dataset the pipeline is still writing: the input is the
	// dataset's PREFIX (or PREFIX.manifest.json). Shards are read as they
	// appear under their final names (which happens only once finalized), in
	// index order during epoch 0, waiting for each in turn; the dataset is
	// complete once the manifest appears, and later epochs use its shard list.
	//
	// When the PREFIX is an epoch-ahead dataset (its PREFIX.epochs.json
	// exists; docs/streaming.md), each training epoch instead reads the
	// next augmentation epoch once it is finalized, waiting for it unless
	// Echo; rank 0 publishes how many epochs it has finished reading.
	Follow bool
	// Echo, with Follow on an epoch-ahead dataset, re-reads the last
	// augmentation epoch read when the next one is not finalized yet,
	// instead of waiting (a new training epoch: a new order, batches and
	// pairing of its stored views).
	Echo bool
	// Poll is how often Follow looks for new shards; 0 means DefaultPoll.
	Poll time.Duration
}

// withDefaults returns o with zero fields set to their defaults, or an error
// naming a field out of range.
func (o Options) withDefaults() (Options, error) {
	if o.World == 0 {
		o.World = 1
	}
	if o.World < 0 || o.Rank < 0 || o.Rank >= o.World {
		return o, fmt.Errorf("rank %d of world %d: want 0 <= rank < world", o.Rank, o.World)
	}
	if o.Interleave == 0 {
		o.Interleave = DefaultInterleave
	}
	if o.Interleave < 0 {
		return o, fmt.Errorf("interleave %d is negative", o.Interleave)
	}
	if o.Workers < 0 {
		return o, fmt.Errorf("%d workers is negative", o.Workers)
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	return o, nil
}
