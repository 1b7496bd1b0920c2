package report

import (
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Summary is the latency summary of a histogram, in nanoseconds: the
// "latency_ns" object of a result ("gigadex.run/v1") and of each step of
// a capacity search. All fields are 0 for an empty histogram.
type Summary struct {
	Min    int64   `json:"min"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
	P50    int64   `json:"p50"`
	P90    int64   `json:"p90"`
	P99    int64   `json:"p99"`
	P999   int64   `json:"p99_9"`
	P9999  int64   `json:"p99_99"`
	Max    int64   `json:"max"`
	Count  int64   `json:"count"`
}

// GapSummary sums up the gaps between a peer's Heartbeats, in
// nanoseconds: how many, their median, 99th percentile and largest.
type GapSummary struct {
	Count int64 `json:"count"`
	P50   int64 `json:"p50"`
	P99   int64 `json:"p99"`
	Max   int64 `json:"max"`
}

// SummarizeGaps returns the GapSummary of h, a dense or a packed
// histogram, or nil when h holds nothing.
func SummarizeGaps(h interface {
	TotalCount() int64
	ValueAtPercentile(q float64) int64
	Max() int64
}) *GapSummary {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	return &GapSummary{Count: h.TotalCount(), P50: h.ValueAtPercentile(50), P99: h.ValueAtPercentile(99), Max: h.Max()}
}

// mergeGaps combines the gap summaries of several runs: counts add up,
// and the percentiles and the maximum are the largest of the inputs' (a
// bound, since summaries cannot be merged exactly).
func mergeGaps(a, b *GapSummary) *GapSummary {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return &GapSummary{Count: a.Count + b.Count, P50: max(a.P50, b.P50), P99: max(a.P99, b.P99), Max: max(a.Max, b.Max)}
}

// Summarize returns the [Summary] of h, which may be nil.
func Summarize(h *hdrhistogram.Histogram) Summary {
	if h == nil || h.TotalCount() == 0 {
		return Summary{}
	}
	return Summary{
		Min:    h.Min(),
		Mean:   h.Mean(),
		StdDev: h.StdDev(),
		P50:    h.ValueAtQuantile(50),
		P90:    h.ValueAtQuantile(90),
		P99:    h.ValueAtQuantile(99),
		P999:   h.ValueAtQuantile(99.9),
		P9999:  h.ValueAtQuantile(99.99),
		Max:    h.Max(),
		Count:  h.TotalCount(),
	}
}

// Seconds converts float seconds, as JSON results hold durations, to a
// Duration, rounding to the nanosecond.
func Seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * 1e9))
}

// Milliseconds converts float milliseconds, as JSON results hold send
// lags, to a Duration, rounding to the nanosecond.
func Milliseconds(ms float64) time.Duration {
	return time.Duration(math.Round(ms * 1e6))
}
