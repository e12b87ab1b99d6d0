package pipelines

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/supcon/supcon/shards/ahead"
	"github.com/supcon/supcon/trainer/input"
)

// readEpoch reads one training epoch and returns the augmentation epoch of
// its records (which must all be the same) and how many there were.
func readEpoch(t *testing.T, d *input.Dataset, epoch int) (int64, int) {
	t.Helper()
	r, err := d.Epoch(context.Background(), epoch, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	aug, n := int64(-1), 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return aug, n
		}
		if err != nil {
			t.Fatal(err)
		}
		if aug >= 0 && rec.Epoch != aug {
			t.Fatalf("training epoch %d mixes augmentation epochs %d and %d", epoch, aug, rec.Epoch)
		}
		aug = rec.Epoch
		n++
	}
}

// Producer and consumer together: the consumer reads epoch 0 before the
// producer's last epoch exists, reads every epoch in order (waiting) or
// re-reads the last one (echo) when the producer, held back by Ahead, is
// behind, and the disk never holds more than Keep+Ahead epochs.
func TestProducerAndConsumer(t *testing.T) {
	for _, tc := range []struct {
		behind      string
		ahead, keep int
	}{{"wait", 1, 0}, {"echo", 1, 1}, {"wait", 2, 1}} {
		t.Run(fmt.Sprintf("%s-ahead%d-keep%d", tc.behind, tc.ahead, tc.keep), func(t *testing.T) {
			ctx := context.Background()
			cfg := treeConfig(t, filepath.Join(t.TempDir(), "train"))
			cfg.Epochs = 3
			errc := make(chan error, 1)
			go func() {
				_, err := RunEpochs(ctx, cfg, "prism", EpochOptions{Ahead: tc.ahead, Keep: tc.keep, Poll: 5 * time.Millisecond}, nil)
				errc <- err
			}()
			// The producer writes its index before its first job.
			for {
				if _, err := ahead.ReadIndex(ctx, cfg.Output); err == nil {
					break
				}
				time.Sleep(time.Millisecond)
			}
			d, err := input.Open(ctx, []string{cfg.Output}, input.Options{Seed: 1, Follow: true, Echo: tc.behind == "echo", Poll: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for te := 0; ; te++ {
				aug, n := readEpoch(t, d, te)
				if n != len(wantTree) {
					t.Fatalf("training epoch %d read %d records, want %d", te, n, len(wantTree))
				}
				if te == 0 {
					if ix, err := ahead.ReadIndex(ctx, cfg.Output); err != nil || ix.Done == cfg.Epochs {
						t.Fatalf("the producer's last epoch existed before the first epoch was read (index %+v, %v)", ix, err)
					}
				}
				if n := epochsOnDisk(t, cfg.Output, cfg.Epochs); n > tc.keep+tc.ahead {
					t.Fatalf("%d epochs on disk, want at most %d", n, tc.keep+tc.ahead)
				}
				got = append(got, aug)
				if aug == int64(cfg.Epochs-1) {
					break
				}
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			b := d.Behind()
			switch tc.behind {
			case "wait":
				want := []int64{0, 1, 2}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("read augmentation epochs %v, want %v", got, want)
				}
				if b.Echoed != 0 || (tc.ahead == 1 && b.Waited == 0) {
					t.Errorf("behind %+v: want no echo and, one epoch ahead, some waiting", b)
				}
			case "echo":
				// One epoch ahead, epoch 1 starts only once the consumer has
				// finished epoch 0: training epoch 1 echoes epoch 0.
				if len(got) < 4 || got[0] != 0 || got[1] != 0 || b.Echoed != len(got)-cfg.Epochs {
					t.Errorf("read augmentation epochs %v with %d echoes: want epoch 0 echoed at least once", got, b.Echoed)
				}
				for i := 1; i < len(got); i++ {
					if got[i] < got[i-1] || got[i] > got[i-1]+1 {
						t.Errorf("read augmentation epochs %v: want each the last one or the next", got)
					}
				}
			}
		})
	}
}
