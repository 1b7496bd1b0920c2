package report

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func TestRecorderIntervals(t *testing.T) {
	base := time.Now()
	rec := NewRecorder(base, fixtureStart, []string{"a", "b"})
	// second 0: 3 of a, 1 of b; second 1: nothing; second 2: 2 of b.
	rec.Record(0, base, 1000)
	rec.Record(0, base.Add(100*time.Millisecond), 2000)
	rec.Record(1, base.Add(200*time.Millisecond), 3000)
	rec.Record(0, base.Add(999*time.Millisecond), 4000)
	rec.Record(1, base.Add(2100*time.Millisecond), 5000)
	rec.Record(1, base.Add(2500*time.Millisecond), HighestNs*2) // clamped, not dropped
	rec.Finish(base.Add(2750 * time.Millisecond))

	if got, want := rec.Count(), int64(6); got != want {
		t.Fatalf("Count() = %d, want %d", got, want)
	}
	if got := rec.Histogram().Max(); !rec.Histogram().ValuesAreEquivalent(got, HighestNs) {
		t.Errorf("max = %d, want about %d", got, int64(HighestNs))
	}
	ivs := rec.Intervals()
	start := fixtureStart.UnixMilli()
	want := []struct {
		tag          string
		start, end   int64
		count, maxNs int64
	}{
		{"a", start, start + 1000, 3, 4000},
		{"b", start, start + 1000, 1, 3000},
		{"b", start + 2000, start + 2750, 2, HighestNs},
	}
	if len(ivs) != len(want) {
		t.Fatalf("got %d intervals, want %d", len(ivs), len(want))
	}
	for i, w := range want {
		iv := ivs[i]
		if iv.Tag != w.tag || iv.StartMs != w.start || iv.EndMs != w.end || iv.Hist.TotalCount() != w.count ||
			!dense(iv.Hist).ValuesAreEquivalent(iv.Hist.Max(), w.maxNs) {
			t.Errorf("interval %d = {%s %d %d count %d max %d}, want %+v", i,
				iv.Tag, iv.StartMs, iv.EndMs, iv.Hist.TotalCount(), iv.Hist.Max(), w)
		}
	}
	if rec.Uncorrected() != nil {
		t.Errorf("Uncorrected() != nil without RecordPair")
	}
}

func TestRecorderLastSecond(t *testing.T) {
	base := time.Now()
	a := NewRecorder(base, fixtureStart, nil)
	b := NewRecorder(base, fixtureStart, nil)
	if p := LastSecond([]*Recorder{a, b}); p.Second != -1 || p.Count != 0 {
		t.Fatalf("before any second: got %+v, want Second -1", p)
	}
	for i := range 100 {
		a.Record(0, base.Add(time.Duration(i)*time.Millisecond), int64(i+1)*1000)
		b.Record(0, base.Add(time.Duration(i)*time.Millisecond), 500)
	}
	a.Record(0, base.Add(1500*time.Millisecond), 1) // publishes second 0 of a only
	p := LastSecond([]*Recorder{a, b})
	if p.Second != 0 || p.Count != 100 || p.Total != 100 {
		t.Errorf("after a's second 0: got %+v, want Second 0, Count 100, Total 100", p)
	}
	if p.P99 < 98*time.Microsecond || p.P99 > 100*time.Microsecond {
		t.Errorf("P99 = %v, want about 99µs", p.P99)
	}
	b.Record(0, base.Add(1500*time.Millisecond), 1)
	if p := LastSecond([]*Recorder{a, b}); p.Count != 200 {
		t.Errorf("after b's second 0: Count = %d, want 200", p.Count)
	}
}

// TestRecorderConcurrentProgress runs a progress reader against a recording
// goroutine; run it with -race.
func TestRecorderConcurrentProgress(t *testing.T) {
	base := time.Now().Add(-time.Hour)
	rec := NewRecorder(base, fixtureStart, nil)
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				_ = LastSecond([]*Recorder{rec})
			}
		}
	})
	for i := range 5000 {
		rec.Record(0, base.Add(time.Duration(i)*time.Millisecond), 1000)
	}
	rec.Finish(base.Add(5 * time.Second))
	close(done)
	wg.Wait()
	if p := LastSecond([]*Recorder{rec}); p.Second != 4 || p.Count != 1000 {
		t.Errorf("got %+v, want Second 4, Count 1000", p)
	}
}

func TestRecordAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	base := time.Now()
	rec := NewRecorder(base, fixtureStart, []string{"a", "b"})
	rec.RecordPair(0, base, 1, 1) // allocates the uncorrected histogram
	now := base.Add(10 * time.Millisecond)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		rec.Record(i%2, now, int64(i)*100)
		rec.RecordPair(i%2, now, int64(i)*100, int64(i)*90)
	})
	if allocs != 0 {
		t.Errorf("Record and RecordPair allocate %.1f times per call, want 0", allocs)
	}
}

func BenchmarkRecord(b *testing.B) {
	base := time.Now()
	rec := NewRecorder(base, fixtureStart, []string{"a", "b", "c"})
	now := base
	var i int64
	b.ReportAllocs()
	for b.Loop() {
		i++
		rec.Record(int(i%3), now, 10_000+i%5000)
	}
}

// BenchmarkCloseSecond measures what a connection that records little pays
// to close a second: with a thousand connections each closes one a second,
// so it must cost what the second recorded, not the size of a histogram.
func BenchmarkCloseSecond(b *testing.B) {
	base := time.Now()
	rec := NewRecorder(base, fixtureStart, nil)
	var sec int64
	b.ReportAllocs()
	for b.Loop() {
		now := base.Add(time.Duration(sec) * time.Second)
		for i := range int64(8) {
			rec.RecordN(0, now, 50_000+i*1000, 4)
		}
		sec++
	}
	rec.Finish(base.Add(time.Duration(sec) * time.Second))
	if got, want := rec.Count(), 32*sec; got != want {
		b.Fatalf("Count = %d, want %d", got, want)
	}
}

// TestRecorderMatchesDense records random RTTs and fills of three tags over
// several seconds and checks the recorder's sparse bookkeeping against
// dense histograms of every value: the whole run, the fills, the count and
// the seconds, before and after each second closes.
func TestRecorderMatchesDense(t *testing.T) {
	base := time.Now()
	rec := NewRecorder(base, fixtureStart, []string{"a", "b", "c"})
	all, fill := NewHistogram(), NewHistogram()
	perSecond := map[int64]int64{} // RTTs of each second, all tags
	rng := rand.New(rand.NewPCG(1, 2))
	var at time.Duration
	for i := range 20_000 {
		at += time.Duration(rng.IntN(600)) * time.Microsecond
		now := base.Add(at)
		v := int64(rng.ExpFloat64()*50_000) + 1
		if i%7 == 0 {
			rec.RecordFill(now, v)
			_ = fill.RecordValue(v)
			continue
		}
		n := int64(rng.IntN(4) + 1)
		rec.RecordN(rng.IntN(3), now, v, n)
		_ = all.RecordValues(v, n)
		perSecond[int64(at/time.Second)] += n
		if got, want := rec.Count(), all.TotalCount(); got != want {
			t.Fatalf("after %d records: Count() = %d, want %d", i+1, got, want)
		}
	}
	rec.Finish(base.Add(at))
	if got := rec.Histogram(); !got.Equals(all) {
		t.Errorf("Histogram: %d values, p50 %d, max %d; want %d, %d, %d", got.TotalCount(), got.ValueAtPercentile(50), got.Max(), all.TotalCount(), all.ValueAtPercentile(50), all.Max())
	}
	if got, want := rec.ValueAtPercentile(99.9), all.ValueAtPercentile(99.9); got != want {
		t.Errorf("ValueAtPercentile(99.9) = %d, want %d", got, want)
	}
	if got := rec.Fill(); got == nil || !got.Equals(fill) {
		t.Errorf("Fill does not hold the %d fills recorded", fill.TotalCount())
	}
	seconds := map[int64]int64{}
	for _, iv := range rec.Intervals() {
		if iv.Tag != FillTag {
			seconds[(iv.StartMs-fixtureStart.UnixMilli())/1000] += iv.Hist.TotalCount()
		}
	}
	if len(seconds) != len(perSecond) {
		t.Fatalf("intervals cover %d seconds, want %d", len(seconds), len(perSecond))
	}
	for s, n := range perSecond {
		if seconds[s] != n {
			t.Errorf("second %d: intervals hold %d RTTs, want %d", s, seconds[s], n)
		}
	}
	// The last second, published by Finish, holds that second's RTTs
	// across tags.
	idx, total, h := rec.LastSecond()
	if last := int64(at / time.Second); idx != last || total != all.TotalCount() || h.TotalCount() != perSecond[last] {
		t.Errorf("LastSecond = (%d, %d, %d values), want (%d, %d, %d)", idx, total, h.TotalCount(), last, all.TotalCount(), perSecond[last])
	}
}
