package prom

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gigadex/gigadex/echo"
)

// buckets is a histogram with the bounds of [echo.ServiceTimes]: counts
// per bucket (not cumulative) and the sum of the values in seconds.
type buckets struct {
	counts [echo.ServiceBuckets]uint64
	sum    float64
}

// addHDR adds the values of h, in ns, each at its bucket's lowest value.
func (b *buckets) addHDR(h *hdrhistogram.PackedHistogram) {
	h.ForEachBucket(func(v, n int64) bool {
		b.counts[echo.ServiceBucket(time.Duration(v))] += uint64(n)
		b.sum += float64(v) * float64(n) / 1e9
		return true
	})
}

// addService adds an echo server's service times.
func (b *buckets) addService(st *echo.ServiceTimes) {
	for i, n := range st.Counts {
		b.counts[i] += uint64(n)
	}
	b.sum += st.Sum.Seconds()
}

// metric returns b as a Prometheus histogram of desc.
func (b *buckets) metric(desc *prometheus.Desc, labels ...string) prometheus.Metric {
	cum := make(map[float64]uint64, echo.ServiceBuckets-1)
	var n uint64
	for i, c := range b.counts {
		n += c
		if bound := echo.ServiceBound(i); bound >= 0 {
			cum[bound.Seconds()] = n
		}
	}
	return prometheus.MustNewConstHistogram(desc, n, b.sum, cum, labels...)
}
