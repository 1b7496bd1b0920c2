package report

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// metric is one figure of a Run that can be compared or checked.
type metric struct {
	name    string
	latency bool   // nanoseconds, lower is better; otherwise a rate, higher is better
	unit    string // unit of a rate
	value   func(r *Run) float64
}

func latencyMetric(name string, q float64) metric {
	return metric{name, true, "", func(r *Run) float64 { return float64(rttOf(r).ValueAtQuantile(q)) }}
}

// metrics lists the figures Compare reports, in order.
var metrics = []metric{
	latencyMetric("p50", 50),
	latencyMetric("p90", 90),
	latencyMetric("p99", 99),
	latencyMetric("p99.9", 99.9),
	latencyMetric("p99.99", 99.99),
	{"max", true, "", func(r *Run) float64 { return float64(rttOf(r).Max()) }},
	{"mean", true, "", func(r *Run) float64 { return rttOf(r).Mean() }},
	{"msgs_per_sec", false, "msgs/s", (*Run).MsgsPerSec},
	{"bytes_per_sec", false, "B/s", (*Run).BytesPerSec},
}

func rttOf(r *Run) *hdrhistogram.Histogram {
	if r.RTT == nil {
		return NewHistogram()
	}
	return r.RTT
}

func findMetric(name string) (metric, bool) {
	for _, m := range metrics {
		if m.name == name {
			return m, true
		}
	}
	return metric{}, false
}

func metricNames() string {
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = m.name
	}
	return strings.Join(names, ", ")
}

// Limit is the largest change of one metric that is not a regression, in
// percent of the baseline: a rise for latency metrics (p50, p90, p99,
// p99.9, p99.99, max, mean), a drop for throughput metrics (msgs_per_sec,
// bytes_per_sec).
type Limit struct {
	Metric  string
	Percent float64
}

// Limits is a list of limits, in the order given.
type Limits []Limit

// DefaultLimits are the limits used when none are given.
const DefaultLimits = "p99=10%,p99.9=20%,msgs_per_sec=5%"

// ParseLimits parses a comma-separated list of metric=percent pairs, such
// as "p99=10%,p99.9=20%,msgs_per_sec=5%". The % sign is optional.
func ParseLimits(s string) (Limits, error) {
	var out Limits
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("report: limit %q: want metric=percent", part)
		}
		name = strings.TrimSpace(name)
		if _, ok := findMetric(name); !ok {
			return nil, fmt.Errorf("report: limit %q: unknown metric %q (known: %s)", part, name, metricNames())
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), "%"), 64)
		if err != nil || pct < 0 || math.IsInf(pct, 0) {
			return nil, fmt.Errorf("report: limit %q: percent must be a number >= 0", part)
		}
		out = append(out, Limit{Metric: name, Percent: pct})
	}
	return out, nil
}

// Verdict is the outcome of comparing one metric.
type Verdict string

// Verdicts of a [Delta].
const (
	VerdictNone       Verdict = ""                 // no limit for this metric
	VerdictOK         Verdict = "ok"               // within the limit
	VerdictBelowFloor Verdict = "ok (below floor)" // over the limit, but by less than the floor
	VerdictRegressed  Verdict = "REGRESSED"        // over the limit
)

// Delta compares one metric of two runs.
type Delta struct {
	Metric   string
	Latency  bool    // Base and Current are nanoseconds; otherwise per second
	Unit     string  // "ns", or the unit of a rate: "msgs/s" or "B/s"
	Base     float64 // baseline value
	Current  float64 // current value
	Change   float64 // (Current-Base)/Base in percent; NaN if Base is 0 and Current is not
	Limit    float64 // limit in percent, if HasLimit
	HasLimit bool
	Verdict  Verdict
}

// Comparison is the result of [Compare].
type Comparison struct {
	Base, Current *Run
	Floor         time.Duration
	Deltas        []Delta // one per metric, in a fixed order
}

// Regressed reports whether any metric regressed beyond its limit.
func (c Comparison) Regressed() bool {
	for _, d := range c.Deltas {
		if d.Verdict == VerdictRegressed {
			return true
		}
	}
	return false
}

