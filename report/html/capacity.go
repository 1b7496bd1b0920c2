package html

import (
	"fmt"

	"github.com/gigadex/gigadex/capacity"
	"github.com/gigadex/gigadex/report"
)

// FromCapacity returns the section of a capacity search, named name: its
// verdict, SLO, steps (latency from the schedule) and generator.
func FromCapacity(name string, res *capacity.Result) Capacity {
	c := Capacity{Name: name, Verdict: res.Line(), Generator: &res.Generator}
	for _, t := range res.SLO {
		c.SLO = append(c.SLO, SLOBound{Label: t.Expr, ValueNs: int64(t.Threshold.Value)})
	}
	for i := range res.Steps {
		s := &res.Steps[i]
		st := Step{Index: s.Index, Target: s.Target, Achieved: s.Achieved(), Outcome: s.Outcome.String(), Failed: s.Failed}
		if s.Run != nil {
			sum := report.Summarize(s.Run.RTT)
			st.P50, st.P99, st.P999, st.Max, st.Errors = sum.P50, sum.P99, sum.P999, sum.Max, s.Run.Errors
		}
		c.Steps = append(c.Steps, st)
	}
	if b := res.Best(); b != nil {
		c.Capacity = b.Achieved()
	}
	c.Notes = append(c.Notes, fmt.Sprintf("%d connection(s), highest achieved %s msgs/s, worst send lag %s, %d sends more than %v late",
		res.Connections, capacity.FormatRate(res.MaxAchieved()), capacity.FormatLatency(res.MaxSendLag()), res.LateSends(), report.LateSend))
	if limited, advice := res.GeneratorLimited(); limited {
		c.Notes = append(c.Notes, "The generator is the limit: "+advice)
	}
	return c
}
