package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/bits"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// PercentileTicks is the number of percentile steps per halving of the
// distance to 100% in a percentile spectrum, as in HdrHistogram's own
// output (outputPercentileDistribution(out, 5, ...)).
const PercentileTicks = 5

// WritePercentiles writes the RTT percentile spectrum of r in microseconds
// (the .hgrm format of [WriteHistogramPercentiles] with unit
// [time.Microsecond]).
func WritePercentiles(w io.Writer, r *Run) error {
	h := r.RTT
	if h == nil {
		h = NewHistogram()
	}
	return WriteHistogramPercentiles(w, h, time.Microsecond)
}

// WriteHistogramPercentiles writes the percentile spectrum of h, whose
// values are nanoseconds, in the .hgrm text format that Java's
// Histogram.outputPercentileDistribution writes and HdrHistogram's plotter
// reads: a header, one line per percentile step (Value, Percentile,
// TotalCount, 1/(1-Percentile)) and a summary footer. Values are divided by
// unit, so time.Microsecond gives µs; a last comment line states the unit.
// The lines are exactly those of Java's HistogramLogProcessor run with
// -outputValueUnitRatio set to unit in ns.
func WriteHistogramPercentiles(w io.Writer, h *hdrhistogram.Histogram, unit time.Duration) error {
	if unit <= 0 {
		return fmt.Errorf("report: percentiles: unit %v is not positive", unit)
	}
	scale := float64(unit)
	digits := h.SignificantFigures()
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")
	if h.TotalCount() > 0 {
		for _, b := range h.CumulativeDistributionWithTicks(PercentileTicks) {
			q := b.Quantile / 100
			if q < 1 {
				fmt.Fprintf(bw, "%12.*f %2.12f %10d %14.2f\n", digits, float64(b.ValueAt)/scale, q, b.Count, 1/(1-q))
			} else {
				fmt.Fprintf(bw, "%12.*f %2.12f %10d\n", digits, float64(b.ValueAt)/scale, q, b.Count)
			}
		}
	}
	buckets, subBuckets := bucketCounts(h)
	fmt.Fprintf(bw, "#[Mean    = %12.*f, StdDeviation   = %12.*f]\n", digits, h.Mean()/scale, digits, h.StdDev()/scale)
	fmt.Fprintf(bw, "#[Max     = %12.*f, Total count    = %12d]\n", digits, float64(h.Max())/scale, h.TotalCount())
	fmt.Fprintf(bw, "#[Buckets = %12d, SubBuckets     = %12d]\n", buckets, subBuckets)
	fmt.Fprintf(bw, "#[Value unit = %s (recorded ns / %.0f)]\n", unitName(unit), scale)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: percentiles: %w", err)
	}
	return nil
}

// unitName names a duration unit, writing µs as "us" for ASCII-only tools.
func unitName(d time.Duration) string {
	switch d {
	case time.Nanosecond:
		return "ns"
	case time.Microsecond:
		return "us"
	case time.Millisecond:
		return "ms"
	case time.Second:
		return "s"
	}
	return d.String()
}

// bucketCounts returns the bucket and sub-bucket counts of h, computed as
// HdrHistogram does, for the footer of a percentile spectrum.
func bucketCounts(h *hdrhistogram.Histogram) (buckets, subBuckets int64) {
	largest := 2 * math.Pow10(int(h.SignificantFigures()))
	subBuckets = 1 << int(math.Ceil(math.Log2(largest)))
	unitMagnitude := bits.Len64(uint64(max(h.LowestTrackableValue(), 1))) - 1
	smallestUntrackable := subBuckets << unitMagnitude
	buckets = 1
	for smallestUntrackable <= h.HighestTrackableValue() {
		if smallestUntrackable > math.MaxInt64/2 {
			return buckets + 1, subBuckets
		}
		smallestUntrackable <<= 1
		buckets++
	}
	return buckets, subBuckets
}
