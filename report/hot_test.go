package report

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestBucketOfMatchesTheHistogram holds bucketOf and bucketValue to
// hdrhistogram-go's buckets: v shares a bucket with the lowest value of
// bucketOf(v), and the lowest value of the next bucket does not.
func TestBucketOfMatchesTheHistogram(t *testing.T) {
	values := []int64{HighestNs, HighestNs - 1}
	for v := range int64(5000) {
		values = append(values, v)
	}
	for s := 11; s < 36; s++ {
		values = append(values, 1<<s-1, 1<<s, 1<<s+1)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20_000 {
		values = append(values, rng.Int64N(HighestNs))
	}
	for _, v := range values {
		b := bucketOf(v)
		lo, next := bucketValue(b), bucketValue(b+1)
		if lo > v || next <= v {
			t.Fatalf("v %d: bucket %d holds %d up to %d", v, b, lo, next)
		}
		same := NewPackedHistogram()
		_ = same.RecordValue(v)
		_ = same.RecordValue(lo)
		if same.Populated() != 1 {
			t.Fatalf("v %d and %d, the lowest value of its bucket %d, are in different buckets of the histogram", v, lo, b)
		}
		if next > HighestNs {
			continue
		}
		other := NewPackedHistogram()
		_ = other.RecordValue(v)
		_ = other.RecordValue(next)
		if other.Populated() != 2 {
			t.Fatalf("v %d and %d, the lowest value of bucket %d, are in the same bucket of the histogram", v, next, b+1)
		}
	}
	if got := bucketOf(HighestNs); got >= 27_648 {
		t.Errorf("bucketOf(HighestNs) = %d, past the histogram's 27,648 buckets", got)
	}
}

// TestRecorderHotWindow records what the window of buckets counts and what
// it leaves to the sparse histogram, and checks every second and the whole
// run against a dense histogram of each value.
func TestRecorderHotWindow(t *testing.T) {
	for _, tc := range []struct {
		name string
		next func(rng *rand.Rand, i int) (v, n int64)
	}{
		{"a run whose RTTs move a hundredfold", func(rng *rand.Rand, i int) (int64, int64) {
			scale := 20_000.0
			if i > 3000 {
				scale = 2_000_000
			}
			return int64(rng.ExpFloat64()*scale) + 1, int64(rng.IntN(64) + 1)
		}},
		{"counts past a bucket's 65535", func(rng *rand.Rand, i int) (int64, int64) {
			if i < 2*hotFrom {
				return 10_000 + int64(i)*50, 1
			}
			return 50_000 + rng.Int64N(3), 1000 + rng.Int64N(40_000)
		}},
		{"the edges of the range", func(rng *rand.Rand, i int) (int64, int64) {
			if i < 2*hotFrom {
				return 10_000 + int64(i)*50, 1
			}
			return []int64{0, 1, 2047, 2048, HighestNs, HighestNs + 1, -5}[i%7], 1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := time.Now()
			rec := NewRecorder(base, fixtureStart, []string{"a", "b"})
			all := NewHistogram()
			perSecond := map[int64]int64{}
			rng := rand.New(rand.NewPCG(5, 6))
			var at time.Duration
			for i := range 6000 {
				at += time.Duration(rng.IntN(1000)) * time.Microsecond
				v, n := tc.next(rng, i)
				rec.RecordN(i%2, base.Add(at), v, n)
				_ = all.RecordValues(clampNs(v), n)
				perSecond[int64(at/time.Second)] += n
			}
			if got, want := rec.Count(), all.TotalCount(); got != want {
				t.Fatalf("Count() = %d, want %d", got, want)
			}
			rec.Finish(base.Add(at))
			if got := rec.Histogram(); !got.Equals(all) {
				t.Errorf("Histogram: %d values, p50 %d, max %d; want %d, %d, %d", got.TotalCount(), got.ValueAtPercentile(50), got.Max(), all.TotalCount(), all.ValueAtPercentile(50), all.Max())
			}
			seconds := map[int64]int64{}
			for _, iv := range rec.Intervals() {
				seconds[(iv.StartMs-fixtureStart.UnixMilli())/1000] += iv.Hist.TotalCount()
			}
			for s, n := range perSecond {
				if seconds[s] != n {
					t.Errorf("second %d: intervals hold %d RTTs, want %d", s, seconds[s], n)
				}
			}
		})
	}
}

// TestRecorderHotWindowMoves checks that the window follows a run whose
// RTTs left it: after a second of values outside it, they are counted
// inside it.
func TestRecorderHotWindowMoves(t *testing.T) {
	base := time.Now()
	rec := NewRecorder(base, fixtureStart, nil)
	for i := range int64(hotFrom) {
		rec.Record(0, base, 10_000+i*50)
	}
	hb := rec.hot[0]
	if hb == nil {
		t.Fatalf("no window after %d buckets", hotFrom)
	}
	rec.Record(0, base, 20_000)
	if hb.n != 1 {
		t.Fatalf("a value of the run's range: %d counted in the window, want 1", hb.n)
	}
	for i := range int64(100) {
		rec.Record(0, base.Add(time.Millisecond), 5_000_000+i*1000)
	}
	rec.Record(0, base.Add(time.Second), 5_000_000)
	if hb.n != 1 || hb.missed != 0 {
		t.Errorf("after the window moved, a value of the new range: %d counted in it, %d outside, want 1 and 0", hb.n, hb.missed)
	}
	before := rec.Count()
	rec.RecordN(0, base.Add(time.Second), 5_000_000, -2)
	rec.RecordN(0, base.Add(time.Second), 5_000_000, 0)
	if got := rec.Count(); got != before {
		t.Errorf("RecordN with n -2 and 0: Count %d, want %d", got, before)
	}
}
