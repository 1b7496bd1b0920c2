package table

import (
	"fmt"
	"io"
	"math"
	"strconv"

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
	base, cur := "baseline: "+Title(c.Base), "current:  "+Title(c.Current)
	if c.Several() {
		base += fmt.Sprintf(" (%s, medians)", runs(len(c.Bases)))
		cur += fmt.Sprintf(" (%s, medians)", runs(len(c.Currents)))
	}
	if _, err := fmt.Fprintf(w, line+line+"\n", base, cur); err != nil {
		return err
	}
	header := []string{"metric", "baseline", "current", "change", "limit", "verdict"}
	if c.Several() {
		header = []string{"metric", "baseline", "current", "change", "95% CI", "p", "limit", "verdict"}
	}
	rows := make([][]string, 0, len(c.Deltas))
	for _, d := range c.Deltas {
		rows = append(rows, comparisonRow(d, c.Several()))
	}
	if err := render(w, rend, header, rows); err != nil {
		return err
	}
	result := "no regression"
	if c.Regressed() {
		result = "REGRESSION"
	}
	test := ""
	if c.Several() {
		test = fmt.Sprintf("; Mann-Whitney U test, alpha %g: significant at p < %.3g", c.Alpha, c.Level)
	}
	_, err := fmt.Fprintf(w, "\nlatency floor: %v%s; result: %s\n", c.Floor, test, result)
	return err
}

func runs(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}

// comparisonRow formats one metric; with several runs a side it adds the
// interval of the change and the p-value.
func comparisonRow(d report.Delta, several bool) []string {
	limit := "-"
	if d.HasLimit {
		sign := "+"
		if !d.Latency && d.Kind == report.MetricRate {
			sign = "-"
		}
		limit = fmt.Sprintf("%s%g%%", sign, d.Limit)
	}
	verdict := string(d.Verdict)
	if verdict == "" {
		verdict = "-"
	}
	row := []string{d.Metric, formatMetric(d, d.Base), formatMetric(d, d.Current), formatChange(d.Change)}
	if several {
		row = append(row, formatInterval(d.ChangeLow, d.ChangeHigh), formatP(d.P))
	}
	return append(row, limit, verdict)
}

func formatInterval(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%% .. %+.1f%%", lo, hi)
}

func formatP(p float64) string {
	if math.IsNaN(p) {
		return "n/a"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

func formatMetric(d report.Delta, v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a" // not measured on this side
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
