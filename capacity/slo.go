package capacity

import (
	"errors"
	"fmt"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/report"
)

// ErrSLO is wrapped by the errors of [ParseSLO].
var ErrSLO = errors.New("capacity: slo")

// Term is one bound of an SLO, such as "p99<50us".
type Term struct {
	Expr      string // as given, spaces trimmed: "p99<50us"
	Threshold report.Threshold
}

// SLO is a service level objective: latency bounds that must all hold.
type SLO []Term

// SLOMetrics describes the metrics an SLO term may bound.
const SLOMetrics = "a percentile of the RTT (p50, p99, p99.99, p99.999, ...), max or mean"

// ParseSLO parses a comma-separated list of latency bounds, such as
// "p99<50us,p99.9<200us". Each bound is METRIC<VALUE or METRIC<=VALUE, where
// METRIC is any percentile of the round-trip time (p50, p95, p99.999, ...),
// max or mean, and VALUE is a duration with a unit (ns, us, µs, ms, s)
// above zero.
func ParseSLO(s string) (SLO, error) {
	var slo SLO
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		term, err := parseTerm(part)
		if err != nil {
			return nil, err
		}
		slo = append(slo, term)
	}
	if len(slo) == 0 {
		return nil, fmt.Errorf("%w %q: no term; want e.g. p99<50us,p99.9<200us", ErrSLO, s)
	}
	return slo, nil
}

func parseTerm(part string) (Term, error) {
	name := part
	if i := strings.IndexAny(part, "<>"); i >= 0 {
		name = part[:i]
	}
	if m, err := report.ParseMetric(name); err != nil || m.Kind != report.MetricLatency || m.Histogram != "" {
		return Term{}, fmt.Errorf("%w %q: %q is not a latency an SLO can bound; want %s", ErrSLO, part, strings.TrimSpace(name), SLOMetrics)
	}
	th, err := report.ParseThreshold(part)
	if err != nil {
		var ee *report.ExprError
		errors.As(err, &ee)
		return Term{}, fmt.Errorf("%w %q: %s", ErrSLO, part, ee.Reason)
	}
	if th.Op != "<" && th.Op != "<=" {
		return Term{}, fmt.Errorf("%w %q: an SLO bounds latency from above: use < or <=", ErrSLO, part)
	}
	if th.Value <= 0 {
		return Term{}, fmt.Errorf("%w %q: the bound must be above zero", ErrSLO, part)
	}
	return Term{Expr: part, Threshold: th}, nil
}

// String returns the terms as given, joined by ", ": "p99<50us, p99.9<200us".
func (s SLO) String() string {
	parts := make([]string, len(s))
	for i, t := range s {
		parts[i] = t.Expr
	}
	return strings.Join(parts, ", ")
}

// Value returns the term's metric of h in nanoseconds; 0 for an empty
// histogram.
func (t Term) Value(h *hdrhistogram.Histogram) int64 {
	return metricValue(h, t.Threshold.Metric)
}

// metricValue returns the latency metric called name of h in nanoseconds;
// 0 for an empty histogram or a name that is not a latency.
func metricValue(h *hdrhistogram.Histogram, name string) int64 {
	m, err := report.ParseMetric(name)
	if err != nil || m.Kind != report.MetricLatency {
		return 0
	}
	return int64(m.OfHistogram(h))
}

// Holds reports whether h meets the term. An empty histogram meets no term.
func (t Term) Holds(h *hdrhistogram.Histogram) bool {
	if h == nil || h.TotalCount() == 0 {
		return false
	}
	v := float64(t.Value(h))
	if t.Threshold.Op == "<=" {
		return v <= t.Threshold.Value
	}
	return v < t.Threshold.Value
}

// Failed returns the terms h does not meet, as given ("p99<50us"); none
// means h meets the SLO.
func (s SLO) Failed(h *hdrhistogram.Histogram) []string {
	var out []string
	for _, t := range s {
		if !t.Holds(h) {
			out = append(out, t.Expr)
		}
	}
	return out
}

// Tightest returns the smallest bound of s.
func (s SLO) Tightest() float64 {
	b := 0.0
	for i, t := range s {
		if i == 0 || t.Threshold.Value < b {
			b = t.Threshold.Value
		}
	}
	return b
}

// Loosest returns the largest bound of s.
func (s SLO) Loosest() float64 {
	b := 0.0
	for _, t := range s {
		b = max(b, t.Threshold.Value)
	}
	return b
}
