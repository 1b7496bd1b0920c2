package report

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
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
		var b bytes.Buffer
		if err := WriteHistogramLog(&b, r); err != nil {
			t.Fatal(err)
		}
		got, err := ReadHistogramLog(&b, WithWarnings(func(msg string) { t.Errorf("warning: %s", msg) }))
		if err != nil {
			t.Fatal(err)
		}
		var tagged, untagged []Interval
		for _, iv := range got {
			if iv.Tag == "" {
				untagged = append(untagged, iv)
			} else {
				tagged = append(tagged, iv)
			}
		}
		if len(tagged) != len(r.Intervals) {
			t.Fatalf("shift %v: read %d tagged intervals, wrote %d", shift, len(tagged), len(r.Intervals))
		}
		for i, w := range r.Intervals {
			g := tagged[i]
			if g.Tag != w.Tag || g.StartMs != w.StartMs || g.EndMs != w.EndMs || !samePacked(g.Hist, w.Hist) {
				t.Errorf("shift %v: interval %d: got {%q %d %d count %d}, want {%q %d %d count %d}", shift, i,
					g.Tag, g.StartMs, g.EndMs, g.Hist.TotalCount(), w.Tag, w.StartMs, w.EndMs, w.Hist.TotalCount())
			}
		}
		// One untagged interval per second, the sum of that second's tags.
		if len(untagged) != 3 {
			t.Fatalf("shift %v: %d untagged intervals, want 3", shift, len(untagged))
		}
		for _, u := range untagged {
			want := NewHistogram()
			for _, iv := range r.Intervals {
				if iv.StartMs == u.StartMs {
					iv.Hist.MergeInto(want)
				}
			}
			if want.TotalCount() == 0 || !dense(u.Hist).Equals(want) {
				t.Errorf("shift %v: untagged interval at %d: count %d, want the sum of its tags, %d", shift, u.StartMs, u.Hist.TotalCount(), want.TotalCount())
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

func TestReadHistogramLogCutLastLine(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHistogramLog(&b, fixtureRun(5, 0)); err != nil {
		t.Fatal(err)
	}
	full, err := ReadHistogramLog(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(b.String(), "\n")
	lines = lines[:len(lines)-1] // the empty string after the last line break
	last := lines[len(lines)-1]
	for _, cut := range []int{1, 10, 30, len(last) / 2, len(last) - 2} {
		log := strings.Join(lines[:len(lines)-1], "") + last[:cut]
		var warnings []string
		got, err := ReadHistogramLog(strings.NewReader(log), WithWarnings(func(m string) { warnings = append(warnings, m) }))
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if len(got) != len(full)-1 {
			t.Errorf("cut at %d: %d intervals, want the %d before the cut line", cut, len(got), len(full)-1)
		}
		if want := fmt.Sprintf("line %d ", len(lines)); len(warnings) != 1 || !strings.Contains(warnings[0], want) {
			t.Errorf("cut at %d: warnings %q, want one naming %q", cut, warnings, want)
		}
	}
	// A whole last line without its line break is read.
	got, err := ReadHistogramLog(strings.NewReader(strings.TrimSuffix(b.String(), "\n")), WithWarnings(func(m string) { t.Errorf("warning %q", m) }))
	if err != nil || len(got) != len(full) {
		t.Errorf("no final line break: %d intervals, %v; want %d", len(got), err, len(full))
	}
}

func TestReadHistogramLogErrorNamesLine(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHistogramLog(&b, fixtureRun(5, 0)); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(b.String(), "\n")
	for _, bad := range []string{"1.0,1.0\n", "Tag=x\n", "0.0,1.0,1.0,not-a-histogram\n"} {
		log := strings.Join(lines[:7], "") + bad + strings.Join(lines[7:], "")
		_, err := ReadHistogramLog(strings.NewReader(log))
		if err == nil || !strings.Contains(err.Error(), "line 8:") {
			t.Errorf("line 8 %q: error %v, want one naming line 8", bad, err)
		}
	}
}

func TestSelectStream(t *testing.T) {
	p := NewPackedHistogram()
	ivs := []Interval{{Tag: "", StartMs: 0, Hist: p}, {Tag: "a", StartMs: 0, Hist: p}, {Tag: "b", StartMs: 0, Hist: p}, {Tag: "", StartMs: 1000, Hist: p}}
	tests := []struct {
		ivs     []Interval
		tag     string
		want    int
		wantErr string
	}{
		{ivs, "", 2, ""},
		{ivs, "a", 1, ""},
		{ivs, "c", 0, `no intervals tagged "c" (tags: a, b)`},
		{ivs[1:3], "", 2, ""}, // no untagged stream: all tagged ones
		{nil, "", 0, "no intervals"},
	}
	for _, tt := range tests {
		got, err := SelectStream(tt.ivs, tt.tag)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("SelectStream(%d intervals, %q): error %v, want %q", len(tt.ivs), tt.tag, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != tt.want {
			t.Errorf("SelectStream(%d intervals, %q) = %d intervals, %v; want %d", len(tt.ivs), tt.tag, len(got), err, tt.want)
		}
	}
}

// endless is a reader of prefix followed by an endless run of fill bytes;
// it counts what was read.
type endless struct {
	prefix string
	fill   byte
	n      int64
}

func (e *endless) Read(p []byte) (int, error) {
	k := copy(p, e.prefix)
	e.prefix = e.prefix[k:]
	for i := k; i < len(p); i++ {
		p[i] = e.fill
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestReadHistogramLogLongLine(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHistogramLog(&b, fixtureRun(2, 0)); err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(b.String(), "\n")
	for _, tt := range []struct {
		name string
		in   *endless
	}{
		{"comment", &endless{prefix: header + "\n#", fill: '0'}},
		{"interval", &endless{prefix: header + "\n0.000,1.000,0.5,HISTF", fill: 'A'}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadHistogramLog(tt.in)
			if err == nil || !strings.Contains(err.Error(), "line 2 is longer than 16 MiB") {
				t.Errorf("error %v, want one saying line 2 is longer than 16 MiB", err)
			}
			if tt.in.n > MaxLogLine+1<<20 {
				t.Errorf("read %d bytes of an endless line, want at most %d", tt.in.n, MaxLogLine+1<<20)
			}
		})
	}
}

// TestMaxLogLineFitsHistograms writes the longest interval line there is
// for 4 significant digits over the whole int64 range (every count
// non-zero and large) and checks that MaxLogLine holds it.
func TestMaxLogLineFitsHistograms(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: encodes 800 Ki counts")
	}
	snap := hdrhistogram.New(1, math.MaxInt64, 4).Export()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range snap.Counts {
		snap.Counts[i] = 1<<40 + rng.Int64N(1<<40)
	}
	h := hdrhistogram.Import(snap)
	var b bytes.Buffer
	lw := hdrhistogram.NewHistogramLogWriter(&b)
	if err := lw.OutputIntervalHistogram(h); err != nil {
		t.Fatal(err)
	}
	if b.Len() > MaxLogLine {
		t.Errorf("the longest interval line is %d bytes, more than MaxLogLine (%d)", b.Len(), MaxLogLine)
	}
	t.Logf("longest interval line at 4 significant digits: %d bytes", b.Len())
}

func TestReadHistogramLogBadTime(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHistogramLog(&b, fixtureRun(2, 0)); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(b.String(), "\n")
	base := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "#[BaseTime:") {
			base = i
		}
	}
	if base < 0 {
		t.Fatal("no BaseTime line")
	}
	for _, v := range []string{"1e300", "99999999999999999999", "-5", "NaN", "Inf", "1.5e9"} {
		log := strings.Join(lines[:base], "") + "#[BaseTime: " + v + " (seconds since epoch)]\n" + strings.Join(lines[base+1:], "")
		_, err := ReadHistogramLog(strings.NewReader(log))
		if want := fmt.Sprintf("line %d: BaseTime %q", base+1, v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("BaseTime %s: error %v, want one naming %s", v, err, want)
		}
	}
	if _, err := ReadHistogramLog(bytes.NewReader(b.Bytes())); err != nil {
		t.Errorf("the log as written: %v", err)
	}
}
