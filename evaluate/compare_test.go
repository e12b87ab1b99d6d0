package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supcon/supcon/loss"
	"github.com/supcon/supcon/trainer"
	"github.com/supcon/supcon/trainer/run"
)

// fakeRun writes the files of a finished run: config.json, summary.json
// (with a monitor figure when knn ≥ 0), metrics.jsonl, and linear.json when
// valTop1 ≥ 0.
func fakeRun(t *testing.T, dir string, l loss.Kind, tau, lastLoss, knn, valTop1 float64) {
	t.Helper()
	ctx := context.Background()
	rd := run.Dir(dir)
	cfg := trainer.DefaultConfig()
	cfg.Loss, cfg.Temperature, cfg.Epochs = l, tau, 2
	if err := rd.WriteJSON(ctx, run.ConfigFile, run.Record[trainer.Config]{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	sum := trainer.Summary{Steps: 4, Epochs: 2, LastLoss: lastLoss}
	if knn >= 0 {
		sum.Monitor = map[string]float64{"knn_top1": knn}
	}
	if err := rd.WriteJSON(ctx, run.SummaryFile, sum); err != nil {
		t.Fatal(err)
	}
	mw, err := rd.CreateMetrics(ctx, run.MetricsFile)
	if err != nil {
		t.Fatal(err)
	}
	for s := int64(1); s <= 4; s++ {
		if err := mw.Write(run.Metric{Step: s, Loss: lastLoss + float64(4-s)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Write(run.Metric{Step: 4, Epoch: 1, Monitor: map[string]float64{"knn_top1": 0.5}}); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if valTop1 >= 0 {
		if err := rd.WriteJSON(ctx, run.LinearResult, LinearReport{ValImages: 10, ValTop1: valTop1, ValTop5: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeEval writes an eval folder's report.json for the run.
func fakeEval(t *testing.T, dir, runDir string, clean float64, sev []float64) {
	t.Helper()
	rep := Report{Run: runDir, Clean: &Metrics{Top1: clean, ECE: clean / 10}}
	for i, v := range sev {
		rep.BySeverity = append(rep.BySeverity, SeverityScores{Severity: i + 1, Summary: Summary{Top1: v, ECE: v / 10}})
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ReportJSON), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCompare(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	supcon, ce := filepath.Join(tmp, "a", "run"), filepath.Join(tmp, "b", "run")
	fakeRun(t, supcon, loss.SupConOut, 0.1, 4.5, 0.625, 0.75)
	fakeRun(t, ce, loss.CrossEntropy, 0.1, 0.25, -1, -1)
	evS, evC := filepath.Join(tmp, "eval-supcon"), filepath.Join(tmp, "eval-ce")
	fakeEval(t, evS, supcon, 0.8, []float64{0.7, 0.6})
	fakeEval(t, evC, ce, 0.78, []float64{0.6, 0.5, 0.4})

	c, err := Compare(ctx, []string{supcon, ce})
	if err != nil {
		t.Fatal(err)
	}
	titles, tables := c.Tables()
	if strings.Join(titles, ",") != "Runs" {
		t.Fatalf("runs only: tables %v", titles)
	}
	want := [][]string{
		{"run", "supcon-out", "cnn-small", "0.1", "16×8×2", "2", "4", "4.5000", "62.50", "75.00", "100.00"},
		{"run (2)", "ce", "cnn-small", "0.1", "16×8×2", "2", "4", "0.2500", "–", "–", "–"},
	}
	for i, row := range want {
		if got := strings.Join(tables[0][i+1], "|"); got != strings.Join(row, "|") {
			t.Errorf("runs row %d: %s\nwant %s", i, got, strings.Join(row, "|"))
		}
	}
	if len(c.Entries[0].losses) != 4 { // the monitor line is not a loss
		t.Errorf("%d loss points", len(c.Entries[0].losses))
	}

	c, err = Compare(ctx, []string{evS, evC})
	if err != nil {
		t.Fatal(err)
	}
	titles, tables = c.Tables()
	if strings.Join(titles, ",") != "Runs,Top-1 (%),ECE (%)" {
		t.Fatalf("evals: tables %v", titles)
	}
	top1 := tables[1]
	for i, row := range [][]string{{"", "Test", "1", "2", "3"},
		{"eval-supcon (supcon-out)", "80.00", "70.00", "60.00", "–"},
		{"eval-ce (ce)", "78.00", "60.00", "50.00", "40.00"}} {
		if got := strings.Join(top1[i], "|"); got != strings.Join(row, "|") {
			t.Errorf("top-1 row %d: %s, want %s", i, got, strings.Join(row, "|"))
		}
	}
	if got := strings.Join(tables[2][2], "|"); got != "eval-ce (ce)|7.80|6.00|5.00|4.00" {
		t.Errorf("ECE row: %s", got)
	}

	out := filepath.Join(tmp, "cmp")
	if err := WriteComparison(ctx, out, c); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{CompareJSON, CompareMarkdown, CompareHTML, ComparePlot} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	png, _ := os.ReadFile(filepath.Join(out, ComparePlot))
	page, _ := os.ReadFile(filepath.Join(out, CompareHTML))
	md, _ := os.ReadFile(filepath.Join(out, CompareMarkdown))
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || !bytes.Contains(page, []byte("data:image/png;base64,")) ||
		!bytes.Contains(page, []byte("<td>78.00</td>")) || !bytes.Contains(md, []byte("| eval-ce (ce) | 78.00 | 60.00 | 50.00 | 40.00 |")) {
		t.Errorf("outputs:\n%s", md)
	}

	if _, err := Compare(ctx, []string{tmp}); err == nil || !strings.Contains(err.Error(), "neither a training run") {
		t.Errorf("a folder that is neither: %v", err)
	}
}
