package capacity

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/report"
)

func TestWriteStepsCSV(t *testing.T) {
	run := report.NewRun("capacity", "127.0.0.1:1", 2)
	for _, v := range []int64{1000, 2000, 3000, 4000} {
		if err := run.RTT.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	run.Sent, run.Received, run.Errors = 4, 4, 0
	r := &Result{Steps: []Step{
		{Index: 1, Target: 1000, Length: 4 * time.Millisecond, Window: 8, Run: run, Outcome: Pass},
		{Index: 2, Target: 2000.5, Window: 16, Outcome: FailSLO, Failed: []string{"p99<1us", "errors"}},
	}}
	var b strings.Builder
	if err := WriteStepsCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"step", "target_msgs_per_sec", "achieved_msgs_per_sec", "window", "outcome", "failed", "sent", "received", "errors", "p50_ns", "p99_ns", "p99_9_ns", "max_ns"},
		{"1", "1000", "1000.0", "8", "pass", "", "4", "4", "0", "2000", "4001", "4001", "4001"}, // HDR: the highest value equivalent to 4000,
		{"2", "2000.5", "0.0", "16", "fail", "p99<1us;errors", "0", "0", "0", "", "", "", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), b.String())
	}
	for i := range want {
		if strings.Join(rows[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}
