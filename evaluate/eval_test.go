package evaluate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/shards"
	"github.com/supcon/supcon/shards/shardstest"
	"github.com/supcon/supcon/trainer"
)

// Eval on tiny runs of both kinds: report.json's figures are recomputed
// from predictions.jsonl and agree; every condition has a line per test
// image; report.md and report.html hold the summary table.
func TestEvalReportsAgreeWithPredictions(t *testing.T) {
	tmp := t.TempDir()
	data := shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 48, 4, 8, 2, 4)
	test := shardstest.WriteSquares(t, filepath.Join(tmp, "test"), 24, 4, 8, 1, 5)
	for _, kind := range []loss.Kind{loss.SupConOut, loss.CrossEntropy} {
		t.Run(kind.String(), func(t *testing.T) {
			dir := filepath.Join(tmp, "run-"+kind.String())
			cfg := toyConfig(data)
			cfg.Model, cfg.Epochs, cfg.Loss = "mlp", 1, kind
			if _, err := trainer.Train(context.Background(), dir, cfg, nil); err != nil {
				t.Fatal(err)
			}
			ec := DefaultEvalConfig()
			ec.Test, ec.Batch = []string{test}, 16
			if kind != loss.CrossEntropy {
				// No probe yet, no Train to make one on.
				if _, err := Eval(context.Background(), dir, filepath.Join(tmp, "none"), ec, nil); err == nil || !strings.Contains(err.Error(), "no linear probe") {
					t.Fatalf("a SupCon run without probe or Train: %v", err)
				}
			}
			ec.Train = []string{data}
			ec.Corruptions, ec.Severities = []string{"brightness", "gaussian_noise"}, []int{1, 5}
			ec.KNN = []KNNConfig{DefaultKNNConfig(), MajorityKNNConfig(3)}
			ec.Linear.Epochs, ec.Linear.Batch = 2, 16
			out := filepath.Join(tmp, "eval-"+kind.String())
			rep, err := Eval(context.Background(), dir, out, ec, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantScorer := "linear probe"
			if kind == loss.CrossEntropy {
				wantScorer = "classifier head"
			}
			if !strings.HasPrefix(rep.Scorer, wantScorer) {
				t.Fatalf("scored through %q, want %q", rep.Scorer, wantScorer)
			}
			var saved Report
			b, err := os.ReadFile(filepath.Join(out, ReportJSON))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &saved); err != nil {
				t.Fatal(err)
			}
			checkAgainstPredictions(t, filepath.Join(out, PredictionsFile), &saved, 24, 1+2*2)
			checkEvalEvents(t, out, &saved)
			if noisy := saved.Corrupted[1].Severities[1]; noisy.NLL == saved.Clean.NLL {
				t.Fatalf("gaussian noise at severity 5 changed nothing: %+v", noisy)
			}
			// Same run, data and seed: the same predictions, byte for byte.
			again := filepath.Join(tmp, "again-"+kind.String())
			if _, err := Eval(context.Background(), dir, again, ec, nil); err != nil {
				t.Fatal(err)
			}
			b1, err1 := os.ReadFile(filepath.Join(out, PredictionsFile))
			b2, err2 := os.ReadFile(filepath.Join(again, PredictionsFile))
			if err1 != nil || err2 != nil || !bytes.Equal(b1, b2) {
				t.Fatalf("two evaluations differ (%v, %v)", err1, err2)
			}
			if len(saved.KNN) != 2 || saved.Retrieval == nil || saved.Retrieval.Queries != 24 {
				t.Fatalf("kNN %+v retrieval %+v", saved.KNN, saved.Retrieval)
			}
			for _, name := range []string{ReportMarkdown, ReportHTML} {
				b, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				row := "top-1 (%) | " + pct(saved.Clean.Top1) + " | " + pct(saved.BySeverity[0].Top1)
				if name == ReportHTML {
					row = "<td>top-1 (%)</td><td>" + pct(saved.Clean.Top1) + "</td><td>" + pct(saved.BySeverity[0].Top1)
					if !strings.Contains(string(b), `src="data:image/png;base64,`) {
						t.Fatalf("%s embeds no image", name)
					}
				}
				if !strings.Contains(string(b), row) {
					t.Fatalf("%s lacks the summary row %q", name, row)
				}
			}
		})
	}
}

