package report

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// MetricKind says what a [Metric] measures, which fixes its unit, how a
// bound on it is written and which direction is better.
type MetricKind uint8

// The kinds of metric.
const (
	MetricLatency MetricKind = iota // nanoseconds; lower is better; bounds need a unit ("50us")
	MetricRate                      // per second; higher is better; bounds are plain numbers
	MetricCount                     // a count; lower is better; bounds are whole numbers
	MetricRatio                     // a fraction from 0 to 1; lower is better; bounds may end in %
)

// Metric is one figure of a [Run] that a threshold, an SLO or a
// comparison names: a statistic of a latency histogram (p50, p99.999,
// max, mean of the round-trip times; fill_p99, fill_max, fill_mean of the
// order-to-fill latencies), a rate (msgs_per_sec, bytes_per_sec) or an error figure
// (errors, error_rate). Get one with [ParseMetric].
type Metric struct {
	Name string     // canonical name: "p99.9", "msgs_per_sec"
	Kind MetricKind // what it measures
	Unit string     // "ns", "msgs/s", "B/s", "errors" or "" (a ratio)

	// Histogram names the latency histogram a latency metric reads: "" for
	// the round-trip times (Run.RTT), "fill" for order-to-fill latencies
	// (Run.Fill).
	Histogram string

	stat  func(h *hdrhistogram.Histogram) float64 // latency metrics
	value func(r *Run) float64                    // other metrics
}

// Of returns m's value for r: nanoseconds for a latency metric (0 when
// nothing was recorded), per second for a rate, a count or a fraction.
func (m Metric) Of(r *Run) float64 {
	if m.stat != nil {
		return m.OfHistogram(latencySources[m.Histogram](r))
	}
	return m.value(r)
}

// OfHistogram returns a latency metric's statistic of h in nanoseconds, 0
// for a nil or empty histogram; it returns NaN for other metrics.
func (m Metric) OfHistogram(h *hdrhistogram.Histogram) float64 {
	if m.stat == nil {
		return math.NaN()
	}
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	return m.stat(h)
}

// Measured reports whether r measured what m reads: for a latency, its
// histogram holds a value; for the others, r measured a round trip.
func (m Metric) Measured(r *Run) bool {
	if m.stat != nil {
		h := latencySources[m.Histogram](r)
		return h != nil && h.TotalCount() > 0
	}
	return r.Measured()
}

// LowerIsBetter reports whether a fall of m is an improvement: true for
// latencies and errors, false for rates.
func (m Metric) LowerIsBetter() bool { return m.Kind != MetricRate }

