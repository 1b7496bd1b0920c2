package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/report"
)

// interopJava returns the java binary and the HdrHistogram jar of Debian's
// libhdrhistogram-java (or GIGADEX_HDRHISTOGRAM_JAR). When one is missing
// the test is skipped, or fails if GIGADEX_REQUIRE_INTEROP=1, as in CI.
func interopJava(t *testing.T) (java, jar string) {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		testutil.SkipInterop(t, "java not found on PATH; run scripts/install-deps.sh")
	}
	for _, c := range []string{os.Getenv("GIGADEX_HDRHISTOGRAM_JAR"), "/usr/share/java/hdrhistogram.jar", "/usr/share/java/HdrHistogram.jar"} {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return java, c
		}
	}
	testutil.SkipInterop(t, "HdrHistogram jar not found; run scripts/install-deps.sh or set GIGADEX_HDRHISTOGRAM_JAR")
	return "", ""
}

// javaSummary is what Java's HistogramLogProcessor reports of a log.
type javaSummary struct {
	intervals int   // interval lines
	count     int64 // total count
	p50, p99  float64
	hgrmCount int64 // total count in the .hgrm footer
}

// javaProcess runs HistogramLogProcessor on log, with values in ns, for
// the untagged stream or, with tag set, for that tag.
func javaProcess(t *testing.T, java, jar, log, tag string) javaSummary {
	t.Helper()
	out := filepath.Join(t.TempDir(), "java")
	args := []string{"-cp", jar, "org.HdrHistogram.HistogramLogProcessor", "-i", log, "-o", out, "-outputValueUnitRatio", "1"}
	if tag != "" {
		args = append(args, "-tag", tag)
	}
	cmd := exec.Command(java, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd, err, b)
	}
	var s javaSummary
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, ": I:") {
			s.intervals++
			last = l
		}
	}
	// "3.000: I:123 ( p50 p90 max ) T:456 ( p50 p90 p99 p99.9 p99.99 max )"
	_, total, ok := strings.Cut(last, " T:")
	f := strings.Fields(strings.NewReplacer("(", " ", ")", " ").Replace(total))
	if !ok || len(f) < 7 {
		t.Fatalf("java wrote no interval with totals:\n%s", b)
	}
	s.count, _ = strconv.ParseInt(f[0], 10, 64)
	s.p50, _ = strconv.ParseFloat(f[1], 64)
	s.p99, _ = strconv.ParseFloat(f[3], 64)
	hgrm, err := os.ReadFile(out + ".hgrm")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(hgrm), "\n") {
		if _, after, ok := strings.Cut(l, "Total count    ="); ok {
			s.hgrmCount, _ = strconv.ParseInt(strings.Trim(after, " ]"), 10, 64)
		}
	}
	return s
}

// javaRank returns the value at percentile q as Java's HdrHistogram
// defines it, the sample of rank ceil(q/100*count); hdrhistogram-go rounds
// the rank instead, so the two may pick neighbouring samples.
func javaRank(h *hdrhistogram.Histogram, q float64) int64 {
	n := float64(h.TotalCount())
	return h.ValueAtQuantile(100 * math.Ceil(q/100*n) / n)
}

// checkJava compares Java's summary of a stream with the histogram h the
// JSON result holds for it: the same count, and p50 and p99 equal to the
// histogram's (Java prints them with 3 decimals; the JSON's own p50 and
// p99 are within the histogram's precision of them).
func checkJava(t *testing.T, what string, s javaSummary, h *hdrhistogram.Histogram, jsonP50, jsonP99 int64) {
	t.Helper()
	if s.count != h.TotalCount() || s.hgrmCount != h.TotalCount() {
		t.Errorf("%s: java counts %d (hgrm %d), the JSON %d", what, s.count, s.hgrmCount, h.TotalCount())
	}
	for _, c := range []struct {
		name string
		java float64
		q    float64
		json int64
	}{{"p50", s.p50, 50, jsonP50}, {"p99", s.p99, 99, jsonP99}} {
		if want := float64(javaRank(h, c.q)); math.Abs(c.java-want) > 0.5 {
			t.Errorf("%s: java %s %.3f ns, the JSON's histogram %.0f ns", what, c.name, c.java, want)
		}
		if c.json != 0 && math.Abs(c.java-float64(c.json)) > 0.002*float64(c.json)+1 {
			t.Errorf("%s: java %s %.3f ns, the JSON says %d ns", what, c.name, c.java, c.json)
		}
	}
}

// tagHistogram sums the JSON's intervals of tag.
func tagHistogram(t *testing.T, r *report.Run, tag string) *hdrhistogram.Histogram {
	t.Helper()
	h := report.NewHistogram()
	for _, iv := range r.Intervals {
		if iv.Tag == tag {
			if d := iv.Hist.MergeInto(h); d != 0 {
				t.Fatalf("merge dropped %d values", d)
			}
		}
	}
	return h
}

