package run

import (
	"context"
	"slices"
	"testing"

	"github.com/supcon/supcon/trainer/run/tfevents"
)

// A session that logged steps 1–5 but checkpointed only step 3 (then
// crashed) is resumed and logs step 4: TensorBoard shows steps 1–3 of the
// first session and 4 of the second, not the first session's step 5. A fresh start then shows only its own. The probe's
// folder is its own run.
func TestCreateEventsResumeAndFresh(t *testing.T) {
	ctx := context.Background()
	for _, tc := range runDirs {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.dir(t)
			session := func(resumeAfter int64, sub string, steps []int64, loss float64) {
				t.Helper()
				w, err := d.CreateEvents(ctx, sub, resumeAfter)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range steps {
					if err := w.Scalars(s, Metric{Step: s, Loss: loss}.Scalars(TrainTags)...); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			series := func(sub string) (steps []int64, losses []float32) {
				t.Helper()
				dir := string(d)
				if sub != "" {
					dir = d.Path(sub)
				}
				tags, err := tfevents.ReadDir(ctx, dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range tags[TrainTags+"loss"] {
					steps, losses = append(steps, p.Step), append(losses, p.Value)
				}
				return steps, losses
			}
			session(-1, "", []int64{1, 2, 3, 4, 5}, 1)
			session(3, "", []int64{4}, 2)
			session(-1, LinearEventsDir, []int64{1, 2}, 7)
			steps, losses := series("")
			if !slices.Equal(steps, []int64{1, 2, 3, 4}) || !slices.Equal(losses, []float32{1, 1, 1, 2}) {
				t.Errorf("resumed: steps %v losses %v", steps, losses)
			}
			session(-1, "", []int64{1}, 3)
			if steps, losses := series(""); !slices.Equal(steps, []int64{1}) || !slices.Equal(losses, []float32{3}) {
				t.Errorf("afresh: steps %v losses %v", steps, losses)
			}
			if steps, losses := series(LinearEventsDir); !slices.Equal(steps, []int64{1, 2}) || !slices.Equal(losses, []float32{7, 7}) {
				t.Errorf("probe: steps %v losses %v", steps, losses)
			}
		})
	}
}
