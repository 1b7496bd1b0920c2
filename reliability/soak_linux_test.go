package reliability_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/report"
)

// progressLine matches one progress line: the counters so far, then the
// second of the window that just ended ("second 3: 200.0 k msgs, ...").
var progressLine = regexp.MustCompile(`(?m)  second \d+: `)

// soakSample is one reading of the echo process.
type soakSample struct {
	at      time.Duration // since the flood started
	rss     uint64        // bytes
	threads uint64
}

// perSecond returns the number of round trips of each whole interval of a
// histogram log, all tags summed, in time order.
func perSecond(ivs []report.Interval) []int64 {
	sums := map[int64]int64{}
	lengths := map[int64]int64{}
	for _, iv := range ivs {
		sums[iv.StartMs] += iv.Hist.TotalCount()
		lengths[iv.StartMs] = max(lengths[iv.StartMs], iv.EndMs-iv.StartMs)
	}
	var starts []int64
	for s, l := range lengths {
		if l >= 990 { // the last interval of a run is usually shorter
			starts = append(starts, s)
		}
	}
	slices.Sort(starts)
	out := make([]int64, len(starts))
	for i, s := range starts {
		out[i] = sums[s]
	}
	return out
}

// TestSoak is a short version of scripts/soak.sh: "gigadex flood" at a
// fixed 200,000 msgs/s over 4 connections for 10 s (after 1 s of warmup)
// against a "gigadex echo" process, whose RSS and threads are read every
// 500 ms. The flood must end with exit code 0 and no errors; the echo
// process's RSS at the end must be within 20% (or 4 MiB) of its RSS after
// 3 s, its threads must not grow by more than 4, and every whole second of
// the histogram log must hold at least half the median second's count.
// A fixed rate, well below what loopback carries, keeps the check about
// gigadex, not about the other tests sharing the machine. Skipped with
// -short and with -race.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a 10 s soak")
	}
	if raceEnabled {
		// The processes it measures are built without the race detector,
		// so a race run would only repeat the same 10 s.
		t.Skip("runs without -race")
	}
	const (
		runFor = 10 * time.Second
		warm   = 3 * time.Second
		every  = 500 * time.Millisecond
	)
	e := mustStartEcho(t, "127.0.0.1:0")
	hlog := filepath.Join(t.TempDir(), "soak.hlog")
	c := start(t, "flood", "--addr", e.addr, "--duration", runFor.String(), "--warmup", "1s", "--rate", "200000",
		"--conns", "4", "--json", "--hlog", hlog, "--progress")
	began := time.Now()
	var samples []soakSample
	for !c.exited() && time.Since(began) < runFor+20*time.Second {
		r, err1 := procStatus(e.pid(), "VmRSS")
		th, err2 := procStatus(e.pid(), "Threads")
		if err1 != nil || err2 != nil {
			t.Fatalf("reading the echo process: %v, %v", err1, err2)
		}
		samples = append(samples, soakSample{time.Since(began), r, th})
		time.Sleep(every)
	}
	code := c.wait(t, 20*time.Second)
	run := readRun(t, c)
	if code != 0 || run.Errors != 0 || run.Received != run.Sent || run.Received == 0 {
		t.Errorf("exit code %d, sent %d, received %d, errors %d %q: want 0 and every reply", code, run.Sent, run.Received, run.Errors, run.ErrorSamples)
	}
	if n := len(progressLine.FindAllString(c.stderr.String(), -1)); n < int(runFor/time.Second)-1 {
		t.Errorf("%d progress lines, want one a second", n)
	}

	var after, last soakSample
	for _, s := range samples {
		if after.at == 0 && s.at >= warm {
			after = s
		}
		last = s
	}
	if after.at == 0 {
		t.Fatalf("only %d samples", len(samples))
	}
	allowed := max(after.rss/5, 4<<20)
	if last.rss > after.rss+allowed || last.threads > after.threads+4 {
		t.Errorf("echo grew from RSS %d KiB, %d threads at %v to %d KiB, %d threads at %v; want at most %d KiB more and 4 threads more",
			after.rss>>10, after.threads, after.at.Round(time.Second), last.rss>>10, last.threads, last.at.Round(time.Second), allowed>>10)
	}

	f, err := os.Open(hlog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ivs, err := report.ReadHistogramLog(f)
	if err != nil {
		t.Fatal(err)
	}
	secs := perSecond(ivs)
	if len(secs) < int(runFor/time.Second)-2 {
		t.Fatalf("%d whole seconds in the histogram log, want about %d", len(secs), runFor/time.Second)
	}
	sorted := slices.Sorted(slices.Values(secs))
	median := sorted[len(sorted)/2]
	if sorted[0] < median/2 {
		t.Errorf("per-second round trips %v: the slowest second is below half the median (%d)", secs, median)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%8s %10s %8s\n", "time (s)", "RSS (KiB)", "threads")
	for _, s := range samples {
		if s.at.Truncate(time.Second) == s.at.Truncate(every) || s == last {
			fmt.Fprintf(&b, "%8.1f %10d %8d\n", s.at.Seconds(), s.rss>>10, s.threads)
		}
	}
	t.Logf("flood %v at 200,000 msgs/s: %.0f msgs/s received, %d errors; per second min %d, median %d, max %d\n%s",
		run.Elapsed.Round(time.Millisecond), run.MsgsPerSec(), run.Errors, sorted[0], median, sorted[len(sorted)-1], b.String())
}
