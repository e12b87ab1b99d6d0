package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/supcon/supcon/internal/storage"
	"github.com/supcon/supcon/trainer"
)

// Summary is the headline figures of one test condition.
type Summary struct {
	Samples int     `json:"samples"`
	Top1    float64 `json:"top1"`
	Top5    float64 `json:"top5"`
	NLL     float64 `json:"nll"`
	ECE     float64 `json:"ece"`
}

// Summary returns the metrics' headline figures.
func (m *Metrics) Summary() Summary {
	return Summary{Samples: m.Samples, Top1: m.Top1, Top5: m.Top5, NLL: m.NLL, ECE: m.ECE}
}

// SeverityScores are the figures at one severity.
type SeverityScores struct {
	Severity int `json:"severity"`
	Summary
}

// CorruptionScores are one corruption's figures at each severity, and
// their mean over the severities.
type CorruptionScores struct {
	Name       string           `json:"name"`
	Severities []SeverityScores `json:"severities"`
	Mean       Summary          `json:"mean"`
}

// KNNScore is a kNN classifier's accuracy on the clean test data.
type KNNScore struct {
	Config KNNConfig `json:"config"`
	Top1   float64   `json:"top1"`
	Top5   float64   `json:"top5"`
}

// Report is what Eval measured; it is report.json.
type Report struct {
	Run        string     `json:"run"`
	Checkpoint string     `json:"checkpoint"`
	Scorer     string     `json:"scorer"`
	Encoder    string     `json:"encoder"`
	Classes    int        `json:"classes"`
	Names      []string   `json:"names,omitempty"`
	Config     EvalConfig `json:"config"`
	Bins       int        `json:"bins"`
	TestImages int        `json:"test_images"`
	// Clean is every metric on the clean test data.
	Clean *Metrics `json:"clean"`
	// Corrupted has each corruption's figures; BySeverity their mean over
	// the corruptions at each severity (the paper's columns 1..5).
	Corrupted  []CorruptionScores `json:"corrupted,omitempty"`
	BySeverity []SeverityScores   `json:"by_severity,omitempty"`
	KNN        []KNNScore         `json:"knn,omitempty"`
	Retrieval  *RetrievalResult   `json:"retrieval,omitempty"`
	// Skipped is the damaged input passed over (Corrupt "skip").
	Skipped *trainer.Skipped `json:"skipped,omitempty"`
	// Evaluated counts the images scored over all conditions; Seconds is
	// the whole evaluation's wall time.
	Evaluated       int64   `json:"evaluated"`
	Seconds         float64 `json:"seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
}

// meanSummary averages summaries (samples add up).
func meanSummary(ss []SeverityScores) Summary {
	var m Summary
	for _, s := range ss {
		m.Samples += s.Samples
		m.Top1 += s.Top1
		m.Top5 += s.Top5
		m.NLL += s.NLL
		m.ECE += s.ECE
	}
	if n := float64(len(ss)); n > 0 {
		m.Top1, m.Top5, m.NLL, m.ECE = m.Top1/n, m.Top5/n, m.NLL/n, m.ECE/n
	}
	return m
}

// bySeverity averages the corruptions' figures at each severity.
func bySeverity(cs []CorruptionScores, severities []int) []SeverityScores {
	if len(cs) == 0 {
		return nil
	}
	var out []SeverityScores
	for i, sev := range severities {
		var at []SeverityScores
		for _, c := range cs {
			at = append(at, c.Severities[i])
		}
		out = append(out, SeverityScores{Severity: sev, Summary: meanSummary(at)})
	}
	return out
}

// writeReports writes report.json, report.md and report.html into dir
// (local or gs://), each whole or not at all.
func writeReports(ctx context.Context, dir string, rep *Report, embedding []MapPoint) error {
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := storage.WriteFile(ctx, storage.Join(dir, ReportJSON), append(js, '\n')); err != nil {
		return err
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		return err
	}
	if err := storage.WriteFile(ctx, storage.Join(dir, ReportMarkdown), md.Bytes()); err != nil {
		return err
	}
	var page bytes.Buffer
	if err := writeHTML(&page, rep, embedding); err != nil {
		return fmt.Errorf("%s: %w", storage.Join(dir, ReportHTML), err)
	}
	return storage.WriteFile(ctx, storage.Join(dir, ReportHTML), page.Bytes())
}

func pct(v float64) string { return fmt.Sprintf("%.2f", 100*v) }

// SummaryTable returns the paper's layout as rows of cells: a header
// (Test, then the severities) and the rows top-1 and ECE, in percent.
// Without corruptions it has the Test column alone.
func (r *Report) SummaryTable() [][]string {
	head := []string{"", "Test"}
	top1 := []string{"top-1 (%)", pct(r.Clean.Top1)}
	ece := []string{"ECE (%)", pct(r.Clean.ECE)}
	for _, s := range r.BySeverity {
		head = append(head, fmt.Sprint(s.Severity))
		top1 = append(top1, pct(s.Top1))
		ece = append(ece, pct(s.ECE))
	}
	return [][]string{head, top1, ece}
}

// WriteText writes the summary `supcon eval` prints.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s, %d classes: %d test images\n", r.Scorer, r.Encoder, r.Classes, r.TestImages)
	for _, row := range r.SummaryTable() {
		fmt.Fprintf(&b, "%-10s", row[0])
		for _, c := range row[1:] {
			fmt.Fprintf(&b, " %7s", c)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "clean: top-5 %s%%  NLL %.4f\n", pct(r.Clean.Top5), r.Clean.NLL)
	for _, k := range r.KNN {
		fmt.Fprintf(&b, "%v: top-1 %s%%  top-5 %s%%\n", k.Config, pct(k.Top1), pct(k.Top5))
	}
	if q := r.Retrieval; q != nil {
		fmt.Fprintf(&b, "retrieval: precision@1 %s%%  R-precision %s%%  MAP@R %s%%\n", pct(q.PrecisionAt1), pct(q.RPrecision), pct(q.MAPAtR))
	}
	if k := r.Skipped; k != nil {
		fmt.Fprintf(&b, "skipped: %d corrupt shards (the rest of each), %d bad records; last: %s\n", k.CorruptShards, k.BadRecords, k.Last)
	}
	fmt.Fprintf(&b, "%d images scored in %.1f s (%.0f images/s)\n", r.Evaluated, r.Seconds, r.ImagesPerSecond)
	_, err := io.WriteString(w, b.String())
	return err
}

// mdTable writes rows as a Markdown table, the first row the header.
func mdTable(b *strings.Builder, rows [][]string) {
	for i, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		if i == 0 {
			b.WriteString(strings.Repeat("|---", len(row)) + "|\n")
		}
	}
	b.WriteByte('\n')
}

// WriteMarkdown writes report.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Evaluation of %s\n\n", r.Run)
	fmt.Fprintf(&b, "Scored through the %s of %s (%s encoder, %d classes) on %d test images.\n\n",
		r.Scorer, r.Checkpoint, r.Encoder, r.Classes, r.TestImages)
	b.WriteString("## Summary\n\nClean test data (Test), and the mean over the corruptions at each severity.\n\n")
	mdTable(&b, r.SummaryTable())
	c := r.Clean
	fmt.Fprintf(&b, "Clean: top-1 %s%%, top-5 %s%%, NLL %.4f, ECE %s%% (%d bins).\n\n", pct(c.Top1), pct(c.Top5), c.NLL, pct(c.ECE), r.Bins)
	if len(r.Corrupted) > 0 {
		b.WriteString("## Corruptions\n\nTop-1 / ECE (%) at each severity, and their mean.\n\n")
		head := []string{"corruption"}
		for _, s := range r.Config.Severities {
			head = append(head, fmt.Sprint(s))
		}
		rows := [][]string{append(head, "mean")}
		for _, cs := range r.Corrupted {
			row := []string{cs.Name}
			for _, s := range cs.Severities {
				row = append(row, pct(s.Top1)+" / "+pct(s.ECE))
			}
			rows = append(rows, append(row, pct(cs.Mean.Top1)+" / "+pct(cs.Mean.ECE)))
		}
		mdTable(&b, rows)
	}
	if len(r.KNN) > 0 || r.Retrieval != nil {
		b.WriteString("## kNN and retrieval\n\nOn the encoder's L2-normalised features, the training data as the reference.\n\n")
		rows := [][]string{{"classifier", "top-1 (%)", "top-5 (%)"}}
		for _, k := range r.KNN {
			rows = append(rows, []string{k.Config.String(), pct(k.Top1), pct(k.Top5)})
		}
		mdTable(&b, rows)
		if q := r.Retrieval; q != nil {
			mdTable(&b, [][]string{{"precision@1 (%)", "R-precision (%)", "MAP@R (%)", "queries"},
				{pct(q.PrecisionAt1), pct(q.RPrecision), pct(q.MAPAtR), fmt.Sprint(q.Queries)}})
		}
	}
	b.WriteString("## Per class (clean)\n\n")
	rows := [][]string{{"class", "name", "images", "top-1 (%)"}}
	for _, pc := range c.PerClass {
		rows = append(rows, []string{fmt.Sprint(pc.Class), pc.Name, fmt.Sprint(pc.Count), pct(pc.Accuracy)})
	}
	mdTable(&b, rows)
	b.WriteString("## Reliability (clean)\n\n")
	rows = [][]string{{"confidence bin", "images", "mean confidence", "accuracy"}}
	for _, bin := range c.Reliability {
		rows = append(rows, []string{fmt.Sprintf("(%.3f, %.3f]", bin.Lo, bin.Hi), fmt.Sprint(bin.Count),
			fmt.Sprintf("%.4f", bin.Confidence), fmt.Sprintf("%.4f", bin.Accuracy)})
	}
	mdTable(&b, rows)
	if k := r.Skipped; k != nil {
		fmt.Fprintf(&b, "Skipped: %d corrupt shards (the rest of each), %d bad records; last: %s.\n\n", k.CorruptShards, k.BadRecords, k.Last)
	}
	fmt.Fprintf(&b, "%d images scored in %.1f s (%.0f images/s).\n", r.Evaluated, r.Seconds, r.ImagesPerSecond)
	_, err := io.WriteString(w, b.String())
	return err
}
