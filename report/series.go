package report

import (
	"github.com/HdrHistogram/hdrhistogram-go"
)

// SpectrumPoint is one step of a percentile spectrum: Percentile percent
// (0 to 100) of the values are at most ValueNs nanoseconds, Count of them.
type SpectrumPoint struct {
	Percentile float64
	ValueNs    int64
	Count      int64
}

// Spectrum returns the percentile spectrum of h at the steps of a .hgrm
// file ([PercentileTicks] per halving of the distance to 100%), the last
// step at 100%. It is empty for an empty or nil histogram.
func Spectrum(h *hdrhistogram.Histogram) []SpectrumPoint {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	bs := h.CumulativeDistributionWithTicks(PercentileTicks)
	out := make([]SpectrumPoint, len(bs))
	for i, b := range bs {
		out[i] = SpectrumPoint{Percentile: b.Quantile, ValueNs: b.ValueAt, Count: b.Count}
	}
	return out
}

// Second is the summary of one interval of a run: the round trips of one
// tag ("" for all message types together) in one second, latencies in
// nanoseconds. StartMs and EndMs are Unix times in milliseconds.
type Second struct {
	Tag                 string
	StartMs, EndMs      int64
	Count               int64
	P50, P99, P999, Max int64
}

// SummarizeSeconds summarizes intervals, in their order.
func SummarizeSeconds(ivs []Interval) []Second {
	out := make([]Second, 0, len(ivs))
	for _, iv := range ivs {
		s := Second{Tag: iv.Tag, StartMs: iv.StartMs, EndMs: iv.EndMs}
		if h := iv.Hist; h != nil && h.TotalCount() > 0 {
			s.Count = h.TotalCount()
			s.P50, s.P99, s.P999, s.Max = h.ValueAtPercentile(50), h.ValueAtPercentile(99), h.ValueAtPercentile(99.9), h.Max()
		}
		out = append(out, s)
	}
	return out
}

// Untagged returns the intervals of all tags of each second merged into
// one untagged interval per second, ordered by time. Intervals that are
// untagged already are taken as they are, alone: a histogram log holds
// every value once untagged and once more under its tag.
func Untagged(ivs []Interval) ([]Interval, error) {
	all, err := SelectStream(ivs, "")
	if err != nil {
		return nil, err
	}
	untagged := make([]Interval, len(all))
	for i, iv := range all {
		untagged[i] = iv
		untagged[i].Tag = ""
	}
	return MergeIntervals(untagged)
}