// checkAgainstPredictions recomputes top-1, top-5, NLL and ECE of every
// condition from the prediction lines, with its own arithmetic, and
// compares them with the report.
func checkAgainstPredictions(t *testing.T, path string, rep *Report, images, conditions int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type acc struct {
		n, top1, top5 int
		nll           float64
		binN, binHit  []int
		binConf       []float64
	}
	byCond := map[string]*acc{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p Prediction
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		key := p.Corruption + "/" + string(rune('0'+p.Severity))
		a := byCond[key]
		if a == nil {
			a = &acc{binN: make([]int, rep.Bins), binHit: make([]int, rep.Bins), binConf: make([]float64, rep.Bins)}
			byCond[key] = a
			order = append(order, key)
		}
		a.n++
		hit := p.Top[0].Class == p.Label
		for i, c := range p.Top {
			if c.Class == p.Label && i < 5 {
				a.top5++
			}
		}
		if hit {
			a.top1++
		}
		a.nll += -math.Log(math.Max(p.PLabel, 1e-12))
		conf := p.Top[0].P
		b := 0
		for b < rep.Bins-1 && conf > float64(b+1)/float64(rep.Bins) {
			b++
		}
		a.binN[b]++
		a.binConf[b] += conf
		if hit {
			a.binHit[b]++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(order) != conditions {
		t.Fatalf("%d conditions in the predictions, want %d: %v", len(order), conditions, order)
	}
	want := map[string]Summary{"/0": rep.Clean.Summary()}
	for _, c := range rep.Corrupted {
		for _, s := range c.Severities {
			want[c.Name+"/"+string(rune('0'+s.Severity))] = s.Summary
		}
	}
	const eps = 1e-9
	for key, a := range byCond {
		w, ok := want[key]
		if !ok {
			t.Fatalf("condition %s in the predictions, not in the report", key)
		}
		n := float64(a.n)
		ece := 0.0
		for b := range a.binN {
			if a.binN[b] > 0 {
				ece += float64(a.binN[b]) / n * math.Abs(float64(a.binHit[b])/float64(a.binN[b])-a.binConf[b]/float64(a.binN[b]))
			}
		}
		got := Summary{Samples: a.n, Top1: float64(a.top1) / n, Top5: float64(a.top5) / n, NLL: a.nll / n, ECE: ece}
		if got.Samples != images || got.Samples != w.Samples || math.Abs(got.Top1-w.Top1) > eps || math.Abs(got.Top5-w.Top5) > eps ||
			math.Abs(got.NLL-w.NLL) > eps || math.Abs(got.ECE-w.ECE) > eps {
			t.Fatalf("%s: recomputed %+v, the report says %+v", key, got, w)
		}
	}
}

// Damage passed over under Corrupt "skip" is counted once in the report,
// however many conditions read the damaged shard.
func TestEvalCountsSkippedDamageOnce(t *testing.T) {
	tmp := t.TempDir()
	data := shardstest.WriteSquares(t, filepath.Join(tmp, "train"), 32, 4, 8, 2, 4)
	test := shardstest.WriteSquares(t, filepath.Join(tmp, "test"), 40, 4, 8, 1, 5)
	dir := filepath.Join(tmp, "run")
	cfg := toyConfig(data)
	cfg.Model, cfg.Epochs, cfg.Loss = "mlp", 1, loss.CrossEntropy
	if _, err := trainer.Train(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	shard := shards.ShardPath(filepath.Join(filepath.Dir(test), "toy"), 1, 4, shards.None)
	b, err := os.ReadFile(shard)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(shard, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ec := DefaultEvalConfig()
	ec.Test, ec.Batch, ec.Corruptions, ec.Severities = []string{test}, 16, []string{"contrast"}, []int{1, 2}
	if _, err := Eval(context.Background(), dir, filepath.Join(tmp, "fail"), ec, nil); err == nil {
		t.Fatal("a damaged shard passed under Corrupt fail")
	}
	ec.Corrupt = "skip"
	rep, err := Eval(context.Background(), dir, filepath.Join(tmp, "skip"), ec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped == nil || rep.Skipped.CorruptShards != 1 || rep.TestImages >= 40 {
		t.Fatalf("skipped %+v over %d test images; want 1 corrupt shard, fewer than 40 images", rep.Skipped, rep.TestImages)
	}
	var md strings.Builder
	if err := rep.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "Skipped: 1 corrupt shards") {
		t.Fatalf("report.md does not say what was skipped (%v):\n%s", err, md.String())
	}
}
