package evaluate

import (
	"context"
	"fmt"
	"testing"

	"github.com/supcon/supcon/trainer/run/tfevents"
)

// checkEvalEvents checks that the event file in out holds the report's
// figures against severity, as TensorBoard reads them.
func checkEvalEvents(t *testing.T, out string, r *Report) {
	t.Helper()
	tags, err := tfevents.ReadDir(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	check := func(tag string, want map[int64]float64) {
		t.Helper()
		got := tags[tag]
		if len(got) != len(want) {
			t.Errorf("%s: %d points, want %d", tag, len(got), len(want))
			return
		}
		for _, p := range got {
			if w, ok := want[p.Step]; !ok || p.Value != float32(w) {
				t.Errorf("%s at severity %d: %v, want %v", tag, p.Step, p.Value, w)
			}
		}
	}
	top1, ece := map[int64]float64{0: r.Clean.Top1}, map[int64]float64{0: r.Clean.ECE}
	for _, s := range r.BySeverity {
		top1[int64(s.Severity)], ece[int64(s.Severity)] = s.Top1, s.ECE
	}
	check(EvalTags+"top1", top1)
	check(EvalTags+"ece", ece)
	for _, c := range r.Corrupted {
		want := map[int64]float64{0: r.Clean.Top1}
		for _, s := range c.Severities {
			want[int64(s.Severity)] = s.Top1
		}
		check(EvalTags+"top1/"+c.Name, want)
	}
	for _, k := range r.KNN {
		check(fmt.Sprintf("%sknn_top1/k=%d", EvalTags, k.Config.K), map[int64]float64{0: k.Top1})
	}
}
