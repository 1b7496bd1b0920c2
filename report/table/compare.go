package table

import (
	"fmt"
	"io"
	"math"

	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/gigadex/gigadex/report"
)

// WriteComparison writes c as an ASCII table with the columns metric,
// baseline, current, change, limit and verdict, followed by a summary line.
// Latencies are in the unit that fits each, and throughput per second with
// SI prefixes.
func WriteComparison(w io.Writer, c report.Comparison) error {
	return writeComparison(w, c, ascii(), "%s\n")
}

// WriteComparisonMarkdown writes the table of [WriteComparison] as
// Markdown, for CI job summaries; the baseline and current lines become a
// list.
func WriteComparisonMarkdown(w io.Writer, c report.Comparison) error {
	return writeComparison(w, c, renderer.NewMarkdown(), "- %s\n")
}

// writeComparison writes c with rend, putting each line before the table
// through the format line.
func writeComparison(w io.Writer, c report.Comparison, rend tw.Renderer, line string) error {
	if _, err := fmt.Fprintf(w, line+line+"\n", "baseline: "+Title(c.Base), "current:  "+Title(c.Current)); err != nil {
		return err
	}
	rows := make([][]string, 0, len(c.Deltas))
	for _, d := range c.Deltas {
		limit := "-"
		if d.HasLimit {
			sign := "+"
			if !d.Latency {
				sign = "-"
			}
			limit = fmt.Sprintf("%s%g%%", sign, d.Limit)
		}
		verdict := string(d.Verdict)
		if verdict == "" {
			verdict = "-"
		}
		rows = append(rows, []string{d.Metric, formatMetric(d, d.Base), formatMetric(d, d.Current),
			formatChange(d.Change), limit, verdict})
	}
	header := []string{"metric", "baseline", "current", "change", "limit", "verdict"}
	if err := render(w, rend, header, rows); err != nil {
		return err
	}
	result := "no regression"
	if c.Regressed() {
		result = "REGRESSION"
	}
	_, err := fmt.Fprintf(w, "\nlatency floor: %v; result: %s\n", c.Floor, result)
	return err
}

func formatMetric(d report.Delta, v float64) string {
	switch {
	case d.Latency:
		return latencyWithUnit(v)
	case d.Unit == "B/s":
		return byteRate(v)
	case d.Kind == report.MetricRatio:
		return sig(v*100) + "%"
	}
	return si(v, " ", d.Unit)
}

func formatChange(pct float64) string {
	if math.IsNaN(pct) {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", pct)
}
