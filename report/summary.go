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
