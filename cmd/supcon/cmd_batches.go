package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/supcon/supcon/trainer/input"
)

func init() {
	register(&command{
		Name:    "batches",
		Args:    "--data GLOB --p P --k K --views V",
		Summary: "print the class-balanced P×K×V batches the trainer would see, as JSON",
		Help: `Batches streams a dataset's shards (--data: a glob, shard files, or a
PREFIX.manifest.json; local or gs://) the way the trainer does and prints each
batch of P classes × K images × V views as one JSON object per line:

  {"epoch":0,"batch":0,"ids":[...],"labels":[...],"views":[[2,0],...],"images":[0,1,...]}

Rows are class-major (K rows per class); views are the indices of the stored
views each row uses; images number the batch's distinct images, so that rows
sharing one are copies (a class with fewer than K images in the buffer is
padded by sampling with replacement; copies are never each other's
positives). "copies" and "reused" list the rows that are copies, and rows of
images already used this epoch to make up P classes at its end.

Same flags, same batches. --rank r --world w gives rank r its disjoint share
of the shards. The last line, on standard error, is the position (to give to
--resume) and the balance statistics.`,
		Run: runBatches,
	})
}

// batchLine is one batch as printed.
type batchLine struct {
	Epoch  int      `json:"epoch"`
	Batch  int      `json:"batch"`
	IDs    []string `json:"ids"`
	Labels []int64  `json:"labels"`
	Views  [][]int  `json:"views"`
	Images []int    `json:"images"`
	Copies []int    `json:"copies,omitempty"`
	Reused []int    `json:"reused,omitempty"`
}

// batchesSummary is the last line, on standard error.
type batchesSummary struct {
	Position input.Position `json:"position"`
	Balance  float64        `json:"balance"`
	Stats    input.Stats    `json:"stats"`
}

func runBatches(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	var (
		data, corrupt, resume string
		opt                   input.Options
		bopt                  input.BatchOptions
		count                 int
	)
	fs.StringVar(&data, "data", "", "the dataset: a `GLOB`, a shard, or PREFIX.manifest.json (with --follow: PREFIX)")
	fs.IntVar(&bopt.P, "p", 0, "classes per batch")
	fs.IntVar(&bopt.K, "k", 0, "images per class")
	fs.IntVar(&bopt.V, "views", 0, "views per image, at most the views stored per record")
	fs.Int64Var(&opt.Seed, "seed", 0, "seed of every random choice")
	fs.IntVar(&opt.Rank, "rank", 0, "this process's rank, 0 <= rank < world")
	fs.IntVar(&opt.World, "world", 1, "number of processes sharing the shards")
	fs.IntVar(&count, "count", 0, "stop after `N` batches (0: all batches of --epochs)")
	fs.IntVar(&bopt.Epochs, "epochs", 1, "epochs to go through")
	fs.IntVar(&bopt.Buffer, "buffer", 0, "records held for shuffling and balancing (0: 16·P·K)")
	fs.IntVar(&opt.Interleave, "interleave", 0, fmt.Sprintf("shards read at once (0: %d)", input.DefaultInterleave))
	fs.BoolVar(&opt.NoRotate, "no-rotate", false, "read every shard from its first record")
	fs.BoolVar(&opt.Follow, "follow", false, "read a dataset still being written, shard by shard as each is finalized, until its manifest appears")
	fs.DurationVar(&opt.Poll, "poll", input.DefaultPoll, "with --follow, how often to look for new shards")
	fs.StringVar(&corrupt, "corrupt", "fail", "damaged records: fail, or skip and count")
	fs.BoolVar(&bopt.Decode, "decode", false, "decode every view too (checks that they decode)")
	fs.StringVar(&resume, "resume", "", "start at the position saved in `FILE` (the position printed last)")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErrorf("unexpected arguments %q: the dataset goes in --data", fs.Args())
	case data == "":
		return usageErrorf("no --data")
	case count < 0:
		return usageErrorf("--count %d is negative", count)
	}
	var err error
	if opt.Corrupt, err = input.ParseCorruptPolicy(corrupt); err != nil {
		return usageErrorf("--corrupt: %v", err)
	}
	if resume != "" {
		if bopt.Start, err = readPosition(resume); err != nil {
			return err
		}
	}
	d, err := input.Open(ctx, []string{data}, opt)
	if err != nil {
		return err
	}
	b, err := input.NewBatcher(ctx, d, bopt)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := printBatches(s.Out, b, count); err != nil {
		return err
	}
	st := b.Stats()
	return json.NewEncoder(s.Err).Encode(batchesSummary{Position: b.Position(), Balance: st.Balance(), Stats: st})
}

// readPosition reads the position to resume at from path: the summary
// supcon batches printed last, or a bare input.Position.
func readPosition(path string) (*input.Position, error) {
	js, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pos batchesSummary
	if err := json.Unmarshal(js, &pos); err != nil || pos.Position.P == 0 {
		// Also accept a bare Position.
		pos.Position = input.Position{}
		if err := json.Unmarshal(js, &pos.Position); err != nil {
			return nil, fmt.Errorf("--resume %s: %w", path, err)
		}
	}
	return &pos.Position, nil
}

// printBatches prints a JSON line for each of b's batches to w, up to
// count batches (0: all).
func printBatches(w io.Writer, b *input.Batcher, count int) error {
	out := bufio.NewWriter(w)
	enc := json.NewEncoder(out)
	for n := 0; count == 0 || n < count; n++ {
		bt, err := b.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errors.Join(err, out.Flush()) // the batches before the error are printed
		}
		if err := enc.Encode(lineOf(bt)); err != nil {
			return err
		}
	}
	return out.Flush()
}

// lineOf describes a batch for printing.
func lineOf(bt *input.Batch) batchLine {
	l := batchLine{Epoch: bt.Epoch, Batch: bt.Index}
	for i, r := range bt.Rows {
		l.IDs = append(l.IDs, r.ID)
		l.Labels = append(l.Labels, r.Label)
		l.Views = append(l.Views, r.Views)
		l.Images = append(l.Images, r.Image)
		if r.Copy > 0 {
			l.Copies = append(l.Copies, i)
		}
		if r.Reused {
			l.Reused = append(l.Reused, i)
		}
	}
	return l
}
