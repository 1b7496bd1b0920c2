// Package table prints results of package report as tables: ASCII for
// terminals and Markdown for CI job summaries. It is apart from report so
// that the load drivers, which import report, do not import a table
// renderer.
package table

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/gigadex/gigadex/report"
)

// latencyRow is one row of the RTT table: a label and the figure it
// shows, in nanoseconds.
type latencyRow struct {
	label string
	ns    func(h *hdrhistogram.Histogram) float64
}

func quantileNs(q float64) func(h *hdrhistogram.Histogram) float64 {
	return func(h *hdrhistogram.Histogram) float64 { return float64(h.ValueAtQuantile(q)) }
}

var latencyRows = []latencyRow{
	{"p50", quantileNs(50)},
	{"p90", quantileNs(90)},
	{"p99", quantileNs(99)},
	{"p99.9", quantileNs(99.9)},
	{"p99.99", quantileNs(99.99)},
	{"max", func(h *hdrhistogram.Histogram) float64 { return float64(h.Max()) }},
	{"mean", (*hdrhistogram.Histogram).Mean},
	{"stddev", (*hdrhistogram.Histogram).StdDev},
}

// Write writes r to w as plain ASCII tables for a terminal: a title
// line, the RTT percentiles (corrected and uncorrected side by side in
// rate-limited mode), each in the unit that fits it, the counters and rates with SI prefixes and 4 significant digits
// ("11.10 M msgs/s", "577.1 MB/s"), and a line describing the environment.
// The JSON result keeps the exact numbers.
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
	if r.Fill != nil {
		if err := render(w, rend, []string{"order to fill", "value"}, fillTable(r.Fill)); err != nil {
			return err
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	if err := render(w, rend, []string{"metric", "value"}, summaryTable(r)); err != nil {
		return err
	}
	if f := footer(r); f != "" {
		_, err := fmt.Fprintf(w, "\n%s\n", f)
		return err
	}
	return nil
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
		mode = fmt.Sprintf("target %s", MsgRate(r.TargetRate))
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
	if r.Stream != "" {
		parts = append(parts, "message type "+r.Stream+" only")
	}
	s := Printable(strings.TrimSpace(r.Command+" "+r.Addr)) + ": " + strings.Join(parts, ", ")
	if r.Interrupted {
		s += " (interrupted)"
	}
	return s
}

func latencyHeader(r *report.Run) []string {
	first := "rtt"
	if r.Uncorrected != nil {
		return []string{first, "corrected", "uncorrected"}
	}
	return []string{first, "value"}
}

func latencyTable(r *report.Run) [][]string {
	rows := make([][]string, 0, len(latencyRows))
	for _, lr := range latencyRows {
		row := []string{lr.label, latencyOf(r.RTT, lr.ns)}
		if r.Uncorrected != nil {
			row = append(row, latencyOf(r.Uncorrected, lr.ns))
		}
		rows = append(rows, row)
	}
	return rows
}

// fillTable is the order-to-fill latency table: the RTT table's rows and
// the number of fills.
func fillTable(h *hdrhistogram.Histogram) [][]string {
	rows := make([][]string, 0, len(latencyRows)+1)
	for _, lr := range latencyRows {
		rows = append(rows, []string{lr.label, latencyOf(h, lr.ns)})
	}
	return append(rows, []string{"fills", strconv.FormatInt(h.TotalCount(), 10)})
}

// unsolicitedOf lists the unsolicited messages by tag, most frequent
// first: "120 trade, 40 heartbeat".
func unsolicitedOf(m map[string]int64) string {
	tags := make([]string, 0, len(m))
	for t := range m {
		tags = append(tags, t)
	}
	slices.SortFunc(tags, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = fmt.Sprintf("%d %s", m[t], Printable(t))
	}
	return strings.Join(parts, ", ")
}

// latencyOf formats f(h) nanoseconds in the unit that fits that value
// ("41.20 µs", "3.250 ms"), so that a long tail reads as milliseconds
// rather than as 5-digit microseconds; an empty histogram shows as "-".
func latencyOf(h *hdrhistogram.Histogram, f func(*hdrhistogram.Histogram) float64) string {
	if h == nil || h.TotalCount() == 0 {
		return "-"
	}
	return latencyWithUnit(f(h))
}

func summaryTable(r *report.Run) [][]string {
	if r.FromHistograms {
		return histogramsSummary(r)
	}
	rows := [][]string{
		{"throughput", MsgRate(r.MsgsPerSec())},
		{"bandwidth received", byteRate(r.BytesPerSec())},
		{"sent", fmt.Sprintf("%s, %s", msgs(r.Sent), bytesOf(r.BytesSent))},
		{"received", fmt.Sprintf("%s, %s", msgs(r.Received), bytesOf(r.BytesReceived))},
		{"errors", strconv.FormatInt(r.Errors, 10)},
	}
	if len(r.Unsolicited) > 0 {
		rows = append(rows, []string{"unsolicited", unsolicitedOf(r.Unsolicited)})
	}
	if g := r.HeartbeatGap; g != nil {
		rows = append(rows, []string{"peer heartbeat gaps", fmt.Sprintf("%d, p50 %s, p99 %s, max %s",
			g.Count, latencyWithUnit(float64(g.P50)), latencyWithUnit(float64(g.P99)), latencyWithUnit(float64(g.Max)))})
	}
	rows = append(rows, [][]string{
		{"measured window", fmt.Sprintf("%.3f s", r.Elapsed.Seconds())},
		{"warmup", fmt.Sprintf("%.3f s, %s sent, %s received", r.WarmupElapsed.Seconds(), msgs(r.WarmupSent), msgs(r.WarmupReceived))},
	}...)
	// In closed loop the rate achieved is the throughput: no row of its own.
	if r.TargetRate > 0 {
		rows = append(rows, []string{"send rate target / achieved",
			fmt.Sprintf("%s / %s", MsgRate(r.TargetRate), MsgRate(r.AchievedRate()))})
	}
	if s, ok := r.Spread(); ok && len(r.PerConn) > 1 {
		rows = append(rows,
			[]string{"per-connection throughput", fmt.Sprintf("%s .. %s", MsgRate(s.MinMsgsPerSec), MsgRate(s.MaxMsgsPerSec))},
			[]string{"per-connection rtt p99", fmt.Sprintf("%s .. %s", latencyWithUnit(float64(s.MinP99)), latencyWithUnit(float64(s.MaxP99)))},
		)
	}
	return rows
}

// histogramsSummary is the summary of a run rebuilt from per-second
// histograms: it knows how many RTTs each second recorded and when, not
// what was sent, the bytes, errors or warmup, which show as "-" (not as 0).
func histogramsSummary(r *report.Run) [][]string {
	return [][]string{
		{"rtt values per second", MsgRate(r.MsgsPerSec())},
		{"rtt values", msgs(r.Received)},
		{"sent, bytes, errors", "- (not in per-second histograms)"},
		{"measured window", fmt.Sprintf("%.3f s", r.Elapsed.Seconds())},
	}
}

// settingsLine lists the settings of r that it was run with, sorted by
// name ("settings: mix ping, reply echo"), then its tags; "" when it has
// none.
func settingsLine(r *report.Run) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(r.Config)) {
		parts = append(parts, fmt.Sprintf("%s %v", k, r.Config[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
		parts = append(parts, k+"="+r.Tags[k])
	}
	if len(parts) == 0 {
		return ""
	}
	return "settings: " + strings.Join(parts, ", ")
}

func footer(r *report.Run) string {
	var lines []string
	if r.FromHistograms {
		if s := settingsLine(r); s != "" {
			lines = append(lines, Printable(s))
		}
	}
	if r.Env != (report.Env{}) { // a run read from an interval log has none
		lines = append(lines, "env: "+Printable(r.Env.String()))
	}
	if r.Generator != nil {
		lines = append(lines, "generator: "+Printable(r.Generator.String()))
	}
	for _, e := range r.ErrorSamples {
		lines = append(lines, "error: "+Printable(e))
	}
	return strings.Join(lines, "\n")
}

// Printable returns s with its control characters (C0, C1, DEL),
// bidirectional overrides and bytes that are not UTF-8 escaped as \xNN or
// \uNNNN, so that text read
// from a result file (a command, an address, an error sample) cannot move
// the cursor, recolour or rewrite the terminal it is printed on.
func Printable(s string) string {
	if strings.IndexFunc(s, unprintable) < 0 {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1: // not UTF-8: the byte
			fmt.Fprintf(&b, "\\x%02x", s[0])
		case !unprintable(r):
			b.WriteString(s[:n])
		case r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
		s = s[n:]
	}
	return b.String()
}

func unprintable(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError
}
