package report

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// sampleRun records samples through a Recorder into a run that starts at
// start and lasts elapsed, with one tag, one sample per millisecond.
func sampleRun(t *testing.T, samples []int64, start time.Time, elapsed time.Duration) *Run {
	t.Helper()
	r := NewRun("ping", "127.0.0.1:7000", 1)
	r.Env = fixtureEnv
	r.Start, r.Elapsed = start, elapsed
	base := time.Now()
	rec := NewRecorder(base, start, []string{"order"})
	for i, v := range samples {
		rec.Record(0, base.Add(time.Duration(i)*time.Millisecond), v)
	}
	rec.Finish(base.Add(elapsed))
	if err := r.AddRecorder(rec); err != nil {
		t.Fatal(err)
	}
	r.Sent, r.Received = int64(len(samples)), int64(len(samples))
	r.BytesSent, r.BytesReceived = 52*r.Sent, 52*r.Received
	r.PerConn = []ConnStats{{Conn: 0, Sent: r.Sent, Received: r.Received}}
	return r
}

func TestMergeMatchesConcatenatedSamples(t *testing.T) {
	a := rttSamples(11, 2500, 20_000)
	b := rttSamples(12, 1500, 35_000)
	ra := sampleRun(t, a, fixtureStart, 4*time.Second)
	rb := sampleRun(t, b, fixtureStart.Add(time.Second), 2*time.Second)
	m, err := Merge(ra, rb)
	if err != nil {
		t.Fatal(err)
	}
	all := NewHistogram()
	for _, v := range append(append([]int64{}, a...), b...) {
		if err := all.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	if !m.RTT.Equals(all) {
		t.Errorf("merged histogram differs from one fed the concatenated samples")
	}
	for _, q := range []float64{50, 90, 99, 99.9, 99.99, 100} {
		if got, want := m.RTT.ValueAtQuantile(q), all.ValueAtQuantile(q); got != want {
			t.Errorf("p%g = %d, want %d", q, got, want)
		}
	}
	if got, want := m.Received, int64(len(a)+len(b)); got != want || m.Sent != want || m.RTT.TotalCount() != want {
		t.Errorf("counts: received %d sent %d rtt %d, want %d", m.Received, m.Sent, m.RTT.TotalCount(), want)
	}
	if m.Connections != 2 || len(m.PerConn) != 2 || m.PerConn[1].Conn != 1 {
		t.Errorf("connections %d, per-connection %+v; want 2 renumbered", m.Connections, m.PerConn)
	}
	// Window: where both ran, from a+1s to a+3s.
	if !m.Start.Equal(fixtureStart.Add(time.Second)) || m.Elapsed != 2*time.Second {
		t.Errorf("window %v + %v, want %v + 2s", m.Start, m.Elapsed, fixtureStart.Add(time.Second))
	}
	// Rates: each input's own rate, summed: 2500/4 + 1500/2.
	if got, want := m.MsgsPerSec(), 2500.0/4+1500.0/2; math.Abs(got-want) > 1e-9 {
		t.Errorf("msgs/s = %v, want %v", got, want)
	}
	if got, want := m.BytesPerSec(), 52*(2500.0/4+1500.0/2); math.Abs(got-want) > 1e-9 {
		t.Errorf("bytes/s = %v, want %v", got, want)
	}
	// Intervals of the same second are merged; every sample is in one.
	var n int64
	for _, iv := range m.Intervals {
		n += iv.Hist.TotalCount()
	}
	if n != int64(len(a)+len(b)) {
		t.Errorf("intervals hold %d samples, want %d", n, len(a)+len(b))
	}
	if m.Uncorrected != nil {
		t.Errorf("closed-loop merge has an uncorrected histogram")
	}
	if ra.RTT.TotalCount() != int64(len(a)) {
		t.Errorf("Merge modified its input")
	}
}

func TestMergeUncorrected(t *testing.T) {
	a, b := fixtureRun(1, 1000), fixtureRun(2, 1000)
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Uncorrected == nil || m.Uncorrected.TotalCount() != a.Uncorrected.TotalCount()+b.Uncorrected.TotalCount() {
		t.Fatalf("uncorrected histograms not added")
	}
	if m.TargetRate != 2000 {
		t.Errorf("target rate %v, want 2000", m.TargetRate)
	}
	m, err = Merge(a, fixtureRun(3, 0))
	if err != nil {
		t.Fatal(err)
	}
	if m.Uncorrected != nil {
		t.Errorf("Uncorrected set although one input has none")
	}
}

func TestMergeRefuses(t *testing.T) {
	other := fixtureRun(2, 0)
	other.RTT = hdrhistogram.New(1000, HighestNs, 2)
	apart := fixtureRun(2, 0)
	apart.Start = fixtureStart.Add(time.Hour)
	tests := []struct {
		name string
		runs []*Run
		want error
		msg  string
	}{
		{"settings differ", []*Run{fixtureRun(1, 0), other}, errSettings, "settings differ"},
		{"windows apart", []*Run{fixtureRun(1, 0), apart}, nil, "do not overlap"},
		{"nothing", nil, nil, "no runs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Merge(tt.runs...)
			if err == nil {
				t.Fatalf("Merge succeeded: %+v", m)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v is not %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestMergeIntervalsByTagAndSecond(t *testing.T) {
	h := func(vs ...int64) *hdrhistogram.PackedHistogram {
		out := NewPackedHistogram()
		for _, v := range vs {
			_ = out.RecordValue(v)
		}
		return out
	}
	const s = 1_700_000_000_000
	a := []Interval{
		{Tag: "order", StartMs: s, EndMs: s + 1000, Hist: h(1, 2)},
		{Tag: "cancel", StartMs: s, EndMs: s + 1000, Hist: h(3)},
		{Tag: "order", StartMs: s + 1000, EndMs: s + 2000, Hist: h(4)},
	}
	b := []Interval{
		{Tag: "order", StartMs: s + 300, EndMs: s + 1300, Hist: h(5)}, // same second as a's first
		{Tag: "order", StartMs: s + 2000, EndMs: s + 2500, Hist: h(6)},
	}
	got, err := MergeIntervals(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		tag        string
		start, end int64
		count      int64
	}{
		{"cancel", s, s + 1000, 1},
		{"order", s, s + 1300, 3},
		{"order", s + 1000, s + 2000, 1},
		{"order", s + 2000, s + 2500, 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d intervals, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Tag != w.tag || g.StartMs != w.start || g.EndMs != w.end || g.Hist.TotalCount() != w.count {
			t.Errorf("interval %d: got {%s %d %d %d}, want %+v", i, g.Tag, g.StartMs, g.EndMs, g.Hist.TotalCount(), w)
		}
	}
	if a[0].Hist.TotalCount() != 2 {
		t.Errorf("MergeIntervals modified its input")
	}
	bad := []Interval{{Tag: "order", StartMs: s, EndMs: s + 1000, Hist: hdrhistogram.NewPacked(1, 1000, 2)}}
	if _, err := MergeIntervals(a, bad); !errors.Is(err, errSettings) {
		t.Errorf("mismatched interval settings: got %v, want %v", err, errSettings)
	}
}

func TestFromIntervals(t *testing.T) {
	r := fixtureRun(4, 0)
	got, err := FromIntervals(r.Intervals)
	if err != nil {
		t.Fatal(err)
	}
	if !got.RTT.Equals(r.RTT) || got.Received != r.RTT.TotalCount() {
		t.Errorf("run from intervals: rtt count %d, want %d", got.RTT.TotalCount(), r.RTT.TotalCount())
	}
	if !got.Start.Equal(fixtureStart) || got.Elapsed != 3*time.Second {
		t.Errorf("window %v + %v, want %v + 3s", got.Start, got.Elapsed, fixtureStart)
	}
	if _, err := FromIntervals(nil); err == nil {
		t.Errorf("FromIntervals(nil) succeeded")
	}
}

func TestAddRecorderRefusesSettings(t *testing.T) {
	r := &Run{RTT: hdrhistogram.New(1, 1_000_000, 2)}
	rec := NewRecorder(time.Now(), fixtureStart, nil)
	rec.Record(0, time.Now(), 5)
	rec.Finish(time.Now())
	if err := r.AddRecorder(rec); !errors.Is(err, errSettings) {
		t.Errorf("got %v, want %v", err, errSettings)
	}
}

func TestMergedRunJSONRoundTrip(t *testing.T) {
	m, err := Merge(fixtureRun(1, 0), fixtureRun(2, 0))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Merged == nil || *got.Merged != *m.Merged || got.MsgsPerSec() != m.MsgsPerSec() {
		t.Errorf("merged rates: got %+v, want %+v", got.Merged, m.Merged)
	}
}

func TestMergeRefusesTheSameRunTwice(t *testing.T) {
	a, b := fixtureRun(1, 0), fixtureRun(2, 0)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, a); err != nil {
		t.Fatal(err)
	}
	copyOfA, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	copyOfA.Tags = map[string]string{"agent": "other"} // labels do not make it another run
	_, err = Merge(a, b, copyOfA)
	var dup *DuplicateRunError
	if !errors.As(err, &dup) || dup.First != 0 || dup.Second != 2 {
		t.Fatalf("Merge(a, b, a again): %v, want a DuplicateRunError for runs 0 and 2", err)
	}
	// Runs measured at the same time with the same counts are different
	// runs when their histograms differ.
	if _, err := Merge(a, b); err != nil {
		t.Errorf("Merge(a, b): %v", err)
	}
}

// TestMergeRateAgentsDifferInOutcomesOnly merges rate-mode agents whose
// settings are the same and whose outcomes (late sends, send lag,
// reconnects) differ, from files that still carry outcomes in "config":
// the settings are kept as one and the outcomes combined.
func TestMergeRateAgentsDifferInOutcomesOnly(t *testing.T) {
	var runs []*Run
	for i, late := range []int64{0, 17} {
		r := fixtureRun(uint64(i+1), 2000)
		r.Config = map[string]any{"rate": 2000, "conns": 2, "duration": "3s", "late_sends": late, "max_send_lag_ms": 1.5 * float64(late), "reconnects": i}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		back, err := ReadJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, back)
	}
	m, err := Merge(runs...)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Config["inputs"]; ok || m.Config["rate"] != 2000.0 {
		t.Errorf("merged config %v, want the agents' common settings", m.Config)
	}
	if m.LateSends != 17 || m.MaxSendLag != 25500*time.Microsecond || m.Reconnects != 1 {
		t.Errorf("merged late sends %d, max lag %v, reconnects %d; want 17, 25.5ms, 1", m.LateSends, m.MaxSendLag, m.Reconnects)
	}
}