// Compare compares cur against the baseline base. A latency metric
// regresses when it rises by more than its limit percent AND by more than
// floor in absolute terms, so that noise on tiny values is ignored. A
// throughput metric regresses when it drops by more than its limit
// percent. Metrics without a limit are reported but never regress.
func Compare(base, cur *Run, limits Limits, floor time.Duration) Comparison {
	c := Comparison{Base: base, Current: cur, Floor: floor}
	for _, m := range metrics {
		d := Delta{Metric: m.name, Latency: m.latency, Unit: m.unit, Base: m.value(base), Current: m.value(cur)}
		if m.latency {
			d.Unit = "ns"
		}
		d.Change = change(d.Base, d.Current)
		for _, l := range limits {
			if l.Metric == m.name {
				d.Limit, d.HasLimit = l.Percent, true
			}
		}
		if d.HasLimit {
			d.Verdict = verdict(d, floor)
		}
		c.Deltas = append(c.Deltas, d)
	}
	return c
}

func change(base, cur float64) float64 {
	if base == 0 {
		if cur == 0 {
			return 0
		}
		return math.NaN()
	}
	return (cur - base) / base * 100
}

func verdict(d Delta, floor time.Duration) Verdict {
	if d.Latency {
		over := d.Current > d.Base*(1+d.Limit/100)
		switch {
		case !over:
			return VerdictOK
		case d.Current-d.Base <= float64(floor):
			return VerdictBelowFloor
		}
		return VerdictRegressed
	}
	if d.Current < d.Base*(1-d.Limit/100) {
		return VerdictRegressed
	}
	return VerdictOK
}

// Threshold is an absolute bound on one metric of a run, such as
// "p99<50us" or "msgs_per_sec>100000".
type Threshold struct {
	Metric string
	Op     string  // "<", "<=", ">" or ">="
	Value  float64 // nanoseconds for latency metrics, per second for throughput
}

// String formats t as ParseThreshold accepts it, with latency in the units
// of [time.Duration.String].
func (t Threshold) String() string {
	m, _ := findMetric(t.Metric)
	return t.Metric + t.Op + formatThresholdValue(m.latency, t.Value)
}

func formatThresholdValue(latency bool, v float64) string {
	if latency {
		return time.Duration(math.Round(v)).String()
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

var errThreshold = errors.New("report: threshold")

// ParseThreshold parses "METRIC OP VALUE" with OP one of <, <=, >, >=. For
// latency metrics (p50, p90, p99, p99.9, p99.99, max, mean) VALUE needs a
// unit: ns, us, µs, ms or s ("p99<50us"). For throughput metrics
// (msgs_per_sec, bytes_per_sec) it is a plain number ("msgs_per_sec>100000").
func ParseThreshold(s string) (Threshold, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "<>")
	if i <= 0 {
		return Threshold{}, fmt.Errorf("%w %q: want metric<value or metric>value", errThreshold, s)
	}
	t := Threshold{Metric: strings.TrimSpace(s[:i]), Op: s[i : i+1]}
	rest := s[i+1:]
	if strings.HasPrefix(rest, "=") {
		t.Op += "="
		rest = rest[1:]
	}
	rest = strings.TrimSpace(rest)
	m, ok := findMetric(t.Metric)
	if !ok {
		return Threshold{}, fmt.Errorf("%w %q: unknown metric %q (known: %s)", errThreshold, s, t.Metric, metricNames())
	}
	if m.latency {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return Threshold{}, fmt.Errorf("%w %q: %q is not a duration with a unit (ns, us, µs, ms, s)", errThreshold, s, rest)
		}
		t.Value = float64(d)
		return t, nil
	}
	v, err := strconv.ParseFloat(rest, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) {
		return Threshold{}, fmt.Errorf("%w %q: %q is not a number >= 0", errThreshold, s, rest)
	}
	t.Value = v
	return t, nil
}

