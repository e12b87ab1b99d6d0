package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/shards/ahead"
)

func init() {
	register(&command{
		Name:    "stream",
		Args:    "AUGMENT_FLAGS -- TRAIN_FLAGS",
		Summary: "run 'augment --ahead' and 'train --follow' together: training starts after the first epoch",
		Help: `Stream runs the two sides of epoch-ahead production (docs/streaming.md) in
one process: 'supcon augment AUGMENT_FLAGS' (which must include --ahead and
--output PREFIX) and, once the producer's index PREFIX.epochs.json exists,
'supcon train --data PREFIX --follow TRAIN_FLAGS'. If either side fails, the
other is stopped. Example:

  supcon stream --input mnist:data/mnist --output out/mnist --epochs 20 \
      --views 2 --size 28 --channels 1 --ahead 2 --keep 1 -- \
      --out runs/mnist --model cnn-small --epochs 20 --when-behind echo`,
		Run: runStream,
	})
}

func runStream(ctx context.Context, s *streams, args []string) error {
	if slices.Contains([]string{"-h", "-help", "--help"}, firstOr(args)) {
		fs := s.flags()
		return s.parse(fs, args)
	}
	cut := slices.Index(args, "--")
	if cut < 0 {
		return usageErrorf("stream: want AUGMENT_FLAGS -- TRAIN_FLAGS")
	}
	augArgs, trainArgs := args[:cut], args[cut+1:]
	prefix := flagValue(augArgs, "output")
	if prefix == "" || flagValue(augArgs, "ahead") == "" {
		return usageErrorf("stream: the augment flags need --output PREFIX and --ahead A")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out, errw := &lockedWriter{w: s.Out}, &lockedWriter{w: s.Err}
	augDone := make(chan error, 1)
	go func() {
		err := runAugment(ctx, &streams{In: s.In, Out: out, Err: errw, cmd: commands["augment"]}, augArgs)
		if err != nil {
			cancel() // the trainer would wait for ever
		}
		augDone <- err
	}()
	if err := awaitIndex(ctx, prefix, augDone); err != nil {
		return err
	}
	trainErr := runTrain(ctx, &streams{In: s.In, Out: out, Err: errw, cmd: commands["train"]},
		append([]string{"--data", prefix, "--follow"}, trainArgs...))
	if trainErr != nil {
		cancel() // the producer would wait for the trainer for ever
	}
	augErr := <-augDone
	if trainErr != nil {
		return fmt.Errorf("stream: train: %w", trainErr)
	}
	if augErr != nil {
		return fmt.Errorf("stream: augment: %w", augErr)
	}
	return nil
}

// awaitIndex waits until the producer has written its index, or has ended
// (its error, or none: the trainer then reads what it left).
func awaitIndex(ctx context.Context, prefix string, augDone chan error) error {
	for {
		if _, err := storage.For(prefix).Stat(ctx, ahead.IndexPath(prefix)); err == nil {
			return nil
		}
		select {
		case err := <-augDone:
			augDone <- err
			if err != nil {
				return fmt.Errorf("stream: augment: %w", err)
			}
			return errors.New("stream: augment ended without an epoch-ahead index (give --ahead)")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// flagValue returns the value of flag name in args ("-name V", "--name V",
// "-name=V" or "--name=V"), or "" when it is not there.
func flagValue(args []string, name string) string {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// firstOr returns args[0], or "" when args is empty.
func firstOr(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// lockedWriter lets the two sides write to one stream at once.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p whole under the lock.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
