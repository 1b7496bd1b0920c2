package html

import (
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/gigadex/gigadex/report"
)

// view is what the template renders. Every figure is a cell that carries
// its raw value.
type view struct {
	Title             string
	Summary           []row
	Runs              []runView
	Capacity          []capacityView
	Data              template.JS
	UPlotJS, PageJS   template.JS
	UPlotCSS, PageCSS template.CSS
	UPlotLicense      string
}

type row struct {
	Label string
	Cells []cell
}

// cell is one figure: Text shows it, Value is the raw number.
type cell struct {
	Attr   string // "run" or "capacity": whose figure it is
	Index  int    // of that result
	Row    int    // connection or step; -1 for none
	Metric string // as named in the JSON result
	Value  string
	Text   string
	Class  string
}

type runView struct {
	Index      int
	Name       string
	HasSeconds bool
	Conns      []row
	Generator  []row
	Warning    string
	Thresholds []row
}

type capacityView struct {
	Index     int
	Name      string
	Verdict   string
	Steps     []row
	Generator []row
	Notes     []string
}

func nsCell(attr string, i, rowIdx int, metric string, ns int64) cell {
	return cell{Attr: attr, Index: i, Row: rowIdx, Metric: metric, Value: strconv.FormatInt(ns, 10), Text: formatMicros(ns)}
}

func countCell(attr string, i, rowIdx int, metric string, n int64) cell {
	return cell{Attr: attr, Index: i, Row: rowIdx, Metric: metric, Value: strconv.FormatInt(n, 10), Text: strconv.FormatInt(n, 10)}
}

func rateCell(attr string, i, rowIdx int, metric string, v float64) cell {
	return cell{Attr: attr, Index: i, Row: rowIdx, Metric: metric, Value: strconv.FormatFloat(v, 'g', -1, 64), Text: formatRate(v)}
}

func textCell(attr string, i, rowIdx int, metric, text string) cell {
	return cell{Attr: attr, Index: i, Row: rowIdx, Metric: metric, Value: text, Text: text}
}

// summaryRows has one row per figure and one column per run.
func summaryRows(runs []Run) []row {
	type fig struct {
		label, metric string
		cell          func(i int, r *report.Run, metric string) cell
	}
	lat := func(get func(report.Summary) int64) func(int, *report.Run, string) cell {
		return func(i int, r *report.Run, m string) cell {
			return nsCell("run", i, -1, m, get(report.Summarize(r.RTT)))
		}
	}
	figs := []fig{
		{"command", "command", func(i int, r *report.Run, m string) cell { return textCell("run", i, -1, m, r.Command) }},
		{"peer", "addr", func(i int, r *report.Run, m string) cell { return textCell("run", i, -1, m, r.Addr) }},
		{"connections", "connections", func(i int, r *report.Run, m string) cell {
			return countCell("run", i, -1, m, int64(r.Connections))
		}},
		{"measured window", "duration_s", func(i int, r *report.Run, m string) cell {
			return cell{Attr: "run", Index: i, Row: -1, Metric: m, Value: strconv.FormatFloat(r.Elapsed.Seconds(), 'g', -1, 64),
				Text: strconv.FormatFloat(r.Elapsed.Seconds(), 'f', 3, 64) + " s"}
		}},
		{"sent", "sent", func(i int, r *report.Run, m string) cell { return countCell("run", i, -1, m, r.Sent) }},
		{"received", "received", func(i int, r *report.Run, m string) cell { return countCell("run", i, -1, m, r.Received) }},
		{"errors", "errors", func(i int, r *report.Run, m string) cell { return countCell("run", i, -1, m, r.Errors) }},
		{"throughput", "msgs_per_sec", func(i int, r *report.Run, m string) cell { return rateCell("run", i, -1, m, r.MsgsPerSec()) }},
		{"target rate", "target_rate", func(i int, r *report.Run, m string) cell {
			c := rateCell("run", i, -1, m, r.TargetRate)
			if r.TargetRate <= 0 {
				c.Text = "closed loop"
			}
			return c
		}},
		{"achieved rate", "achieved_rate", func(i int, r *report.Run, m string) cell { return rateCell("run", i, -1, m, r.AchievedRate()) }},
		{"rtt min", "latency_ns.min", lat(func(s report.Summary) int64 { return s.Min })},
		{"rtt p50", "latency_ns.p50", lat(func(s report.Summary) int64 { return s.P50 })},
		{"rtt p90", "latency_ns.p90", lat(func(s report.Summary) int64 { return s.P90 })},
		{"rtt p99", "latency_ns.p99", lat(func(s report.Summary) int64 { return s.P99 })},
		{"rtt p99.9", "latency_ns.p99_9", lat(func(s report.Summary) int64 { return s.P999 })},
		{"rtt p99.99", "latency_ns.p99_99", lat(func(s report.Summary) int64 { return s.P9999 })},
		{"rtt max", "latency_ns.max", lat(func(s report.Summary) int64 { return s.Max })},
		{"rtt mean", "latency_ns.mean", lat(func(s report.Summary) int64 { return int64(math.Round(s.Mean)) })},
		{"rtt count", "latency_ns.count", func(i int, r *report.Run, m string) cell { return countCell("run", i, -1, m, r.RTT.TotalCount()) }},
	}
	rows := make([]row, 0, len(figs))
	for _, f := range figs {
		rw := row{Label: f.label}
		for i, r := range runs {
			rw.Cells = append(rw.Cells, f.cell(i, r.Run, f.metric))
		}
		rows = append(rows, rw)
	}
	return rows
}