// runWithHlog runs the built binary with args plus --hlog and --json and
// returns the log's path and the JSON result.
func runWithHlog(t *testing.T, bin string, args ...string) (string, *report.Run) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "run.hlog")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "--hlog", log, "--json", "--quiet")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd, err, stderr.String())
	}
	r, err := report.ReadJSON(strings.NewReader(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Received == 0 {
		t.Fatalf("%v measured nothing", cmd)
	}
	return log, r
}

// TestHlogJavaReadsRealRuns runs ping and flood as a user would, with
// --hlog, and has Java's HistogramLogProcessor read the logs: with no tag
// it reads the untagged stream, whose count is the JSON's received count
// (the log holds the measured window, not the warmup) and whose p50 and
// p99 are the JSON's; with -tag it reads each message type's stream,
// which agrees with the JSON's intervals of that type.
func TestHlogJavaReadsRealRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gigadex and runs ping and a 3-second flood")
	}
	java, jar := interopJava(t)
	bin := testutil.BuildGigadex(t)
	runs := []struct {
		name string
		args []string
		tags []string
	}{
		{"ping", []string{"ping", "--count", "20000"}, []string{"heartbeat"}},
		{"flood", []string{"flood", "--duration", "3s"}, []string{"order", "cancel"}},
	}
	for _, tt := range runs {
		t.Run(tt.name, func(t *testing.T) {
			log, r := runWithHlog(t, bin, tt.args...)
			if r.RTT.TotalCount() != r.Received {
				t.Fatalf("JSON: histogram %d, received %d", r.RTT.TotalCount(), r.Received)
			}
			s := javaProcess(t, java, jar, log, "")
			checkJava(t, "untagged", s, r.RTT, r.RTT.ValueAtQuantile(50), r.RTT.ValueAtQuantile(99))
			if s.intervals < 1 {
				t.Errorf("java read %d intervals", s.intervals)
			}
			t.Logf("%s: received %d (warmup %d apart), java reads %d intervals, %d values, p50 %.0f ns, p99 %.0f ns",
				tt.name, r.Received, r.WarmupReceived, s.intervals, s.count, s.p50, s.p99)
			var sum int64
			for _, tag := range tt.tags {
				h := tagHistogram(t, r, tag)
				sum += h.TotalCount()
				checkJava(t, "tag "+tag, javaProcess(t, java, jar, log, tag), h, 0, 0)
			}
			if sum != r.Received {
				t.Errorf("the tagged streams hold %d values, received %d", sum, r.Received)
			}
		})
	}
}

// countUntagged returns the number of whole untagged interval lines in
// the log at path.
func countUntagged(path string) int {
	b, _ := os.ReadFile(path)
	n := 0
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := sc.Text(); l != "" && l[0] >= '0' && l[0] <= '9' {
			n++
		}
	}
	if len(b) > 0 && b[len(b)-1] != '\n' && n > 0 {
		n-- // the last line is still being written
	}
	return n
}

// TestHlogSurvivesSIGKILL kills a flood with SIGKILL after 3.5 s (or once
// three seconds are in its log, on a slow machine) and checks that the log
// it leaves holds every second closed until then, readable by Java and by
// report.
func TestHlogSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gigadex and runs a flood for about 4 s")
	}
	java, jar := interopJava(t)
	bin := testutil.BuildGigadex(t)
	log := filepath.Join(t.TempDir(), "killed.hlog")
	cmd := exec.Command(bin, "flood", "--duration", "60s", "--warmup", "0", "--hlog", log, "--quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	defer cmd.Process.Kill()
	time.Sleep(3500 * time.Millisecond)
	for countUntagged(log) < 3 && time.Since(start) < 60*time.Second {
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("flood ended with %v before it was killed", err)
	}
	s := javaProcess(t, java, jar, log, "")
	if s.intervals < 3 {
		t.Errorf("java reads %d intervals of a flood killed after %v, want at least 3", s.intervals, time.Since(start).Round(time.Millisecond))
	}
	out, errOut, code := runCLI(t, "", "report", "table", log)
	if code != exitOK || !strings.Contains(out, "| p99 ") {
		t.Errorf("report table of the killed run's log: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("killed after %v: java reads %d intervals, %d values", time.Since(start).Round(time.Millisecond), s.intervals, s.count)
}

// TestHlogCutLastLine cuts the last line of a real flood's log in half:
// report reads the intervals before it and warns, naming the line.
func TestHlogCutLastLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gigadex and runs a 2-second flood")
	}
	bin := testutil.BuildGigadex(t)
	log, r := runWithHlog(t, bin, "flood", "--duration", "2s")
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
	last := lines[len(lines)-1]
	cut := filepath.Join(t.TempDir(), "cut.hlog")
	if err := os.WriteFile(cut, []byte(strings.Join(lines[:len(lines)-1], "")+last[:len(last)/2]), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "", "report", "hgrm", "--unit", "ns", cut)
	if code != exitOK {
		t.Fatalf("report hgrm of a cut log: exit %d: %s", code, errOut)
	}
	if want := fmt.Sprintf("line %d is cut short", len(lines)); !strings.Contains(errOut, want) || !strings.Contains(errOut, cut) {
		t.Errorf("stderr %q, want a warning naming %s and %q", errOut, cut, want)
	}
	// The untagged lines come before the tagged ones of their second: a cut
	// tagged line leaves every untagged line, the whole run.
	if !strings.Contains(out, fmt.Sprintf("Total count    = %12d]", r.Received)) {
		t.Errorf("the cut log does not hold the %d values of the run:\n%s", r.Received, out)
	}
}
