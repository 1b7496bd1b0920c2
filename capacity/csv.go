package capacity

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gigadex/gigadex/report"
)

// WriteStepsCSV writes the steps of r as CSV, one row per step after a
// header:
//
//	step,target_msgs_per_sec,achieved_msgs_per_sec,window,outcome,failed,sent,received,errors,p50_ns,p99_ns,p99_9_ns,max_ns
//
// outcome is the step's [Outcome] ("pass", "fail", ...); failed lists the SLO terms
// the step broke, separated by ";"; the latencies are whole nanoseconds of
// the RTT the SLO judged (corrected for coordinated omission), empty for a
// step that recorded none. A search with no steps gives the header alone.
func WriteStepsCSV(w io.Writer, r *Result) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"step", "target_msgs_per_sec", "achieved_msgs_per_sec", "window", "outcome", "failed",
		"sent", "received", "errors", "p50_ns", "p99_ns", "p99_9_ns", "max_ns"})
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for i := range r.Steps {
		s := &r.Steps[i]
		row := []string{strconv.Itoa(s.Index), num(s.Target), strconv.FormatFloat(s.Achieved(), 'f', 1, 64),
			strconv.Itoa(s.Window), s.Outcome.String(), strings.Join(s.Failed, ";")}
		run := s.Run
		if run == nil {
			run = report.NewRun("capacity", "", 0)
		}
		row = append(row, strconv.FormatInt(run.Sent, 10), strconv.FormatInt(run.Received, 10), strconv.FormatInt(run.Errors, 10))
		if run.RTT != nil && run.RTT.TotalCount() > 0 {
			h := run.RTT
			row = append(row, strconv.FormatInt(h.ValueAtQuantile(50), 10), strconv.FormatInt(h.ValueAtQuantile(99), 10),
				strconv.FormatInt(h.ValueAtQuantile(99.9), 10), strconv.FormatInt(h.Max(), 10))
		} else {
			row = append(row, "", "", "", "")
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("capacity: write csv: %w", err)
	}
	return nil
}
