package trainer

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/supcon/supcon/shards/ahead"
	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer/run"
)

// slowProducer writes an epoch-ahead dataset of toy squares the way the
// producer does (index first, each epoch's manifest last), one epoch ahead
// of the consumer and deliberately slow: it sleeps before each epoch after
// the first. It returns when every epoch is written or ctx is done.
func slowProducer(ctx context.Context, t *testing.T, prefix string, epochs int, delay time.Duration) error {
	ix := &ahead.Index{Epochs: epochs}
	if err := ahead.WriteIndex(ctx, prefix, ix); err != nil {
		return err
	}
	for e := 0; e < epochs; e++ {
		for e > 0 {
			p, err := ahead.ReadProgress(ctx, prefix)
			if err != nil {
				return err
			}
			if p.Finished >= e {
				break
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(2 * time.Millisecond):
			}
		}
		if e > 0 {
			time.Sleep(delay)
		}
		records, names := shardstest.Squares(48, 4, 8, 2, uint64(e+1))
		for _, r := range records {
			r.Epoch = int64(e)
		}
		if _, err := shardstest.SquaresDataset(ahead.EpochPrefix(prefix, e), names, 8, 2).Write(ctx, records); err != nil {
			return err
		}
		ix.Done++
		if err := ahead.WriteIndex(ctx, prefix, ix); err != nil {
			return err
		}
	}
	return nil
}

// Training follows an epoch-ahead dataset whose producer is slow: waiting
// shows as wait_seconds, echoing as echoed_epochs in metrics.jsonl.
func TestFollowSlowProducer(t *testing.T) {
	for _, behind := range []string{"wait", "echo"} {
		t.Run(behind, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			prefix := filepath.Join(t.TempDir(), "toy")
			errc := make(chan error, 1)
			if err := ahead.WriteIndex(ctx, prefix, &ahead.Index{Epochs: 3}); err != nil {
				t.Fatal(err)
			}
			go func() { errc <- slowProducer(ctx, t, prefix, 3, 30*time.Millisecond) }()
			cfg := toyConfig(prefix)
			cfg.Model, cfg.Epochs = "mlp", 4
			cfg.Follow, cfg.WhenBehind, cfg.FollowPoll = true, behind, 2*time.Millisecond
			dir := t.TempDir()
			if _, err := Train(ctx, dir, cfg, nil); err != nil {
				t.Fatal(err)
			}
			cancel()
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			ms, err := run.ReadMetrics(context.Background(), run.Dir(dir).Path(run.MetricsFile))
			if err != nil {
				t.Fatal(err)
			}
			var waited float64
			var echoed int
			for _, m := range ms {
				waited += m.WaitSeconds
				echoed += m.EchoedEpochs
			}
			switch behind {
			case "wait":
				// Epochs 1 and 2 start only once the trainer finished the
				// one before; the fourth training epoch echoes epoch 2.
				if waited == 0 || echoed != 1 {
					t.Errorf("waited %.3fs, echoed %d epochs: want some waiting and 1 echo", waited, echoed)
				}
			case "echo":
				// Waiting only for epoch 0; epoch 1 starts once the
				// trainer finished epoch 0, so training epoch 1 echoes it.
				if echoed < 2 {
					t.Errorf("waited %.3fs, echoed %d epochs: want 2 or more echoes", waited, echoed)
				}
			}
		})
	}
}
