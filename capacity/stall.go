package capacity

import (
	"fmt"

	"github.com/gigadex/gigadex/report"
)

// minStallSeconds is how many per-second intervals a step needs before a
// failure can be put down to one of them.
const minStallSeconds = 3

// singleStall reports whether a step that failed slo failed because of one
// burst: exactly one second of the step's per-second intervals breaks slo
// on its own, and the other seconds taken together meet it. The note names
// that second. Steps with fewer than minStallSeconds seconds never qualify.
func singleStall(run *report.Run, slo SLO) (string, bool) {
	if run == nil {
		return "", false
	}
	ivs, err := report.SelectStream(run.Intervals, "")
	if err != nil {
		return "", false
	}
	var seconds [][]report.Interval // the intervals of each second, in order
	for _, iv := range ivs {
		if n := len(seconds); n > 0 && seconds[n-1][0].StartMs == iv.StartMs {
			seconds[n-1] = append(seconds[n-1], iv)
			continue
		}
		seconds = append(seconds, []report.Interval{iv})
	}
	if len(seconds) < minStallSeconds {
		return "", false
	}
	bad := -1
	var rest []report.Interval
	for i, sec := range seconds {
		r, err := report.FromIntervals(sec)
		if err != nil {
			return "", false
		}
		if len(slo.Failed(r.RTT)) == 0 {
			rest = append(rest, sec...)
			continue
		}
		if bad >= 0 {
			return "", false // more than one second fails
		}
		bad = i
	}
	if bad < 0 || len(rest) == 0 {
		return "", false
	}
	r, err := report.FromIntervals(rest)
	if err != nil || len(slo.Failed(r.RTT)) > 0 {
		return "", false
	}
	return fmt.Sprintf("one stall: second %d of %d alone broke the SLO, the other %d met it", bad+1, len(seconds), len(seconds)-1), true
}
