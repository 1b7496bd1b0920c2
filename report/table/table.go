// Package table prints results of package report as tables: ASCII for
// terminals and Markdown for CI job summaries. It is apart from report so
// that the load drivers, which import report, do not import a table
// renderer.
package table

import (
	"fmt"
	"io"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/gigadex/gigadex/report"
)

// latencyRow is one row of the RTT table: a label with its unit and the
// figure it shows, in nanoseconds.
type latencyRow struct {
	label string
	ns    func(h *hdrhistogram.Histogram) float64
}

func quantileNs(q float64) func(h *hdrhistogram.Histogram) float64 {
	return func(h *hdrhistogram.Histogram) float64 { return float64(h.ValueAtQuantile(q)) }
}

var latencyRows = []latencyRow{
	{"rtt p50 (µs)", quantileNs(50)},
	{"rtt p90 (µs)", quantileNs(90)},
	{"rtt p99 (µs)", quantileNs(99)},
	{"rtt p99.9 (µs)", quantileNs(99.9)},
	{"rtt p99.99 (µs)", quantileNs(99.99)},
	{"rtt max (µs)", func(h *hdrhistogram.Histogram) float64 { return float64(h.Max()) }},
	{"rtt mean (µs)", (*hdrhistogram.Histogram).Mean},
	{"rtt stddev (µs)", (*hdrhistogram.Histogram).StdDev},
}

// Write writes r to w as plain ASCII tables for a terminal: a title
// line, the RTT percentiles in microseconds (corrected and uncorrected side
// by side in rate-limited mode), the counters and rates with their units,
// and a line describing the environment.
func Write(w io.Writer, r *report.Run) error {
	return writeTables(w, r, ascii())
}

// WriteMarkdown writes the tables of [Write] as Markdown, for CI job
// summaries.
func WriteMarkdown(w io.Writer, r *report.Run) error {
	return writeTables(w, r, renderer.NewMarkdown())
}

func ascii() tw.Renderer {
	return renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})
}

func writeTables(w io.Writer, r *report.Run, rend tw.Renderer) error {
	if _, err := fmt.Fprintf(w, "%s\n\n", Title(r)); err != nil {
		return err
	}
	if err := render(w, rend, latencyHeader(r), latencyTable(r)); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	if err := render(w, rend, []string{"metric", "value"}, summaryTable(r)); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", footer(r))
	return err
}

func render(w io.Writer, rend tw.Renderer, header []string, rows [][]string) error {
	align := make([]tw.Align, len(header))
	align[0] = tw.AlignLeft
	for i := 1; i < len(align); i++ {
		align[i] = tw.AlignRight
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(rend),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}

// Title describes r in one line: command, address, connections, mode, and
// whether it was merged or interrupted, such as
// "ping 127.0.0.1:7000: 2 connections, closed loop".
func Title(r *report.Run) string {
	mode := "closed loop"
	if r.TargetRate > 0 {
		mode = fmt.Sprintf("target %s", rate(r.TargetRate, "msgs/s"))
	}
	parts := []string{mode}
	switch r.Connections {
	case 0:
	case 1:
		parts = []string{"1 connection", mode}
	default:
		parts = []string{fmt.Sprintf("%d connections", r.Connections), mode}
	}
	if r.Merged != nil {
		parts = append(parts, fmt.Sprintf("merged from %d results", r.Merged.Inputs))
	}
	s := strings.TrimSpace(r.Command+" "+r.Addr) + ": " + strings.Join(parts, ", ")
	if r.Interrupted {
		s += " (interrupted)"
	}
	return s
}

func latencyHeader(r *report.Run) []string {
	if r.Uncorrected != nil {
		return []string{"metric", "corrected", "uncorrected"}
	}
	return []string{"metric", "value"}
}

func latencyTable(r *report.Run) [][]string {
	rows := make([][]string, 0, len(latencyRows))
	for _, lr := range latencyRows {
		row := []string{lr.label, usOf(r.RTT, lr.ns)}
		if r.Uncorrected != nil {
			row = append(row, usOf(r.Uncorrected, lr.ns))
		}
		rows = append(rows, row)
	}
	return rows
}

// usOf formats f(h) nanoseconds as microseconds with 3 decimals; an empty
// histogram shows as "-".
func usOf(h *hdrhistogram.Histogram, f func(*hdrhistogram.Histogram) float64) string {
	if h == nil || h.TotalCount() == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", f(h)/1e3)
}

func summaryTable(r *report.Run) [][]string {
	rows := [][]string{
		{"throughput", rate(r.MsgsPerSec(), "msgs/s")},
		{"bandwidth received", rate(r.BytesPerSec(), "B/s")},
		{"sent", fmt.Sprintf("%d msgs, %d B", r.Sent, r.BytesSent)},
		{"received", fmt.Sprintf("%d msgs, %d B", r.Received, r.BytesReceived)},
		{"errors", fmt.Sprintf("%d errors", r.Errors)},
		{"measured window", fmt.Sprintf("%.3f s", r.Elapsed.Seconds())},
		{"warmup", fmt.Sprintf("%.3f s, %d msgs sent, %d msgs received", r.WarmupElapsed.Seconds(), r.WarmupSent, r.WarmupReceived)},
	}
	if r.TargetRate > 0 {
		rows = append(rows, []string{"rate target / achieved",
			fmt.Sprintf("%s / %s", rate(r.TargetRate, "msgs/s"), rate(r.AchievedRate(), "msgs/s"))})
	} else {
		rows = append(rows, []string{"rate achieved (closed loop)", rate(r.AchievedRate(), "msgs/s")})
	}
	if s, ok := r.Spread(); ok {
		rows = append(rows,
			[]string{"per-connection throughput", fmt.Sprintf("%s .. %s", rate(s.MinMsgsPerSec, ""), rate(s.MaxMsgsPerSec, "msgs/s"))},
			[]string{"per-connection rtt p99", fmt.Sprintf("%.3f .. %.3f µs", float64(s.MinP99)/1e3, float64(s.MaxP99)/1e3)},
		)
	}
	return rows
}

// rate formats a per-second figure with one decimal, followed by unit if
// it is not empty.
func rate(v float64, unit string) string {
	if unit == "" {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

func footer(r *report.Run) string {
	s := "env: " + r.Env.String()
	for _, e := range r.ErrorSamples {
		s += "\nerror: " + e
	}
	return s
}