// ThresholdResult is the verdict of one [Threshold] on a run.
type ThresholdResult struct {
	Expr    string  // the threshold as given, e.g. "p99<50us"
	Latency bool    // Value is a latency in nanoseconds (else a rate per second)
	Value   float64 // the run's value of the metric
	Pass    bool
	Line    string // "pass: p99 12.3µs < 50µs", "FAIL: ...", for people
}

// String returns the verdict line.
func (t ThresholdResult) String() string { return t.Line }

// ApplyThresholds checks r against each threshold, stores the verdicts in
// r.Thresholds and reports whether all passed. A threshold on a run that
// measured no round trip fails: there is nothing to vouch for.
func (r *Run) ApplyThresholds(ths []Threshold) bool {
	r.Thresholds = r.Thresholds[:0]
	ok := true
	for _, t := range ths {
		res := checkThreshold(r, t)
		ok = ok && res.Pass
		r.Thresholds = append(r.Thresholds, res)
	}
	return ok
}

func checkThreshold(r *Run, t Threshold) ThresholdResult {
	expr := t.String()
	m, known := findMetric(t.Metric)
	if !known {
		return ThresholdResult{Expr: expr, Line: fmt.Sprintf("FAIL: unknown metric %q", t.Metric)}
	}
	res := ThresholdResult{Expr: expr, Latency: m.latency}
	if r.RTT == nil || r.RTT.TotalCount() == 0 {
		res.Line = fmt.Sprintf("FAIL: %s: no round trip was measured", expr)
		return res
	}
	v := m.value(r)
	res.Value = v
	switch t.Op {
	case "<":
		res.Pass = v < t.Value
	case "<=":
		res.Pass = v <= t.Value
	case ">":
		res.Pass = v > t.Value
	case ">=":
		res.Pass = v >= t.Value
	}
	verdict := "pass"
	if !res.Pass {
		verdict = "FAIL"
	}
	res.Line = fmt.Sprintf("%s: %s %s %s %s", verdict, t.Metric,
		formatThresholdValue(m.latency, v), t.Op, formatThresholdValue(m.latency, t.Value))
	return res
}

// CheckThresholds checks r against each threshold and returns one line per
// threshold, "pass: p99 12.3µs < 50µs" or "FAIL: p99 61.2µs < 50µs", and
// whether all passed. It does not modify r; see [Run.ApplyThresholds].
func CheckThresholds(r *Run, ths []Threshold) (lines []string, ok bool) {
	ok = true
	for _, t := range ths {
		res := checkThreshold(r, t)
		ok = ok && res.Pass
		lines = append(lines, res.Line)
	}
	return lines, ok
}

// ModeDifferences lists how cur was run differently from base in what
// changes the figures: the command (ping, flood or capacity), closed or
// open loop, the target rate (not between two capacity searches, whose
// rates are what they found), the number of connections, and the message
// mix, window, expected reply and SLO of its settings. Each entry reads like
// "connections: 4 vs 8" (base first). It is empty when both ran alike, or
// when a setting is unknown for either.
func ModeDifferences(base, cur *Run) []string {
	var out []string
	diff := func(what string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			out = append(out, fmt.Sprintf("%s: %v vs %v", what, a, b))
		}
	}
	diff("command", base.Command, cur.Command)
	loop := func(r *Run) string {
		if r.TargetRate > 0 {
			return "open loop"
		}
		return "closed loop"
	}
	diff("loop", loop(base), loop(cur))
	// Two capacity searches differ in the rate they found, not in a setting.
	if base.TargetRate > 0 && cur.TargetRate > 0 && (base.Command != "capacity" || cur.Command != "capacity") {
		diff("rate (msgs/s)", strconv.FormatFloat(base.TargetRate, 'g', -1, 64), strconv.FormatFloat(cur.TargetRate, 'g', -1, 64))
	}
	diff("connections", base.Connections, cur.Connections)
	for _, key := range []string{"mix", "window", "expect", "slo"} {
		a, okA := base.Config[key]
		b, okB := cur.Config[key]
		if okA && okB {
			diff(key, a, b)
		}
	}
	return out
}
