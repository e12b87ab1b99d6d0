package run

import (
	"context"
	"testing"

	"github.com/supcon/supcon/trainer/model"
)

// toyCheckpoint writes a checkpoint of a small model after step steps into
// the run d and returns its path.
func toyCheckpoint(t testing.TB, d Dir, step int64) string {
	t.Helper()
	m, err := model.New(model.Spec{Encoder: "mlp", Channels: 1, Height: 8, Width: 8, ProjectionDim: 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := d.CheckpointPath(step)
	if err := WriteCheckpoint(context.Background(), path, &Checkpoint{Step: step, Model: m, Optimizer: []byte("state")}); err != nil {
		t.Fatal(err)
	}
	return path
}
