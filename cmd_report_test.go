package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/report"
)

// resultStart is the start of the measured window of every result that
// writeResult makes.
var resultStart = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// writeResult writes a one-second closed-loop ping result to dir/name: n
// RTTs spread evenly from lo to hi, one interval. edit, if not nil, may
// change the run before it is written.
func writeResult(t *testing.T, dir, name string, n int, lo, hi time.Duration, edit func(*report.Run)) string {
	t.Helper()
	r := report.NewRun("ping", "127.0.0.1:7000", 1)
	r.Start, r.Elapsed = resultStart, time.Second
	r.Sent, r.Received = int64(n), int64(n)
	r.BytesSent, r.BytesReceived = 52*r.Sent, 52*r.Received
	iv := report.NewPackedHistogram()
	for i := range n {
		v := int64(lo) + int64(hi-lo)*int64(i)/int64(max(n-1, 1))
		if err := r.RTT.RecordValue(v); err != nil {
			t.Fatal(err)
		}
		if err := iv.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	r.Intervals = []report.Interval{{Tag: "heartbeat", StartMs: resultStart.UnixMilli(), EndMs: resultStart.UnixMilli() + 1000, Hist: iv}}
	if edit != nil {
		edit(r)
	}
	path := filepath.Join(dir, name)
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readResult(t *testing.T, path string) *report.Run {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// readHlog reads the histogram log at path.
func readHlog(t *testing.T, path string) []report.Interval {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ivs, err := report.ReadHistogramLog(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ivs
}

func TestReportCompareExitCodes(t *testing.T) {
	dir := t.TempDir()
	base := writeResult(t, dir, "base.json", 1000, 10*time.Microsecond, 30*time.Microsecond, nil)
	same := writeResult(t, dir, "same.json", 1000, 10*time.Microsecond, 30*time.Microsecond, nil)
	// Twice as slow: every latency metric doubles.
	slow := writeResult(t, dir, "slow.json", 1000, 20*time.Microsecond, 60*time.Microsecond, nil)
	// Slightly slower: +1 µs at p99, a 3% rise, under a 2 µs floor.
	slight := writeResult(t, dir, "slight.json", 1000, 11*time.Microsecond, 31*time.Microsecond, nil)
	// Measured nothing: a failed run's result.
	empty := writeResult(t, dir, "empty.json", 0, 0, 0, func(r *report.Run) { r.Sent, r.Errors = 0, 1 })
	tests := []struct {
		name     string
		args     []string
		code     int
		wantOut  string
		wantErr  string
		noStdout bool
	}{
		{"same", []string{"--baseline", base, same}, exitOK, "result: no regression", "", false},
		{"regressed", []string{"--baseline", base, slow}, exitRegression, "REGRESSED", "regression: p99 +100.0% (limit 10%)", false},
		{"flags after the result", []string{slow, "--baseline", base, "--max-regress", "p99=150%,msgs_per_sec=5%"}, exitOK, "result: no regression", "", false},
		{"below the floor", []string{"--baseline", base, "--max-regress", "p99=1%", "--floor", "2us", slight}, exitOK, "ok (below floor)", "", false},
		{"above the floor", []string{"--baseline", base, "--max-regress", "p99=1%", "--floor", "500ns", slight}, exitRegression, "REGRESSED", "p99 +3.", false},
		{"threshold fails", []string{"--baseline", base, "--threshold", "p99<10us", same}, exitRegression, "FAIL: p99 29.807µs < 10µs", "thresholds not met", false},
		{"threshold passes", []string{"--baseline", base, "--threshold", "p99<100us", "--threshold", "msgs_per_sec>500", same}, exitOK, "pass: msgs_per_sec 1000 > 500", "", false},
		{"markdown", []string{"--markdown", "--baseline", base, same}, exitOK, "| p99.9  ", "", false},
		{"no baseline", []string{same}, exitUsage, "", "need --baseline FILE", true},
		{"no result", []string{"--baseline", base}, exitUsage, "", "want at least one CURRENT result", true},
		{"one run a side warns", []string{"--baseline", base, same}, exitOK, "result: no regression", oneRunWarning, false},
		{"bad alpha", []string{"--baseline", base, "--alpha", "0", same}, exitUsage, "", `--alpha "0": want a number above 0 and below 1`, true},
		{"bad limit", []string{"--baseline", base, "--max-regress", "p0=5%", same}, exitUsage, "", `unknown metric "p0"`, true},
		{"NaN limit", []string{"--baseline", base, "--max-regress", "p99=NaN%", slow}, exitUsage, "", `--max-regress "p99=NaN%": the percent must be a finite number`, true},
		{"empty limits", []string{"--baseline", base, "--max-regress", "", slow}, exitUsage, "", `--max-regress "": no limit`, true},
		{"no limits", []string{"--baseline", base, "--max-regress", "none", slow}, exitOK, "result: no regression", "", false},
		{"any percentile", []string{"--baseline", base, "--max-regress", "p95=10%,p99.999=10%", slow}, exitRegression, "p99.999", "p95 +100.0% (limit 10%), p99.999 +100.0%", false},
		{"NaN threshold", []string{"--baseline", base, "--threshold", "msgs_per_sec>NaN", same}, exitUsage, "", `--threshold "msgs_per_sec>NaN": "NaN" is not a number`, true},
		{"error threshold", []string{"--baseline", base, "--threshold", "error_rate<0.1%", "--threshold", "errors<=0", same}, exitOK, "pass: error_rate 0% < 0.1%", "", false},
		{"empty current", []string{"--baseline", base, empty}, exitRunError, "", "empty.json measured nothing", true},
		{"empty baseline", []string{"--baseline", empty, same}, exitRunError, "", "empty.json measured nothing", true},
		{"bad threshold", []string{"--baseline", base, "--threshold", "p99<50", same}, exitUsage, "", "is not a duration with a unit", true},
		{"unknown flag", []string{"--baseline", base, "--frobnicate", same}, exitUsage, "", "unknown flag --frobnicate", true},
		{"missing file", []string{"--baseline", filepath.Join(dir, "nope.json"), same}, exitRunError, "", "nope.json: no such file", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, "", append([]string{"report", "compare"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantOut, out)
			}
			if !strings.Contains(errs, tt.wantErr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantErr, errs)
			}
			if tt.noStdout && out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func TestReportMergeRefusesMismatchedInputs(t *testing.T) {
	dir := t.TempDir()
	a := writeResult(t, dir, "a.json", 100, 10*time.Microsecond, 20*time.Microsecond, nil)
	later := writeResult(t, dir, "later.json", 100, 10*time.Microsecond, 20*time.Microsecond, func(r *report.Run) {
		r.Start = r.Start.Add(time.Minute)
		r.Intervals = nil
	})
	coarse := writeResult(t, dir, "coarse.json", 100, 10*time.Microsecond, 20*time.Microsecond, func(r *report.Run) {
		h := hdrhistogram.New(report.LowestNs, report.HighestNs, 2)
		h.Merge(r.RTT)
		r.RTT = h
	})
	notJSON := filepath.Join(dir, "table.txt")
	if err := os.WriteFile(notJSON, []byte("ping 127.0.0.1:7000: 1 connection, closed loop\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	otherSchema := filepath.Join(dir, "v0.json")
	if err := os.WriteFile(otherSchema, []byte(`{"schema":"gigadex.run/v0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"windows do not overlap", []string{a, later}, "measured windows do not overlap"},
		{"histogram settings differ", []string{a, coarse}, "histogram settings differ"},
		{"not a result", []string{a, notJSON}, "table.txt: read json"},
		{"another schema", []string{a, otherSchema}, `schema "gigadex.run/v0", want "gigadex.run/v1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "merged.json")
			stdout, errs, code := runCLI(t, "", append([]string{"report", "merge", "-o", out}, tt.args...)...)
			if code != exitRunError || !strings.Contains(errs, tt.wantErr) || strings.Count(errs, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want exit 1 and one line containing %q", code, errs, tt.wantErr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a refused merge wrote %s", out)
			}
		})
	}
	if _, errs, code := runCLI(t, "", "report", "merge"); code != exitUsage {
		t.Errorf("merge without inputs: exit %d (%s), want 2", code, errs)
	}
}

func TestReportMergeOutputs(t *testing.T) {
	dir := t.TempDir()
	a := writeResult(t, dir, "a.json", 300, 10*time.Microsecond, 20*time.Microsecond, nil)
	b := writeResult(t, dir, "b.json", 100, 30*time.Microsecond, 40*time.Microsecond, nil)
	merged := filepath.Join(dir, "merged.json")
	if _, errs, code := runCLI(t, "", "report", "merge", a, b, "-o", merged); code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	m := readResult(t, merged)
	if m.Merged == nil || m.Merged.Inputs != 2 || m.Received != 400 || m.RTT.TotalCount() != 400 {
		t.Errorf("merged: inputs %+v, received %d, rtt count %d; want 2 inputs and 400", m.Merged, m.Received, m.RTT.TotalCount())
	}
	hlog := filepath.Join(dir, "merged.hlog")
	if _, errs, code := runCLI(t, "", "report", "merge", a, b, "-o", hlog); code != exitOK {
		t.Fatalf("merge -o .hlog: exit %d: %s", code, errs)
	}
	out, errs, code := runCLI(t, "", "report", "table", hlog)
	if code != exitOK || !strings.Contains(out, "400 msgs") {
		t.Errorf("table of the merged log: exit %d, stderr %q:\n%s", code, errs, out)
	}
}

func TestReportHgrm(t *testing.T) {
	dir := t.TempDir()
	res := writeResult(t, dir, "r.json", 1000, 10*time.Microsecond, 30*time.Microsecond, nil)
	out, errs, code := runCLI(t, "", "report", "hgrm", res)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(strings.TrimSpace(lines[0]), "Value     Percentile TotalCount 1/(1-Percentile)") {
		t.Errorf("header %q", lines[0])
	}
	if f := strings.Fields(lines[2]); len(f) != 4 || f[0] != "10.007" || f[2] != "1" {
		t.Errorf("first line %q, want 10.007 µs (the top of the 10 µs bucket), 1 value", lines[2])
	}
	if !strings.Contains(out, "Total count    =         1000]") || lines[len(lines)-1] != "#[Value unit = us (recorded ns / 1000)]" {
		t.Errorf("footer:\n%s", strings.Join(lines[len(lines)-4:], "\n"))
	}
	path := filepath.Join(dir, "r.hgrm")
	if _, errs, code := runCLI(t, "", "report", "hgrm", "--unit", "ms", res, "-o", path); code != exitOK {
		t.Fatalf("--unit ms -o: exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(path); !bytes.HasSuffix(b, []byte("#[Value unit = ms (recorded ns / 1000000)]\n")) {
		t.Errorf("%s does not end with the ms unit line:\n%s", path, b)
	}
	if _, errs, code := runCLI(t, "", "report", "hgrm", "--unit", "min", res); code != exitUsage || !strings.Contains(errs, "want ns, us, ms or s") {
		t.Errorf("--unit min: exit %d, stderr %q; want 2", code, errs)
	}
}

func TestReportPlot(t *testing.T) {
	dir := t.TempDir()
	a := writeResult(t, dir, "a.json", 1000, 10*time.Microsecond, 30*time.Microsecond, nil)
	b := writeResult(t, dir, "b.json", 1000, 15*time.Microsecond, 90*time.Microsecond, nil)
	for _, args := range [][]string{
		{"report", "plot", "-o", filepath.Join(dir, "p.png"), "--name", "closed loop", "--name", "rate", a, b},
		{"report", "plot", "--over-time", a, "-o", filepath.Join(dir, "t.png")},
		{"report", "plot", a, "-o", filepath.Join(dir, "p.svg")},
	} {
		out := args[slices.Index(args, "-o")+1]
		if _, errs, code := runCLI(t, "", args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		img, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		magic := []byte("\x89PNG\r\n\x1a\n")
		if strings.HasSuffix(out, ".svg") {
			magic = []byte("<?xml")
		}
		if !bytes.HasPrefix(img, magic) || len(img) < 1000 {
			t.Errorf("%s: %d bytes starting %q, want an image", out, len(img), img[:min(len(img), 8)])
		}
	}
	for _, args := range [][]string{
		{"report", "plot", a},
		{"report", "plot", "-o", filepath.Join(dir, "p.jpg"), a},
		{"report", "plot", "-o", filepath.Join(dir, "p.png")},
	} {
		if _, errs, code := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errs)
		}
	}
}

func TestReportTableMarkdown(t *testing.T) {
	dir := t.TempDir()
	res := writeResult(t, dir, "r.json", 1000, 10*time.Microsecond, 30*time.Microsecond, nil)
	out, errs, code := runCLI(t, "", "report", "table", "--markdown", res)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"ping 127.0.0.1:7000: 1 connection, closed loop\n",
		"| rtt    | value    |\n|:-------|---------:|\n",
		"| p99    | 29.81 µs |\n",
		"| throughput         |                        1.000 k msgs/s |\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
	// The same result from stdin, as a plain table.
	src, err := os.ReadFile(res)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code = runCLI(t, string(src), "report", "table", "-")
	if code != exitOK || !strings.Contains(out, "| p99    | 29.81 µs |") || !strings.Contains(out, "+-----") {
		t.Errorf("table from stdin: exit %d, stderr %q:\n%s", code, errs, out)
	}
}

func TestPingThresholdExitCodes(t *testing.T) {
	tests := []struct {
		name      string
		threshold []string
		code      int
		want      string
	}{
		{"pass", []string{"p99<10s", "msgs_per_sec>1"}, exitOK, "pass: p99 "},
		{"fail", []string{"p99<10s", "p50<1ns"}, exitRegression, "FAIL: p50 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"ping", "--count", "200", "--warmup", "20", "--quiet"}
			for _, th := range tt.threshold {
				args = append(args, "--threshold", th)
			}
			out, errs, code := runCLI(t, "", args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
			// Verdicts go to stderr: stdout is data (empty with --quiet).
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if !strings.Contains(errs, tt.want) || strings.Count(errs, "pass: ")+strings.Count(errs, "FAIL: ") != len(tt.threshold) {
				t.Errorf("stderr %q, want one line per threshold and %q", errs, tt.want)
			}
			if tt.code == exitRegression && !strings.Contains(errs, "thresholds failed") {
				t.Errorf("stderr %q, want \"thresholds failed\"", errs)
			}
		})
	}
}

// TestDistributedMerge runs the distributed procedure on loopback: three
// flood agents, as separate processes, start together against one echo
// peer and write JSON results and interval logs, which report merge
// combines.
func TestDistributedMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gigadex and runs three 2-second floods")
	}
	bin := testutil.BuildGigadex(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	dir := t.TempDir()
	const agents = 3
	at := time.Now().Add(2 * time.Second).UTC()
	startAt := at.Format(time.RFC3339Nano)
	var wg sync.WaitGroup
	errs := make([]error, agents)
	for i := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, bin, "flood", "--addr", addr.String(), "--conns", "2", "--window", "32",
				"--duration", "2s", "--warmup", "300ms", "--start-at", startAt,
				"--tag", fmt.Sprintf("agent=%d", i), "--tag", "job=ci", "--quiet", "--json",
				"-o", filepath.Join(dir, fmt.Sprintf("agent-%d.json", i)),
				"--hlog", filepath.Join(dir, fmt.Sprintf("agent-%d.hlog", i)))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("agent %d: %v\n%.2000s", i, err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	var inputs []string
	for i := range agents {
		inputs = append(inputs, filepath.Join(dir, fmt.Sprintf("agent-%d.json", i)))
	}
	merged := filepath.Join(dir, "merged.json")
	if _, errOut, code := runCLI(t, "", append(append([]string{"report", "merge"}, inputs...), "-o", merged)...); code != exitOK {
		t.Fatalf("report merge: exit %d: %s", code, errOut)
	}
	m := readResult(t, merged)

	// Counters are the sums; histograms are the sum of the inputs'
	// histograms, as if one histogram had recorded every sample.
	sum := report.NewHistogram()
	var sent, received, errors int64
	var rate float64
	start, end := time.Time{}, time.Time{}
	for i, p := range inputs {
		r := readResult(t, p)
		if r.Tags["agent"] != fmt.Sprint(i) || r.Received == 0 {
			t.Fatalf("%s: tags %v, received %d", p, r.Tags, r.Received)
		}
		if r.Start.Before(at) {
			t.Errorf("%s: measured from %v, before --start-at %v", p, r.Start, at)
		}
		sent += r.Sent
		received += r.Received
		errors += r.Errors
		rate += r.MsgsPerSec()
		if d := sum.Merge(r.RTT); d != 0 {
			t.Fatalf("dropped %d values", d)
		}
		if i == 0 || r.Start.After(start) {
			start = r.Start
		}
		if e := r.Start.Add(r.Elapsed); i == 0 || e.Before(end) {
			end = e
		}
	}
	if m.Sent != sent || m.Received != received || m.Errors != errors {
		t.Errorf("merged sent/received/errors %d/%d/%d, want the sums %d/%d/%d", m.Sent, m.Received, m.Errors, sent, received, errors)
	}
	if !m.RTT.Equals(sum) {
		t.Errorf("merged histogram differs from the sum of the inputs'")
	}
	for _, q := range []float64{50, 90, 99, 99.9, 99.99, 100} {
		if got, want := m.RTT.ValueAtQuantile(q), sum.ValueAtQuantile(q); got != want {
			t.Errorf("merged p%g = %d ns, want %d ns", q, got, want)
		}
	}
	// The window is where all agents ran; the rate is the sum of theirs.
	if !m.Start.Equal(start) || m.Elapsed != end.Sub(start) {
		t.Errorf("merged window %v + %v, want %v + %v", m.Start, m.Elapsed, start, end.Sub(start))
	}
	if m.Merged == nil || m.Merged.Inputs != agents || math.Abs(m.MsgsPerSec()-rate) > 1e-6*rate {
		t.Errorf("merged %+v, msgs/s %.1f; want %d inputs and %.1f msgs/s", m.Merged, m.MsgsPerSec(), agents, rate)
	}
	if m.Tags["job"] != "ci" || m.Tags["agent"] != "" {
		t.Errorf("merged tags %v, want only the shared job=ci", m.Tags)
	}

	// The interval logs merge the same way: their counts add up to the
	// merged histogram's.
	var logs []string
	for i := range agents {
		logs = append(logs, filepath.Join(dir, fmt.Sprintf("agent-%d.hlog", i)))
	}
	mergedLog := filepath.Join(dir, "merged.hlog")
	if _, errOut, code := runCLI(t, "", append(append([]string{"report", "merge"}, logs...), "-o", mergedLog)...); code != exitOK {
		t.Fatalf("report merge of logs: exit %d: %s", code, errOut)
	}
	ivs := readHlog(t, mergedLog)
	var n int64
	for _, iv := range ivs {
		n += iv.Hist.TotalCount()
	}
	if n != sum.TotalCount() {
		t.Errorf("merged log holds %d RTTs, the merged result %d", n, sum.TotalCount())
	}
}

// TestReportMergeSameRunTwice gives merge one result twice, once under
// another name: it refuses, naming both files.
func TestReportMergeSameRunTwice(t *testing.T) {
	dir := t.TempDir()
	a := writeResult(t, dir, "a.json", 100, 10*time.Microsecond, 20*time.Microsecond, nil)
	b := writeResult(t, dir, "b.json", 300, 10*time.Microsecond, 20*time.Microsecond, nil)
	src, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "a-again.json")
	if err := os.WriteFile(again, src, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{a, b, a}, {a, b, again}} {
		out, errs, code := runCLI(t, "", append([]string{"report", "merge"}, args...)...)
		want := a + " and " + args[2] + " are the same run"
		if code != exitUsage || out != "" || !strings.Contains(errs, want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("merge %v: exit %d, stdout %d bytes, stderr %q; want exit 2 and one line containing %q", args, code, len(out), errs, want)
		}
	}
}

const oneRunWarning = "one run a side cannot separate a change from noise"

// TestReportCompareWarnsOnModeDifferences compares runs made differently:
// compare warns on stderr, naming what differs, and still compares.
func TestReportCompareWarnsOnModeDifferences(t *testing.T) {
	dir := t.TempDir()
	base := writeResult(t, dir, "base.json", 1000, 10*time.Microsecond, 30*time.Microsecond, nil)
	flood := writeResult(t, dir, "flood.json", 1000, 10*time.Microsecond, 30*time.Microsecond, func(r *report.Run) {
		r.Command, r.Connections, r.TargetRate = "flood", 4, 5000
	})
	out, errs, code := runCLI(t, "", "report", "compare", "--baseline", base, flood)
	if code != exitOK || !strings.Contains(out, "no regression") {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	for _, want := range []string{"warning:", "command: ping vs flood", "loop: closed loop vs open loop", "connections: 1 vs 4"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q does not contain %q", errs, want)
		}
	}
	if strings.Count(errs, "\n") != 2 || !strings.Contains(errs, oneRunWarning) {
		t.Errorf("stderr has %d lines, want the mode warning and the one-run warning: %q", strings.Count(errs, "\n"), errs)
	}
	_, errs, _ = runCLI(t, "", "report", "compare", "--baseline", base, base)
	if !strings.HasPrefix(errs, "warning: "+oneRunWarning) || strings.Count(errs, "\n") != 1 {
		t.Errorf("comparing a run with itself warns: %q; want only the one-run warning", errs)
	}
}

// TestReportCompareSeveralRuns compares five results a side.
func TestReportCompareSeveralRuns(t *testing.T) {
	dir := t.TempDir()
	side := func(name string, scale float64, n int) []string {
		var paths []string
		for i := range n {
			lo := time.Duration(float64(10_000+100*i) * scale)
			paths = append(paths, writeResult(t, dir, fmt.Sprintf("%s-%d.json", name, i), 1000, lo, 3*lo, nil))
		}
		return paths
	}
	base := side("base", 1, 5)
	var args []string
	for _, b := range base {
		args = append(args, "--baseline", b)
	}
	compare := func(cur ...string) (string, string, int) {
		return runCLI(t, "", append(append([]string{"report", "compare"}, args...), cur...)...)
	}
	out, errs, code := compare(side("slow", 1.3, 5)...)
	if code != exitRegression || !strings.Contains(tableRow(out, "p50"), "| +30.0% | +2") || !strings.Contains(tableRow(out, "p50"), "REGRESSED") {
		t.Errorf("30%% slower: exit %d, p50 row %q\n%s\n%s", code, tableRow(out, "p50"), out, errs)
	}
	if !strings.Contains(out, "(5 runs, medians)") || !strings.Contains(out, "significant at p < 0.0167") {
		t.Errorf("no sign of a statistical comparison:\n%s", out)
	}
	out, errs, code = compare(side("same", 1.001, 5)...)
	if code != exitOK || !strings.HasSuffix(tableRow(out, "p50"), "| ~ |") || errs != "" {
		t.Errorf("same: exit %d, p50 row %q, stderr %q", code, tableRow(out, "p50"), errs)
	}
	_, errs, code = compare(side("three", 1.3, 3)...)
	if code != exitOK || !strings.Contains(errs, "with 5 baseline and 3 current runs no change can be significant") {
		t.Errorf("three current runs: exit %d, stderr %q; want 0 and a warning that nothing can be flagged", code, errs)
	}
}
