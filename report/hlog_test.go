package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestHistogramLogRoundTrip(t *testing.T) {
	for _, shift := range []time.Duration{0, 250 * time.Millisecond, 999 * time.Millisecond} {
		r := fixtureRun(5, 0)
		// Shift the run and its intervals off whole seconds.
		r.Start = r.Start.Add(shift)
		for i := range r.Intervals {
			r.Intervals[i].StartMs += shift.Milliseconds()
			r.Intervals[i].EndMs += shift.Milliseconds()
		}
		r.Intervals = append(r.Intervals, Interval{StartMs: r.Intervals[0].StartMs, EndMs: r.Intervals[0].EndMs, Hist: r.Intervals[0].Hist})
		var b bytes.Buffer
		if err := WriteHistogramLog(&b, r); err != nil {
			t.Fatal(err)
		}
		got, err := ReadHistogramLog(&b)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(r.Intervals) {
			t.Fatalf("shift %v: read %d intervals, wrote %d", shift, len(got), len(r.Intervals))
		}
		for i, w := range r.Intervals {
			g := got[i]
			if g.Tag != w.Tag || g.StartMs != w.StartMs || g.EndMs != w.EndMs || !samePacked(g.Hist, w.Hist) {
				t.Errorf("shift %v: interval %d: got {%q %d %d count %d}, want {%q %d %d count %d}", shift, i,
					g.Tag, g.StartMs, g.EndMs, g.Hist.TotalCount(), w.Tag, w.StartMs, w.EndMs, w.Hist.TotalCount())
			}
		}
	}
}

func TestWriteHistogramLogBadTag(t *testing.T) {
	r := fixtureRun(5, 0)
	r.Intervals[0].Tag = "new order"
	if err := WriteHistogramLog(&bytes.Buffer{}, r); err == nil {
		t.Errorf("a tag with a space was written")
	}
}

// javaLog holds lines of a log written by jHiccup (Java's
// HistogramLogWriter): StartTime with milliseconds and, in format 1.2, no
// BaseTime, so the timestamps are relative to StartTime.
const javaLog = `#[Logged with jHiccup version 2.0.7-SNAPSHOT]
#[Histogram log format version 1.2]
#[StartTime: 1441812279.474 (seconds since epoch), Wed Sep 09 08:24:39 PDT 2015]
"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
0.127,1.007,2.769,HISTFAAAAEV42pNpmSzMwMCgyAABTBDKT4GBgdnNYMcCBvsPEBEJISEuATEZMQ4uASkhIR4nrxg9v2lMaxhvMekILGZkKmcCAEf2CsI=
Tag=A,1.134,0.999,0.442,HISTFAAAAEJ42pNpmSzMwMAgxwABTBDKT4GBgdnNYMcCBvsPEBEWLj45FTExAT4pBSEBKa6UkAgBi1uM7xjfMMlwMDABAC0CCjM=
`

func TestReadHistogramLogJava(t *testing.T) {
	type want struct {
		tag        string
		start, end int64
	}
	tests := []struct {
		name string
		log  string
		want []want
	}{
		{"relative to StartTime", javaLog, []want{
			{"", 1441812279601, 1441812280608},
			{"A", 1441812280608, 1441812281607},
		}},
		{"relative to BaseTime", strings.Replace(javaLog, "\n\"", "\n#[BaseTime: 1441812279.000 (seconds since epoch)]\n\"", 1), []want{
			{"", 1441812279127, 1441812280134},
			{"A", 1441812280134, 1441812281133},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ivs, err := ReadHistogramLog(strings.NewReader(tt.log))
			if err != nil {
				t.Fatal(err)
			}
			if len(ivs) != len(tt.want) {
				t.Fatalf("got %d intervals, want %d", len(ivs), len(tt.want))
			}
			for i, w := range tt.want {
				if ivs[i].Tag != w.tag || ivs[i].StartMs != w.start || ivs[i].EndMs != w.end {
					t.Errorf("interval %d: got {%q %d %d}, want %+v", i, ivs[i].Tag, ivs[i].StartMs, ivs[i].EndMs, w)
				}
				if ivs[i].Hist.TotalCount() == 0 {
					t.Errorf("interval %d: empty histogram", i)
				}
			}
		})
	}
}

func TestReadHistogramLogErrors(t *testing.T) {
	for _, log := range []string{
		"1.0,1.0\n",
		"Tag=x\n",
		"x,1.0,1.0,HISTFAAAA\n",
		"0.0,1.0,1.0,not-a-histogram\n",
	} {
		if _, err := ReadHistogramLog(strings.NewReader(log)); err == nil {
			t.Errorf("ReadHistogramLog(%q) succeeded, want an error", log)
		}
	}
}
