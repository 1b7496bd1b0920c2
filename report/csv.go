package report

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// AllTags is the tag of the rows of [WriteSecondsCSV] that hold every
// message type of a second together.
const AllTags = "all"

// WriteSecondsCSV writes the per-second RTTs of r as CSV, one row per
// second and tag after a header:
//
//	time,tag,count,p50_ns,p99_ns,p99_9_ns,max_ns
//
// time is the interval's start, UTC RFC 3339 with milliseconds; tag is
// [AllTags] for the row of all message types together (first in each
// second), then each message type; count is the round trips of that
// second; latencies are whole nanoseconds. A run with no per-second
// intervals gives the header alone.
func WriteSecondsCSV(w io.Writer, r *Run) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "tag", "count", "p50_ns", "p99_ns", "p99_9_ns", "max_ns"})
	if len(r.Intervals) > 0 {
		all, err := Untagged(r.Intervals)
		if err != nil {
			return fmt.Errorf("report: write csv: %w", err)
		}
		for i := range all {
			all[i].Tag = AllTags
		}
		rows := SummarizeSeconds(all)
		var tagged []Interval
		for _, iv := range r.Intervals {
			if iv.Tag != "" {
				tagged = append(tagged, iv)
			}
		}
		if len(tagged) > 0 {
			rows = append(rows, SummarizeSeconds(tagged)...)
			sortSeconds(rows)
		}
		for _, s := range rows {
			_ = cw.Write([]string{
				time.UnixMilli(s.StartMs).UTC().Format("2006-01-02T15:04:05.000Z07:00"), s.Tag,
				strconv.FormatInt(s.Count, 10), strconv.FormatInt(s.P50, 10), strconv.FormatInt(s.P99, 10),
				strconv.FormatInt(s.P999, 10), strconv.FormatInt(s.Max, 10),
			})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	return nil
}

// sortSeconds orders rows by second (StartMs/1000), the AllTags row of a
// second first and then the tags in name order, keeping rows that start
// in the same second together.
func sortSeconds(rows []Second) {
	rank := func(s Second) int {
		if s.Tag == AllTags {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(rows, func(a, b Second) int {
		return cmp.Or(cmp.Compare(floorDiv(a.StartMs, 1000), floorDiv(b.StartMs, 1000)), cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Tag, b.Tag))
	})
}

// WriteSpectrumCSV writes the RTT percentile spectrum of r as CSV, the
// steps of a .hgrm file after a header:
//
//	percentile,value_ns,count,inverse
//
// percentile is 0 to 100; value_ns the RTT at or below which that share
// of round trips fall, whole nanoseconds; count how many; inverse is
// 1/(1-percentile/100), HdrHistogram's plotting axis, empty for the last
// step (100%).
func WriteSpectrumCSV(w io.Writer, r *Run) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"percentile", "value_ns", "count", "inverse"})
	for _, p := range Spectrum(r.RTT) {
		inv := ""
		if p.Percentile < 100 {
			inv = strconv.FormatFloat(1/(1-p.Percentile/100), 'f', 2, 64)
		}
		_ = cw.Write([]string{strconv.FormatFloat(p.Percentile, 'f', -1, 64), strconv.FormatInt(p.ValueNs, 10),
			strconv.FormatInt(p.Count, 10), inv})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	return nil
}
