package input

import (
	"reflect"
	"testing"
	"time"

	"github.com/supcon/supcon/internal/gcstest"
	"github.com/supcon/supcon/shards"
)

// A dataset on gs:// (an in-process fake GCS) gives the batches the same
// dataset gives on local disk, read directly or followed.
func TestDatasetOnGCS(t *testing.T) {
	bucket := gcstest.Start(t)
	sp := dataSpec{shards: 3, counts: []int{6, 9, 4, 7}, comp: shards.Gzip}
	gcs, _ := sp.write(t, "gs://"+bucket+"/sets")
	local, _ := sp.write(t, t.TempDir())
	bopt := BatchOptions{P: 2, K: 3, V: 2, Buffer: 12, Decode: true, Epochs: 2}
	want, _ := collect(t, []string{shards.ManifestPath(local)}, Options{Seed: 6}, bopt, 0)
	tests := []struct {
		name   string
		inputs []string
		opt    Options
	}{
		{"manifest", []string{shards.ManifestPath(gcs)}, Options{Seed: 6}},
		{"glob", []string{shards.ShardGlob(gcs)}, Options{Seed: 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := collect(t, tc.inputs, tc.opt, bopt, 0)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("gs:// gave other batches than local disk (%d vs %d)", len(got), len(want))
			}
		})
	}
	t.Run("follow", func(t *testing.T) {
		opt := Options{Seed: 6, Follow: true, Poll: time.Millisecond}
		got, _ := collect(t, []string{gcs}, opt, bopt, 0)
		wantFollow, _ := collect(t, []string{local}, opt, bopt, 0)
		if len(got) == 0 || !reflect.DeepEqual(got, wantFollow) {
			t.Errorf("following gs:// gave other batches than following local disk (%d vs %d)", len(got), len(wantFollow))
		}
	})
}
