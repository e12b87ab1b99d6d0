package evaluate

import (
	"context"
	"fmt"

	"github.com/supcon/supcon/trainer/run/tfevents"
)

// EvalTags prefixes the scalars of an evaluation's event file.
const EvalTags = "eval/"

// writeEvalEvents writes the report's figures as a TensorBoard event file
// into dir (its old event files deleted first, as the reports are
// rewritten). The step is the severity, 0 for the clean test data, so that
// TensorBoard draws each figure against severity and overlays the
// evaluation folders under one --logdir: eval/top1, eval/top5, eval/ece and
// eval/nll (clean, then the mean over the corruptions at each severity),
// eval/top1/NAME and eval/ece/NAME per corruption (from the clean figure
// on), and eval/knn_top1 (one per kNN classifier, named by its k when
// there are several) at step 0.
func writeEvalEvents(ctx context.Context, dir string, r *Report) error {
	if err := tfevents.RemoveFiles(ctx, dir); err != nil {
		return err
	}
	w, err := tfevents.Create(ctx, dir, tfevents.Options{})
	if err != nil {
		return err
	}
	defer w.Close(ctx)
	headline := func(prefix string, s Summary) []tfevents.Value {
		return []tfevents.Value{
			{Tag: prefix + "top1", Value: float32(s.Top1)}, {Tag: prefix + "top5", Value: float32(s.Top5)},
			{Tag: prefix + "ece", Value: float32(s.ECE)}, {Tag: prefix + "nll", Value: float32(s.NLL)},
		}
	}
	bySev := map[int][]tfevents.Value{}
	clean := headline(EvalTags, r.Clean.Summary())
	for _, c := range r.Corrupted {
		clean = append(clean, tfevents.Value{Tag: EvalTags + "top1/" + c.Name, Value: float32(r.Clean.Top1)},
			tfevents.Value{Tag: EvalTags + "ece/" + c.Name, Value: float32(r.Clean.ECE)})
		for _, s := range c.Severities {
			bySev[s.Severity] = append(bySev[s.Severity], tfevents.Value{Tag: EvalTags + "top1/" + c.Name, Value: float32(s.Top1)},
				tfevents.Value{Tag: EvalTags + "ece/" + c.Name, Value: float32(s.ECE)})
		}
	}
	for _, k := range r.KNN {
		tag := EvalTags + "knn_top1"
		if len(r.KNN) > 1 {
			tag += fmt.Sprintf("/k=%d", k.Config.K)
		}
		clean = append(clean, tfevents.Value{Tag: tag, Value: float32(k.Top1)})
	}
	if err := w.Scalars(0, clean...); err != nil {
		return err
	}
	for _, s := range r.BySeverity {
		if err := w.Scalars(int64(s.Severity), append(headline(EvalTags, s.Summary), bySev[s.Severity]...)...); err != nil {
			return err
		}
	}
	return w.Close(ctx)
}
