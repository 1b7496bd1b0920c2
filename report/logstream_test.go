package report

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
)

// readStream reads log and returns its intervals split into the untagged
// stream and the tagged ones.
func readStream(t *testing.T, log string) (untagged, tagged []Interval) {
	t.Helper()
	ivs, err := ReadHistogramLog(strings.NewReader(log), WithWarnings(func(m string) { t.Errorf("warning: %s", m) }))
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	for _, iv := range ivs {
		if iv.Tag == "" {
			untagged = append(untagged, iv)
		} else {
			tagged = append(tagged, iv)
		}
	}
	return untagged, tagged
}

// totalCount sums the counts of ivs.
func totalCount(ivs []Interval) int64 {
	var n int64
	for _, iv := range ivs {
		n += iv.Hist.TotalCount()
	}
	return n
}

// TestLogStreamMatchesRun records on three connections at once, each in
// its own goroutine, into recorders that stream to a log, and checks that
// the log holds exactly the intervals that the Run built from the same
// recorders holds, plus an untagged stream that sums them.
func TestLogStreamMatchesRun(t *testing.T) {
	var buf testutil.Buffer
	start := time.Date(2025, 3, 4, 5, 6, 7, 250e6, time.UTC)
	s := NewLogStream(&buf, "gigadex test", time.Hour) // only recorders moving on release a second
	base := time.Now()
	recs := make([]*Recorder, 3)
	for i := range recs {
		recs[i] = NewRecorder(base, start, fixtureTags, WithLogStream(s))
	}
	var wg sync.WaitGroup
	for c, rec := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, v := range rttSamples(uint64(c), 4500, 20_000) {
				rec.Record(i%3, base.Add(time.Duration(i)*time.Second*4/4500), v)
			}
			rec.Finish(base.Add(3500*time.Millisecond + time.Duration(c)*time.Millisecond))
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := NewRun("ping", "", 3)
	for _, rec := range recs {
		if err := r.AddRecorder(rec); err != nil {
			t.Fatal(err)
		}
	}
	untagged, tagged := readStream(t, buf.String())
	if len(tagged) != len(r.Intervals) {
		t.Fatalf("log has %d tagged intervals, the run %d", len(tagged), len(r.Intervals))
	}
	for i, w := range r.Intervals {
		g := tagged[i]
		if g.Tag != w.Tag || g.StartMs != w.StartMs || g.EndMs != w.EndMs || !samePacked(g.Hist, w.Hist) {
			t.Errorf("interval %d: log {%q %d %d count %d}, run {%q %d %d count %d}", i,
				g.Tag, g.StartMs, g.EndMs, g.Hist.TotalCount(), w.Tag, w.StartMs, w.EndMs, w.Hist.TotalCount())
		}
	}
	// Four seconds, the last one partial, ending with the last recorder.
	if len(untagged) != 4 || untagged[0].StartMs != start.UnixMilli() || untagged[3].EndMs != start.UnixMilli()+3502 {
		t.Errorf("untagged intervals %d, first start %d, last end %d; want 4 from %d to %d", len(untagged),
			untagged[0].StartMs, untagged[len(untagged)-1].EndMs, start.UnixMilli(), start.UnixMilli()+3502)
	}
	if n := totalCount(untagged); n != r.RTT.TotalCount() || n != 3*4500 {
		t.Errorf("untagged stream holds %d values, the run %d", n, r.RTT.TotalCount())
	}
	if !strings.Contains(buf.String(), "#[StartTime: 1741064767.250 ") || !strings.Contains(buf.String(), "#[BaseTime: 1741064767.250 ") {
		t.Errorf("StartTime and BaseTime are not the window's start:\n%.400s", buf.String())
	}
	if s.Late() != 0 {
		t.Errorf("%d late intervals", s.Late())
	}
}

// TestLogStreamWritesAsItGoes checks that closed seconds are in the log,
// in whole lines that a reader takes, before the run ends.
func TestLogStreamWritesAsItGoes(t *testing.T) {
	var buf testutil.Buffer
	s := NewLogStream(&buf, "gigadex test", time.Hour)
	base := time.Now()
	rec := NewRecorder(base, time.Unix(1_700_000_000, 0), []string{"heartbeat"}, WithLogStream(s))
	for i := range 4 {
		rec.Record(0, base.Add(time.Duration(i)*time.Second), 1000)
	}
	// Seconds 0, 1 and 2 are closed; 3 is open.
	deadline := time.Now().Add(10 * time.Second)
	for {
		untagged, _ := readStream(t, buf.String())
		if len(untagged) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the log holds %d seconds, want the 3 closed ones:\n%s", len(untagged), buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	rec.Finish(base.Add(3500 * time.Millisecond))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	untagged, tagged := readStream(t, buf.String())
	if len(untagged) != 4 || len(tagged) != 4 || untagged[3].EndMs-untagged[3].StartMs != 500 {
		t.Errorf("after Close: %d untagged and %d tagged intervals, want 4 each, the last 500 ms long", len(untagged), len(tagged))
	}
}

// TestLogStreamIdleRecorder checks that a recorder that records nothing
// holds a second back only for the grace period, and that what it hands
// over late is still written.
func TestLogStreamIdleRecorder(t *testing.T) {
	var buf testutil.Buffer
	var fakeNow atomic.Int64 // Unix ms
	start := time.Unix(1_700_000_000, 0)
	fakeNow.Store(start.UnixMilli())
	s := newLogStream(&buf, "gigadex test", time.Second, func() time.Time { return time.UnixMilli(fakeNow.Load()) })
	base := time.Now()
	busy := NewRecorder(base, start, nil, WithLogStream(s))
	idle := NewRecorder(base, start, nil, WithLogStream(s))
	idle.Record(0, base, 5000) // second 0, then nothing
	for i := range 5 {
		busy.Record(0, base.Add(time.Duration(i)*time.Second), 1000)
	}
	// The idle recorder holds second 0 back until its grace has passed.
	time.Sleep(50 * time.Millisecond)
	if u, _ := readStream(t, buf.String()); len(u) != 0 {
		t.Fatalf("%d seconds written before the grace period passed", len(u))
	}
	fakeNow.Add(1000)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if u, _ := readStream(t, buf.String()); len(u) == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the idle recorder holds the log back:\n%s", buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	idle.Finish(base.Add(4500 * time.Millisecond))
	busy.Finish(base.Add(4500 * time.Millisecond))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	untagged, _ := readStream(t, buf.String())
	if n := totalCount(untagged); n != 6 || s.Late() != 1 {
		t.Errorf("log holds %d values with %d late intervals, want all 6 with 1 late", n, s.Late())
	}
}

func TestLogStreamEmpty(t *testing.T) {
	var buf testutil.Buffer
	s := NewLogStream(&buf, "gigadex test", 0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "#[Histogram log format version 1.3]\n") || buf.Writes() != 1 {
		t.Errorf("an empty stream wrote %d times:\n%s", buf.Writes(), buf.String())
	}
}
