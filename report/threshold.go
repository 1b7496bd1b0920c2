package report

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Threshold is an absolute bound on one metric of a run, such as
// "p99<50us", "msgs_per_sec>100000" or "error_rate<0.1%".
type Threshold struct {
	Metric string  // canonical metric name, see [ParseMetric]
	Op     string  // "<", "<=", ">" or ">="
	Value  float64 // in the metric's unit: nanoseconds, per second, a count or a fraction
}

// String formats t as ParseThreshold accepts it, with latency in the units
// of [time.Duration.String] and ratios in percent.
func (t Threshold) String() string {
	m, err := ParseMetric(t.Metric)
	if err != nil {
		return t.Metric + t.Op + fmt.Sprint(t.Value)
	}
	return m.Name + t.Op + m.Format(t.Value)
}

// ErrThreshold is wrapped by the errors of [ParseThreshold].
var ErrThreshold = errors.New("report: threshold")

// ExprError is the error of [ParseThreshold] and [ParseLimits] for an
// expression they refuse. It wraps [ErrThreshold] or [ErrLimit].
type ExprError struct {
	Expr   string // the expression as given
	Reason string // why it is refused: `"NaN" is not a number >= 0`
	kind   error
}

func (e *ExprError) Error() string { return fmt.Sprintf("%v %q: %s", e.kind, e.Expr, e.Reason) }

// Unwrap returns ErrThreshold or ErrLimit.
func (e *ExprError) Unwrap() error { return e.kind }

func exprError(kind error, expr, format string, args ...any) error {
	return &ExprError{Expr: expr, Reason: fmt.Sprintf(format, args...), kind: kind}
}

// ParseThreshold parses "METRIC OP VALUE" with OP one of <, <=, >, >= and
// METRIC one that [ParseMetric] knows. For a latency VALUE needs a unit:
// ns, us, µs, ms or s ("p99<50us"); for a rate it is a plain number
// ("msgs_per_sec>100000"); for errors a whole number ("errors<=0"); for
// error_rate a fraction or a percentage ("error_rate<0.1%"). NaN,
// infinities and negative values are refused.
func ParseThreshold(s string) (Threshold, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "<>")
	if i <= 0 {
		return Threshold{}, exprError(ErrThreshold, s, "want METRIC<VALUE or METRIC>VALUE, e.g. p99<50us")
	}
	op, rest := s[i:i+1], s[i+1:]
	if r, ok := strings.CutPrefix(rest, "="); ok {
		op, rest = op+"=", r
	}
	m, err := ParseMetric(s[:i])
	if err != nil {
		return Threshold{}, exprError(ErrThreshold, s, "%s", err.(*MetricError).Reason())
	}
	v, err := parseBound(m, rest)
	if err != nil {
		return Threshold{}, exprError(ErrThreshold, s, "%v", err)
	}
	return Threshold{Metric: m.Name, Op: op, Value: v}, nil
}

// parseLatencyBound parses a duration with a unit, >= 0.
func parseLatencyBound(s string) (float64, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || !strings.ContainsAny(s, "nuµmsh") {
		return 0, fmt.Errorf("%q is not a duration with a unit (ns, us, µs, ms, s)", s)
	}
	return float64(d), nil
}

func formatDuration(ns float64) string {
	return time.Duration(math.Round(ns)).String()
}

// ThresholdResult is the verdict of one [Threshold] on a run.
type ThresholdResult struct {
	Expr    string  // the threshold as given, e.g. "p99<50us"
	Latency bool    // Value is a latency in nanoseconds (else a rate, count or fraction)
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

// Measured reports whether r recorded at least one round trip.
func (r *Run) Measured() bool { return r.RTT != nil && r.RTT.TotalCount() > 0 }

func checkThreshold(r *Run, t Threshold) ThresholdResult {
	expr := t.String()
	m, err := ParseMetric(t.Metric)
	if err != nil {
		return ThresholdResult{Expr: expr, Line: fmt.Sprintf("FAIL: unknown metric %q", t.Metric)}
	}
	res := ThresholdResult{Expr: expr, Latency: m.Kind == MetricLatency}
	if !r.Measured() {
		res.Line = fmt.Sprintf("FAIL: %s: no round trip was measured", expr)
		return res
	}
	if !m.Measured(r) {
		res.Line = fmt.Sprintf("FAIL: %s: no %s latency was measured", expr, m.Histogram)
		return res
	}
	v := m.Of(r)
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
	res.Line = fmt.Sprintf("%s: %s %s %s %s", verdict, m.Name, m.Format(v), t.Op, m.Format(t.Value))
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
