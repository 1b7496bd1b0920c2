package report

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// CompareMetrics are the metrics [Compare] reports, in order, besides
// those its limits name.
var CompareMetrics = []string{"p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "msgs_per_sec", "bytes_per_sec"}

// Limit is the largest change of one metric that is not a regression, in
// percent of the baseline: a rise for metrics where lower is better
// (latencies, errors, error_rate), a drop for rates (msgs_per_sec,
// bytes_per_sec).
type Limit struct {
	Metric  string // canonical metric name, see [ParseMetric]
	Percent float64
}

// Limits is a list of limits, in the order given.
type Limits []Limit

// DefaultLimits are the limits used when none are given.
const DefaultLimits = "p99=10%,p99.9=20%,msgs_per_sec=5%"

// NoLimits is what [ParseLimits] reads as "no limit at all".
const NoLimits = "none"

// ErrLimit is wrapped by the errors of [ParseLimits].
var ErrLimit = errors.New("report: limit")

// ParseLimits parses a comma-separated list of METRIC=PERCENT pairs, such
// as "p99=10%,p99.9=20%,msgs_per_sec=5%", with metrics as [ParseMetric]
// names them. The % sign is optional; a percent is a finite number >= 0.
// An empty list is refused, so that a missing value does not silently
// remove every limit: [NoLimits] ("none") says so explicitly.
func ParseLimits(s string) (Limits, error) {
	if strings.TrimSpace(s) == NoLimits {
		return Limits{}, nil
	}
	var out Limits
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, exprError(ErrLimit, part, "want METRIC=PERCENT, e.g. p99=10%%")
		}
		m, err := ParseMetric(name)
		if err != nil {
			return nil, exprError(ErrLimit, part, "%s", err.(*MetricError).Reason())
		}
		pct, err := parseNumber(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), "%")))
		if err != nil {
			return nil, exprError(ErrLimit, part, "the percent must be a finite number >= 0")
		}
		out = append(out, Limit{Metric: m.Name, Percent: pct})
	}
	if len(out) == 0 {
		return nil, exprError(ErrLimit, s, "no limit; want METRIC=PERCENT,... (e.g. %s), or %s", DefaultLimits, NoLimits)
	}
	return out, nil
}

// CompareFillMetrics are the order-to-fill metrics [Compare] reports, after
// CompareMetrics, when both sides timed fills (runs against an exchange).
var CompareFillMetrics = []string{"fill_p50", "fill_p99", "fill_max"}

// comparedMetrics returns the metrics of CompareMetrics, then with fill
// those of CompareFillMetrics, followed by those only limits name.
func comparedMetrics(limits Limits, fill bool) []Metric {
	var out []Metric
	seen := map[string]bool{}
	add := func(name string) {
		if m, err := ParseMetric(name); err == nil && !seen[m.Name] {
			seen[m.Name] = true
			out = append(out, m)
		}
	}
	for _, name := range CompareMetrics {
		add(name)
	}
	if fill {
		for _, name := range CompareFillMetrics {
			add(name)
		}
	}
	for _, l := range limits {
		add(l.Metric)
	}
	return out
}

// timedFills reports whether every run has order-to-fill latencies.
func timedFills(runs []*Run) bool {
	for _, r := range runs {
		if r.Fill == nil || r.Fill.TotalCount() == 0 {
			return false
		}
	}
	return len(runs) > 0
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

// verdict judges the change of a metric with a limit from one run a side.
func verdict(d Delta, lowerIsBetter bool, floor time.Duration) Verdict {
	if !lowerIsBetter {
		if d.Current < d.Base*(1-d.Limit/100) {
			return VerdictRegressed
		}
		return VerdictOK
	}
	switch {
	case d.Current <= d.Base*(1+d.Limit/100):
		return VerdictOK
	case d.Latency && d.Current-d.Base <= float64(floor):
		return VerdictBelowFloor
	}
	return VerdictRegressed
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
