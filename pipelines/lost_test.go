package pipelines

import (
	"context"
	"path/filepath"
	"testing"
)

// The summary counts lost views (content gone) from the supcon/lost_views
// counter, on both in-process runners.
func TestSummaryCountsLostViews(t *testing.T) {
	for _, tt := range []struct {
		runner, policy string
		allLost        bool
	}{
		{"prism", "ops:translatex=1000", true}, // every view moved out of its frame
		{"direct", "ops:translatey=-1000", true},
		{"prism", "none", false},
	} {
		cfg := treeConfig(t, filepath.Join(t.TempDir(), "train"))
		cfg.Policy, cfg.Epochs = tt.policy, 1
		sum, err := Run(context.Background(), cfg, tt.runner, nil)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.runner, tt.policy, err)
		}
		want := int64(0)
		if tt.allLost {
			want = sum.Views
		}
		if sum.Views == 0 || sum.Lost != want {
			t.Errorf("%s %s: %d of %d views lost, want %d", tt.runner, tt.policy, sum.Lost, sum.Views, want)
		}
	}
}