// Format returns v, a value of m, as [ParseThreshold] reads it back:
// latencies as [time.Duration.String] prints them ("12.3µs"), ratios in
// percent ("0.1%"), other values as plain numbers.
func (m Metric) Format(v float64) string {
	switch m.Kind {
	case MetricLatency:
		return formatDuration(v)
	case MetricRatio:
		return strconv.FormatFloat(v*100, 'g', 4, 64) + "%"
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// latencySources maps a latency family's prefix to the histogram of a run
// it reads. Adding an entry adds all of a family's metrics at once. A family named "x" has the metrics x_p50, x_p99.9, x_max,
// x_mean; the round-trip family "" has p50, p99.9, max, mean.
var latencySources = map[string]func(r *Run) *hdrhistogram.Histogram{
	"":     func(r *Run) *hdrhistogram.Histogram { return r.RTT },
	"fill": func(r *Run) *hdrhistogram.Histogram { return r.Fill },
}

// scalarMetrics are the metrics that are not statistics of a histogram.
var scalarMetrics = []Metric{
	{Name: "msgs_per_sec", Kind: MetricRate, Unit: "msgs/s", value: (*Run).MsgsPerSec},
	{Name: "bytes_per_sec", Kind: MetricRate, Unit: "B/s", value: (*Run).BytesPerSec},
	{Name: "errors", Kind: MetricCount, Unit: "errors", value: func(r *Run) float64 { return float64(r.Errors) }},
	{Name: "error_rate", Kind: MetricRatio, value: (*Run).ErrorRate},
}

// ErrorRate returns the run's errors per message sent, a fraction (0.001
// is 0.1%). The warmup's messages count with the window's, as errors
// does. It is 0 when there was no error, and at most 1: a peer that
// answers every message twice makes an error of each, not 200%, and
// errors with nothing sent are 1.
func (r *Run) ErrorRate() float64 {
	sent := r.Sent + max(r.WarmupSent, 0)
	switch {
	case r.Errors <= 0:
		return 0
	case sent <= 0:
		return 1
	}
	return min(float64(r.Errors)/float64(sent), 1)
}

// MetricError is the error of [ParseMetric] for a name it does not know.
type MetricError struct {
	Name string
}

func (e *MetricError) Error() string { return "report: " + e.Reason() }

// Reason returns the message without the package prefix.
func (e *MetricError) Reason() string {
	return fmt.Sprintf("unknown metric %q (known: %s)", e.Name, KnownMetrics)
}

// KnownMetrics describes the names [ParseMetric] accepts, for error
// messages and help texts.
const KnownMetrics = "any percentile (p50, p95, p99.9, p99.999, ...), max, mean, the same of order-to-fill latency (fill_p99, fill_max, ...), msgs_per_sec, bytes_per_sec, errors, error_rate"

// ParseMetric returns the metric called name: a percentile "pQ" with Q in
// (0, 100] written in plain decimals (p50, p99.999), max, mean,
// msgs_per_sec, bytes_per_sec, errors or error_rate. Surrounding spaces are
// ignored; the returned Name is canonical ("p99.90" becomes "p99.9").
func ParseMetric(name string) (Metric, error) {
	name = strings.TrimSpace(name)
	for _, m := range scalarMetrics {
		if m.Name == name {
			return m, nil
		}
	}
	for family := range latencySources {
		stat, ok := strings.CutPrefix(name, familyPrefix(family))
		if !ok {
			continue
		}
		if m, ok := latencyMetric(family, stat); ok {
			return m, nil
		}
	}
	return Metric{}, &MetricError{Name: name}
}

func familyPrefix(family string) string {
	if family == "" {
		return ""
	}
	return family + "_"
}

// latencyMetric returns the metric of statistic stat ("p99.9", "max",
// "mean") of a latency family.
func latencyMetric(family, stat string) (Metric, bool) {
	m := Metric{Kind: MetricLatency, Unit: "ns", Histogram: family}
	switch stat {
	case "max":
		m.stat = func(h *hdrhistogram.Histogram) float64 { return float64(h.Max()) }
	case "mean":
		m.stat = (*hdrhistogram.Histogram).Mean
	default:
		q, ok := parsePercentile(stat)
		if !ok {
			return Metric{}, false
		}
		stat = "p" + strconv.FormatFloat(q, 'f', -1, 64)
		m.stat = func(h *hdrhistogram.Histogram) float64 { return float64(h.ValueAtQuantile(q)) }
	}
	m.Name = familyPrefix(family) + stat
	return m, true
}

// parsePercentile reads "p99.9" as 99.9: digits with at most one point,
// above 0 and at most 100. Signs, exponents, NaN and Inf are refused.
func parsePercentile(s string) (float64, bool) {
	digits, ok := strings.CutPrefix(s, "p")
	if !ok || digits == "" || digits[0] == '.' || digits[len(digits)-1] == '.' || strings.Count(digits, ".") > 1 {
		return 0, false
	}
	for _, c := range digits {
		if (c < '0' || c > '9') && c != '.' {
			return 0, false
		}
	}
	q, err := strconv.ParseFloat(digits, 64)
	if err != nil || q <= 0 || q > 100 {
		return 0, false
	}
	return q, true
}

// parseBound reads the value of a bound on m: a duration with a unit for
// a latency, a number (with an optional %) for a ratio, a whole number for
// a count, a number for a rate. NaN, infinities and negative values are
// refused.
func parseBound(m Metric, s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch m.Kind {
	case MetricLatency:
		return parseLatencyBound(s)
	case MetricRatio:
		pct, isPct := strings.CutSuffix(s, "%")
		v, err := parseNumber(strings.TrimSpace(pct))
		if isPct {
			v /= 100
		}
		if err != nil || v > 1 {
			return 0, fmt.Errorf("%q is not a fraction from 0 to 1 or a percentage (0.1%%)", s)
		}
		return v, nil
	case MetricCount:
		v, err := parseNumber(s)
		if err != nil || v != math.Trunc(v) {
			return 0, fmt.Errorf("%q is not a whole number >= 0", s)
		}
		return v, nil
	}
	v, err := parseNumber(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number >= 0", s)
	}
	return v, nil
}

var errNotNumber = errors.New("report: not a finite number >= 0")

// parseNumber parses a finite number >= 0.
func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, errNotNumber
	}
	return v, nil
}
