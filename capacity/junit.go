package capacity

import (
	"fmt"
	"time"

	"github.com/gigadex/gigadex/report"
)

// TestSuite returns the search as a JUnit test suite named name: a case
// "capacity" that fails when no rate passed or the search was interrupted,
// and one case per SLO term with its value at the capacity (the step that
// passed at the highest rate), or, when none passed, at the first step,
// which then broke it.
func (r *Result) TestSuite(name string) report.TestSuite {
	s := report.TestSuite{Name: name, Start: r.Start, Elapsed: r.Elapsed, Properties: [][2]string{
		{"command", "capacity"}, {"addr", r.Addr}, {"connections", fmt.Sprint(r.Connections)},
		{"slo", r.SLO.String()}, {"stop", r.Stop.String()},
	}}
	verdict := report.TestCase{Class: "capacity", Name: "capacity", Measured: FormatRate(r.Capacity) + " msgs/s",
		Limit: "a rate that meets the SLO " + r.SLO.String()}
	if r.Capacity <= 0 || r.Interrupted {
		verdict.Failed, verdict.Message = true, r.Line()
	}
	s.Cases = append(s.Cases, verdict)
	at := r.Best()
	if at == nil && len(r.Steps) > 0 {
		at = &r.Steps[0]
	}
	for _, t := range r.SLO {
		c := report.TestCase{Class: "slo", Name: t.Expr, Limit: t.Threshold.Op + " " + FormatLatency(time.Duration(t.Threshold.Value))}
		switch {
		case at == nil || at.Run == nil || !at.Run.Measured():
			c.Measured, c.Failed = "nothing (no step measured a round trip)", true
		default:
			c.Measured = fmt.Sprintf("%s at %s msgs/s (step %d)", FormatLatency(at.Latency(t.Threshold.Metric)), FormatRate(at.Target), at.Index)
			c.Failed = !t.Holds(at.Run.RTT)
		}
		if c.Failed {
			c.Message = fmt.Sprintf("%s: measured %s, limit %s", t.Expr, c.Measured, c.Limit)
		}
		s.Cases = append(s.Cases, c)
	}
	return s
}
