package report

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/internal/testutil"
)

// hdrJar returns the HdrHistogram jar of the Debian package
// libhdrhistogram-java, or the one named by GIGADEX_HDRHISTOGRAM_JAR, and
// the java binary. If either is missing it skips the test, or fails it
// when GIGADEX_REQUIRE_INTEROP=1 (as in CI).
func hdrJar(t *testing.T) (java, jar string) {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		testutil.SkipInterop(t, "java not found on PATH; install default-jre-headless to run this test")
	}
	candidates := []string{os.Getenv("GIGADEX_HDRHISTOGRAM_JAR"), "/usr/share/java/hdrhistogram.jar", "/usr/share/java/HdrHistogram.jar"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return java, c
		}
	}
	testutil.SkipInterop(t, "HdrHistogram jar not found; install libhdrhistogram-java or set GIGADEX_HDRHISTOGRAM_JAR")
	return "", ""
}

// spectrumLines returns the percentile and footer lines of a .hgrm text:
// the lines that start with a number, and the #[Mean, #[Max and #[Buckets
// lines.
func spectrumLines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if _, err := strconv.ParseFloat(f[0], 64); err == nil ||
			strings.HasPrefix(l, "#[Mean") || strings.HasPrefix(l, "#[Max") || strings.HasPrefix(l, "#[Buckets") {
			out = append(out, l)
		}
	}
	return out
}

// TestJavaHistogramLogProcessor writes an interval log, has Java's
// HistogramLogProcessor summarise each tagged stream, and checks that its
// percentile spectrum (in µs) is line for line the one WritePercentiles
// gives for the same stream, and that its per-interval percentiles agree
// with ours.
func TestJavaHistogramLogProcessor(t *testing.T) {
	java, jar := hdrJar(t)
	run := fixtureRun(7, 0)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "run.hlog")
	var buf bytes.Buffer
	if err := WriteHistogramLog(&buf, run); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(logPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tag := range fixtureTags {
		t.Run(tag, func(t *testing.T) {
			out := filepath.Join(dir, tag)
			cmd := exec.Command(java, "-cp", jar, "org.HdrHistogram.HistogramLogProcessor",
				"-i", logPath, "-o", out, "-tag", tag, "-outputValueUnitRatio", "1000")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", cmd, err, b)
			}
			javaHgrm, err := os.ReadFile(out + ".hgrm")
			if err != nil {
				t.Fatal(err)
			}
			total := NewHistogram()
			var ivs []Interval
			for _, iv := range run.Intervals {
				if iv.Tag == tag {
					iv.Hist.MergeInto(total)
					ivs = append(ivs, iv)
				}
			}
			var ours bytes.Buffer
			if err := WriteHistogramPercentiles(&ours, total, time.Microsecond); err != nil {
				t.Fatal(err)
			}
			got, want := spectrumLines(ours.Bytes()), spectrumLines(javaHgrm)
			if len(want) < 20 {
				t.Fatalf("java wrote only %d spectrum lines:\n%s", len(want), javaHgrm)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d spectrum lines, java wrote %d\nours:\n%s\njava:\n%s", len(got), len(want), ours.Bytes(), javaHgrm)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("line %d:\n got %q\nwant %q", i, got[i], want[i])
				}
			}
			checkJavaIntervals(t, out, ivs)
		})
	}
}

// javaValueAt returns the value at percentile q as Java's HdrHistogram
// (2.1.10 and later) defines it: the value of the sample of rank
// ceil(q/100*count). hdrhistogram-go rounds the rank half up instead, so
// the two can differ by one sample; ValueAtQuantile at 100*rank/count
// gives Java's sample.
func javaValueAt(h *hdrhistogram.Histogram, q float64) int64 {
	n := float64(h.TotalCount())
	rank := math.Ceil(q / 100 * n)
	return h.ValueAtQuantile(100 * rank / n)
}

// checkJavaIntervals compares the interval lines of HistogramLogProcessor
// ("1.000: I:666 (  19.983  30.815 466.943 ) T:..."; p50, p90 and max in
// µs) with the intervals we wrote.
func checkJavaIntervals(t *testing.T, path string, ivs []Interval) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, l := range strings.Split(string(b), "\n") {
		_, rest, ok := strings.Cut(l, ": I:")
		if !ok {
			continue
		}
		if n >= len(ivs) {
			t.Fatalf("java reports more than our %d intervals: %q", len(ivs), l)
		}
		f := strings.Fields(strings.NewReplacer("(", " ", ")", " ").Replace(rest))
		if len(f) < 4 {
			t.Fatalf("unexpected interval line %q", l)
		}
		h := dense(ivs[n].Hist)
		count, _ := strconv.ParseInt(f[0], 10, 64)
		if count != h.TotalCount() {
			t.Errorf("interval %d: java count %d, ours %d", n, count, h.TotalCount())
		}
		for i, ns := range []int64{javaValueAt(h, 50), javaValueAt(h, 90), h.Max()} {
			us, err := strconv.ParseFloat(f[1+i], 64)
			if err != nil {
				t.Fatalf("interval line %q: %v", l, err)
			}
			// Java prints µs with 3 decimals: equal to the ns value within rounding.
			if d := us*1000 - float64(ns); d > 0.5 || d < -0.5 {
				t.Errorf("interval %d column %d: java %.3f µs, ours %d ns", n, i, us, ns)
			}
		}
		n++
	}
	if n != len(ivs) {
		t.Errorf("java reports %d intervals, we wrote %d", n, len(ivs))
	}
}
