package report_test

import (
	"fmt"
	"time"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/internal/fixture"
)

func ExampleRecorder() {
	base := time.Now()
	tags := []string{"heartbeat", "order"}
	rec := report.NewRecorder(base, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), tags)
	// The receiving goroutine of one connection records each reply.
	for i := range 2000 {
		now := base.Add(time.Duration(i) * time.Millisecond)
		rec.Record(i%2, now, int64(10_000+i))
	}
	rec.Finish(base.Add(2 * time.Second))

	run := report.NewRun("ping", "127.0.0.1:7000", 1)
	if err := run.AddRecorder(rec); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rtt count:", run.RTT.TotalCount())
	fmt.Println("rtt p50:", time.Duration(run.RTT.ValueAtQuantile(50)))
	for _, iv := range run.Intervals {
		fmt.Println(time.UnixMilli(iv.StartMs).UTC().Format(time.TimeOnly), iv.Tag, iv.Hist.TotalCount())
	}
	// Output:
	// rtt count: 2000
	// rtt p50: 10.999µs
	// 03:04:05 heartbeat 500
	// 03:04:05 order 500
	// 03:04:06 heartbeat 500
	// 03:04:06 order 500
}

func ExampleCompare() {
	base, cur := fixture.Linear(), fixture.Linear()
	cur.RTT.Reset()
	for i := int64(1); i <= 1000; i++ {
		_ = cur.RTT.RecordValue(i * 1300) // 30% slower
	}
	limits, _ := report.ParseLimits("p99=10%,msgs_per_sec=5%")
	c := report.Compare(base, cur, limits, 2*time.Microsecond)
	fmt.Println("regressed:", c.Regressed())
	for _, d := range c.Deltas {
		if d.HasLimit {
			fmt.Printf("%s %+.1f%% %s\n", d.Metric, d.Change, d.Verdict)
		}
	}
	// Output:
	// regressed: true
	// p99 +30.0% REGRESSED
	// msgs_per_sec +0.0% ok
}

func ExampleCheckThresholds() {
	var ths []report.Threshold
	for _, s := range []string{"p99<1ms", "p50<100us", "msgs_per_sec>500"} {
		th, err := report.ParseThreshold(s)
		if err != nil {
			fmt.Println(err)
			return
		}
		ths = append(ths, th)
	}
	lines, ok := report.CheckThresholds(fixture.Linear(), ths)
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Println("ok:", ok)
	// Output:
	// pass: p99 990.207µs < 1ms
	// FAIL: p50 500.223µs < 100µs
	// pass: msgs_per_sec 1000 > 500
	// ok: false
}

func ExampleParseMetric() {
	for _, name := range []string{"p99.999", "error_rate", "p101"} {
		m, err := report.ParseMetric(name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(m.Name, m.LowerIsBetter(), m.Format(m.Of(&report.Run{Sent: 1000, Errors: 1})))
	}
	// Output:
	// p99.999 true 0s
	// error_rate true 0.1%
	// report: unknown metric "p101" (known: any percentile (p50, p95, p99.9, p99.999, ...), max, mean, the same of order-to-fill latency (fill_p99, fill_max, ...), msgs_per_sec, bytes_per_sec, errors, error_rate)
}
