package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/capacity"
	"github.com/gigadex/gigadex/report/plot"
)

// plotCapacity draws a capacity result to w with plot.Capacity: the
// p50, p99 and p99.9 RTT of each measured step against the throughput it
// achieved, the SLO bounds and the capacity. format is "png" or "svg".
func plotCapacity(w io.Writer, format string, res *capacity.Result) error {
	c := plot.CapacityChart{
		Title: "RTT against throughput, SLO " + res.SLO.String(),
		FormatRate: func(v float64) string {
			return strings.TrimSuffix(strings.ReplaceAll(capacity.FormatRate(v), ".0 ", " "), ".0")
		},
	}
	if res.Capacity > 0 {
		c.Title = fmt.Sprintf("Capacity %s msgs/s under SLO %s", capacity.FormatRate(res.Capacity), res.SLO.String())
	}
	for i := range res.Steps {
		s := &res.Steps[i]
		if s.Outcome == capacity.Incomplete || s.Run == nil || s.Run.RTT == nil || s.Run.RTT.TotalCount() == 0 || s.Achieved() <= 0 {
			continue
		}
		c.Points = append(c.Points, plot.CapacityPoint{Rate: s.Achieved(),
			P50: s.Latency("p50"), P99: s.Latency("p99"), P999: s.Latency("p99.9")})
	}
	for _, t := range res.SLO {
		c.SLO = append(c.SLO, plot.SLOBound{Label: t.Expr, Value: time.Duration(t.Threshold.Value)})
	}
	if b := res.Best(); b != nil {
		c.Capacity = b.Achieved()
		c.CapacityLabel = fmt.Sprintf("capacity %s msgs/s", capacity.FormatRate(res.Capacity))
	}
	return plot.Capacity(w, format, c)
}

// reportPlotCapacity is report plot's path for capacity results: when the
// inputs hold a gigadex.capacity/v1 document it plots that one and reports
// true.
func reportPlotCapacity(c *cli.Context, ins []reportInput, out string, overTime bool) (bool, error) {
	var found []*capacity.Result
	for _, in := range ins {
		if in.capacity != nil {
			found = append(found, in.capacity)
		}
	}
	switch {
	case len(found) == 0:
		return false, nil
	case len(ins) > 1:
		return true, usagef("report plot: a capacity result is plotted on its own: give one RESULT")
	case overTime:
		return true, usagef("report plot: --over-time does not apply to a capacity result")
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
	return true, reportFail("plot", writeOutput(c, out, func(w io.Writer) error { return plotCapacity(w, format, found[0]) }))
}
