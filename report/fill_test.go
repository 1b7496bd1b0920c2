package report

import (
	"bytes"
	"testing"
	"time"
)

// fillRun returns a run with RTTs of rtt and fills of fill, and n
// unsolicited trades.
func fillRun(t *testing.T, rtt, fill time.Duration, n int64) *Run {
	t.Helper()
	base := time.Unix(1_700_000_000, 0)
	rec := NewRecorder(base, base, []string{"order"})
	for i := range 100 {
		at := base.Add(time.Duration(i) * 20 * time.Millisecond)
		rec.Record(0, at, int64(rtt))
		rec.RecordFill(at, int64(fill))
	}
	rec.Finish(base.Add(2 * time.Second))
	r := NewRun("flood", "127.0.0.1:1", 1)
	r.Start, r.Elapsed, r.Sent, r.Received = base, 2*time.Second, 100, 100
	if err := r.AddRecorder(rec); err != nil {
		t.Fatal(err)
	}
	r.Unsolicited = map[string]int64{"trade": n}
	return r
}

func TestRecordFillApartFromRTT(t *testing.T) {
	r := fillRun(t, 10*time.Microsecond, 3*time.Millisecond, 5)
	if r.RTT.TotalCount() != 100 || r.RTT.Max() > int64(11*time.Microsecond) {
		t.Errorf("rtt: %d values, max %d: fills leaked in", r.RTT.TotalCount(), r.RTT.Max())
	}
	if r.Fill.TotalCount() != 100 || r.Fill.ValueAtQuantile(50) < int64(2*time.Millisecond) {
		t.Errorf("fill: %d values, p50 %d", r.Fill.TotalCount(), r.Fill.ValueAtQuantile(50))
	}
	fills := int64(0)
	for _, iv := range r.Intervals {
		if iv.Tag == FillTag {
			fills += iv.Hist.TotalCount()
		}
	}
	if fills != 100 {
		t.Errorf("fill intervals hold %d values, want 100", fills)
	}
}

func TestFillJSONMergeCompare(t *testing.T) {
	a := fillRun(t, 10*time.Microsecond, 3*time.Millisecond, 5)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, a); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Fill.Equals(a.Fill) || back.Unsolicited["trade"] != 5 {
		t.Fatalf("read back: fill equal %v, unsolicited %v", back.Fill.Equals(a.Fill), back.Unsolicited)
	}
	b := fillRun(t, 10*time.Microsecond, 9*time.Millisecond, 7)
	b.Addr = "127.0.0.1:2" // another agent of the same run
	m, err := Merge(back, b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Fill.TotalCount() != 200 || m.Unsolicited["trade"] != 12 {
		t.Errorf("merge: %d fills, unsolicited %v; want 200, 12 trades", m.Fill.TotalCount(), m.Unsolicited)
	}
	limits, err := ParseLimits("fill_p99=10%")
	if err != nil {
		t.Fatal(err)
	}
	c := Compare(a, b, limits, 0)
	var got *Delta
	for i := range c.Deltas {
		if c.Deltas[i].Metric == "fill_p99" {
			got = &c.Deltas[i]
		}
	}
	if got == nil || got.Verdict != VerdictRegressed {
		t.Fatalf("compare: fill_p99 delta %+v, want a regression", got)
	}
	if c := Compare(NewRun("flood", "x", 1), NewRun("flood", "x", 1), Limits{}, 0); len(c.Deltas) != len(CompareMetrics) {
		t.Errorf("runs without fills: %d metrics compared, want %d", len(c.Deltas), len(CompareMetrics))
	}
}