func runViewOf(i int, r Run, hasSeconds bool) runView {
	v := runView{Index: i, Name: r.Name, HasSeconds: hasSeconds, Warning: report.GeneratorWarning(r.Run, "")}
	for _, c := range r.Run.PerConn {
		v.Conns = append(v.Conns, row{Label: strconv.Itoa(c.Conn), Cells: []cell{
			countCell("run", i, c.Conn, "per_connection.sent", c.Sent),
			countCell("run", i, c.Conn, "per_connection.received", c.Received),
			countCell("run", i, c.Conn, "per_connection.errors", c.Errors),
			rateCell("run", i, c.Conn, "per_connection.msgs_per_sec", c.MsgsPerSec),
			nsCell("run", i, c.Conn, "per_connection.p99_ns", c.P99Ns),
		}})
	}
	v.Generator = generatorRows("run", i, r.Run.Generator)
	if r.Run.LateSends > 0 || r.Run.MaxSendLag > 0 {
		v.Generator = append(v.Generator,
			row{"late sends", []cell{countCell("run", i, -1, "late_sends", r.Run.LateSends)}},
			row{"worst send lag", []cell{nsCell("run", i, -1, "max_send_lag_ns", int64(r.Run.MaxSendLag))}})
	}
	for j, t := range r.Run.Thresholds {
		verdict := "pass"
		if !t.Pass {
			verdict = "FAIL"
		}
		measured := cell{Attr: "run", Index: i, Row: j, Metric: "thresholds.value", Value: strconv.FormatFloat(t.Value, 'g', -1, 64),
			Text: strconv.FormatFloat(t.Value, 'f', -1, 64)}
		if t.Latency {
			measured = nsCell("run", i, j, "thresholds.value_ns", int64(math.Round(t.Value)))
		}
		v.Thresholds = append(v.Thresholds, row{Label: t.Expr, Cells: []cell{measured,
			{Attr: "run", Index: i, Row: j, Metric: "thresholds.pass", Value: strconv.FormatBool(t.Pass), Text: verdict, Class: strings.ToLower(verdict)}}})
	}
	return v
}

func generatorRows(attr string, i int, g *report.Generator) []row {
	if g == nil {
		return nil
	}
	rows := []row{
		{"I/O mode", []cell{textCell(attr, i, -1, "generator.io_mode", g.IOMode)}},
		{"GOMAXPROCS", []cell{countCell(attr, i, -1, "generator.gomaxprocs", int64(g.GOMAXPROCS))}},
	}
	if g.CPUAffinity != "" {
		rows = append(rows, row{"CPUs", []cell{textCell(attr, i, -1, "generator.cpu_affinity", g.CPUAffinity)}})
	}
	rows = append(rows,
		row{"GC cycles", []cell{countCell(attr, i, -1, "generator.gc_cycles", g.GCCycles)}},
		row{"GC pauses", []cell{nsCell(attr, i, -1, "generator.gc_pause_ns", g.GCPauseNs)}},
		row{"clock reading", []cell{{Attr: attr, Index: i, Row: -1, Metric: "generator.clock_read_ns",
			Value: strconv.FormatFloat(g.ClockReadNs, 'g', -1, 64), Text: strconv.FormatFloat(g.ClockReadNs, 'f', 1, 64) + " ns"}}})
	if l := g.SendLag; l != nil {
		rows = append(rows,
			row{"send lag p50", []cell{nsCell(attr, i, -1, "generator.send_lag_ns.p50", l.P50)}},
			row{"send lag p99", []cell{nsCell(attr, i, -1, "generator.send_lag_ns.p99", l.P99)}},
			row{"send lag max", []cell{nsCell(attr, i, -1, "generator.send_lag_ns.max", l.Max)}})
	}
	return rows
}

func capacityViewOf(i int, c Capacity) capacityView {
	v := capacityView{Index: i, Name: c.Name, Verdict: c.Verdict, Notes: c.Notes, Generator: generatorRows("capacity", i, c.Generator)}
	for _, s := range c.Steps {
		v.Steps = append(v.Steps, row{Label: strconv.Itoa(s.Index), Cells: []cell{
			rateCell("capacity", i, s.Index, "steps.target_rate", s.Target),
			rateCell("capacity", i, s.Index, "steps.achieved_rate", s.Achieved),
			nsCell("capacity", i, s.Index, "steps.latency_ns.p50", s.P50),
			nsCell("capacity", i, s.Index, "steps.latency_ns.p99", s.P99),
			nsCell("capacity", i, s.Index, "steps.latency_ns.p99_9", s.P999),
			nsCell("capacity", i, s.Index, "steps.latency_ns.max", s.Max),
			countCell("capacity", i, s.Index, "steps.errors", s.Errors),
			{Attr: "capacity", Index: i, Row: s.Index, Metric: "steps.outcome", Value: s.Outcome, Text: s.Outcome, Class: s.Outcome},
			textCell("capacity", i, s.Index, "steps.failed", strings.Join(s.Failed, ", ")),
		}})
	}
	return v
}
