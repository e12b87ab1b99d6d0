package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/supcon/supcon/augment"
	"github.com/supcon/supcon/evaluate"
)

func init() {
	register(&command{
		Name:    "eval",
		Args:    "--run RUN_DIR --data TEST [--train TRAIN] [--corruptions all|LIST [--severities 1-5] | --corrupted GLOB...] [--knn] --out DIR",
		Summary: "score a run: accuracy, calibration, corruption robustness, kNN; reports in JSON, Markdown and HTML",
		Help: `Eval scores a run on test shards (made with --policy none): a SupCon run
through its linear probe (linear.ckpt from supcon linear; trained first on
--train when missing), a cross-entropy run (--loss ce) through its own
classifier head. It reports top-1, top-5, per-class accuracy, the confusion
matrix, NLL and the expected calibration error (--bins equal-width confidence
bins) with its reliability diagram.

With --corruptions (all, or a comma-separated list of: ` + strings.Join(augment.Corruptions(), ", ") + `)
it scores the test images again under each corruption at each of --severities,
corrupting them on the fly. With --corrupted instead it reads corrupted
copies of the test set written by 'supcon augment --corruptions' (manifests,
dataset prefixes or a glob of manifests, e.g. 'val-c-*.manifest.json'), each
one's corruption and severity from its manifest (an unquoted glob works when
--corrupted comes last); the same views, and the
same report, as on the fly with the same --seed. The summary table is laid out as the SupCon
paper's (Test, then the mean over corruptions at severities 1..5; top-1 and
ECE). With --knn (needs --train) it adds kNN on the frozen encoder's features
(k=200 with exp(s/0.07) votes, and a --knn-k majority) and retrieval
figures (precision@1, R-precision, MAP@R).

It writes into --out: report.json, report.md, report.html (one page, images
embedded) and predictions.jsonl (id, label, top-5 classes with
probabilities, per corruption and severity), and a TensorBoard event file
(eval/ tags, the severity as the step; see docs/tensorboard.md). See
docs/evaluation.md.`,
		Run: runEval,
	})
}

func runEval(ctx context.Context, s *streams, args []string) error {
	fs := s.flags()
	c := evaluate.DefaultEvalConfig()
	var test, train, corrupted stringList
	var runDir, out, corruptions, severities string
	var knn bool
	knnK := 20
	fs.StringVar(&runDir, "run", "", "the training run's `DIR`ectory")
	fs.Var(&test, "data", "test shards: a `GLOB`, shard files or PREFIX.manifest.json")
	fs.Var(&train, "train", "training shards: to train a missing probe on, and kNN's reference")
	fs.StringVar(&corruptions, "corruptions", "", "corruptions to test under: all, or a comma-separated `LIST`")
	fs.StringVar(&severities, "severities", "1-5", "corruption severities: a range A-B or a comma-separated list")
	fs.Var(&corrupted, "corrupted", "pre-corrupted test sets (supcon augment --corruptions): a `GLOB` of manifests, manifests or prefixes")
	fs.BoolVar(&knn, "knn", false, "add kNN classifiers and retrieval figures (needs --train)")
	fs.IntVar(&knnK, "knn-k", knnK, "neighbours of the majority-vote kNN")
	fs.IntVar(&c.Bins, "bins", c.Bins, "equal-width confidence bins of the ECE")
	fs.IntVar(&c.Batch, "batch", c.Batch, "samples the model runs on at once")
	fs.Int64Var(&c.Seed, "seed", c.Seed, "seed of the corruptions' random draws")
	fs.StringVar(&c.Corrupt, "corrupt", c.Corrupt, "damaged records: fail, or skip and count")
	fs.IntVar(&c.MapSamples, "map-samples", c.MapSamples, "test samples drawn on the embedding map")
	fs.IntVar(&c.Linear.Epochs, "linear-epochs", c.Linear.Epochs, "epochs of a probe trained on the fly")
	fs.StringVar(&out, "out", "", "output `DIR`ectory (local or gs://)")
	if err := s.parse(fs, args); err != nil {
		return err
	}
	if len(corrupted) > 0 {
		// An unquoted glob, expanded by the shell: --corrupted a b c.
		corrupted = append(corrupted, fs.Args()...)
	}
	switch {
	case fs.NArg() > 0 && len(corrupted) == 0:
		return usageErrorf("unexpected arguments %q", fs.Args())
	case runDir == "":
		return usageErrorf("no --run")
	case len(test) == 0:
		return usageErrorf("no --data")
	case out == "":
		return usageErrorf("no --out")
	case knn && len(train) == 0:
		return usageErrorf("--knn needs --train")
	case corruptions != "" && len(corrupted) > 0:
		return usageErrorf("--corruptions (on the fly) or --corrupted (pre-corrupted sets), not both")
	}
	c.Test, c.Train, c.Corrupted = test, train, corrupted
	var err error
	if c.Corruptions, err = parseCorruptions(corruptions); err != nil {
		return usageErrorf("--corruptions: %v", err)
	}
	if c.Severities, err = parseSeverities(severities); err != nil {
		return usageErrorf("--severities: %v", err)
	}
	if knn {
		c.KNN = []evaluate.KNNConfig{evaluate.DefaultKNNConfig(), evaluate.MajorityKNNConfig(knnK)}
	}
	rep, err := evaluate.Eval(ctx, runDir, out, c, s.Err)
	if err != nil {
		return err
	}
	if err := rep.WriteText(s.Out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.Out, "wrote %s/{%s,%s,%s,%s,events.out.tfevents.*}\n", strings.TrimRight(out, "/"),
		evaluate.ReportJSON, evaluate.ReportMarkdown, evaluate.ReportHTML, evaluate.PredictionsFile)
	return err
}

// parseCorruptions reads "", "all" or a comma-separated list of names.
func parseCorruptions(s string) ([]string, error) {
	switch s {
	case "":
		return nil, nil
	case "all":
		return augment.Corruptions(), nil
	}
	var names []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}

// parseSeverities reads a range "A-B" or a comma-separated list.
func parseSeverities(s string) ([]int, error) {
	if a, b, ok := strings.Cut(s, "-"); ok {
		lo, err1 := strconv.Atoi(strings.TrimSpace(a))
		hi, err2 := strconv.Atoi(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || lo > hi {
			return nil, fmt.Errorf("%q is not a range A-B", s)
		}
		var out []int
		for v := lo; v <= hi; v++ {
			out = append(out, v)
		}
		return out, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		out = append(out, v)
	}
	return out, nil
}
