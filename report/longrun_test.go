package report

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// longRun builds a run of secs seconds on conns connections with two tags
// and perSec RTTs per connection and second, through Recorders as the load
// drivers do.
func longRun(t testing.TB, secs, conns, perSec int) *Run {
	t.Helper()
	r := NewRun("flood", "127.0.0.1:7000", conns)
	r.Env = fixtureEnv
	r.Start = fixtureStart
	r.Elapsed = time.Duration(secs) * time.Second
	base := time.Now()
	for c := range conns {
		rec := NewRecorder(base, fixtureStart, []string{"order", "cancel"})
		for i, v := range rttSamples(uint64(c), secs*perSec, 20_000) {
			rec.Record(i%2, base.Add(time.Duration(i)*time.Second/time.Duration(perSec)), v)
		}
		rec.Finish(base.Add(r.Elapsed))
		if err := r.AddRecorder(rec); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestLongRunHeap checks that a 10-minute run stays small in memory: its
// 1,200 intervals (600 seconds, 2 tags) would take 266 MB as dense
// histograms and take about 3 MB sparse. The same holds after a JSON round
// trip and a merge.
func TestLongRunHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 600-second run")
	}
	if raceEnabled {
		t.Skip("the race detector makes compressing 1,200 histograms take 10 s")
	}
	const limit = 24 << 20
	before := liveHeap()
	r := longRun(t, 600, 2, 500)
	afterRun := liveHeap()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	r2, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	afterRead := liveHeap()
	r2.Addr = "agent-2:7000" // another agent's run of the same shape: Merge refuses one run given twice
	m, err := Merge(r, r2)
	if err != nil {
		t.Fatal(err)
	}
	afterMerge := liveHeap()
	if len(r.Intervals) != 1200 || len(m.Intervals) != 1200 {
		t.Fatalf("got %d and %d merged intervals, want 1200", len(r.Intervals), len(m.Intervals))
	}
	t.Logf("heap for 1200 intervals: run %.1f MB, read back %.1f MB, merged %.1f MB",
		float64(afterRun-before)/1e6, float64(afterRead-afterRun)/1e6, float64(afterMerge-afterRead)/1e6)
	for _, c := range []struct {
		what string
		n    int64
	}{{"run", afterRun - before}, {"read back", afterRead - afterRun}, {"merged", afterMerge - afterRead}} {
		if c.n > limit {
			t.Errorf("%s: %.1f MB of heap, want at most %d MB", c.what, float64(c.n)/1e6, limit>>20)
		}
	}
	runtime.KeepAlive(r)
	runtime.KeepAlive(r2)
	runtime.KeepAlive(m)
}
