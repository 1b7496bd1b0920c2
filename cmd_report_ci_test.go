package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gigadex/gigadex/internal/testutil"
)

const junitXSD = "report/testdata/junit.xsd"

// TestReportJUnit: real results give valid JUnit: the ping's two
// thresholds (one failed), the flood's one, the capacity's verdict and
// two SLO terms; the merged run checked nothing.
func TestReportJUnit(t *testing.T) {
	out, errs, code := runCLI(t, "", "report", "junit", "testdata/ping.json", "testdata/flood.json", "testdata/merged.json", capacityFixture)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	tests, failures := testutil.CheckJUnit(t, []byte(out), junitXSD)
	if tests != 6 || failures != 1 {
		t.Errorf("%d cases, %d failed; want 6 and 1", tests, failures)
	}
	for _, want := range []string{`<failure message="p99.9 18.186239ms, limit &lt; 1µs" type="threshold">`,
		`<testsuite name="capacity" tests="3" failures="0"`, "measured: 30.62 ms at 22.0 k msgs/s (step 8)"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

// TestReportCompareJUnit: --junit writes the compared metrics that have a
// limit and the thresholds, and compare keeps its exit code.
func TestReportCompareJUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "compare.xml")
	_, errs, code := runCLI(t, "", "report", "compare", "--baseline", capacityFixture, capacityVariant(t, "8000"),
		"--threshold", "p99<1s", "--junit", path)
	if code != exitRegression {
		t.Fatalf("exit %d, want %d: %s", code, exitRegression, errs)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tests, failures := testutil.CheckJUnit(t, doc, junitXSD)
	if tests != 4 || failures != 1 || !strings.Contains(string(doc), `<failure message="msgs_per_sec regressed: `) {
		t.Errorf("%d cases, %d failed, want 4 (p99, p99.9, msgs_per_sec, the threshold) and 1:\n%s", tests, failures, doc)
	}
}

// TestReportCompareJUnitRuns: with several current runs, --junit holds
// the threshold verdicts of each, named by run, as the exit status checks
// each.
func TestReportCompareJUnitRuns(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/ping.json")
	if err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "second.json")
	if err := os.WriteFile(second, data, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "compare.xml")
	_, errs, code := runCLI(t, "", "report", "compare", "--baseline", "testdata/ping.json", "--baseline", "testdata/ping.json",
		"testdata/ping.json", second, "--threshold", "p99<10s", "--threshold", "p50<1ns", "--junit", path)
	if code != exitRegression {
		t.Fatalf("exit %d, want %d: %s", code, exitRegression, errs)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, failures := testutil.CheckJUnit(t, doc, junitXSD)
	for _, want := range []string{`name="testdata/ping.json: p99&lt;10s"`, `name="testdata/ping.json: p50&lt;1ns"`,
		`name="` + second + `: p99&lt;10s"`, `name="` + second + `: p50&lt;1ns"`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("no case %s", want)
		}
	}
	if failures != 2 {
		t.Errorf("%d failures, want 2 (p50<1ns of each run):\n%s", failures, doc)
	}
}

// TestReportCSV: the flood's seconds, all types and each type, and its
// spectrum.
func TestReportCSV(t *testing.T) {
	out, errs, code := runCLI(t, "", "report", "csv", "testdata/flood.json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "time,tag,count,p50_ns,p99_ns,p99_9_ns,max_ns" || len(rows) != 1+3*4 {
		t.Errorf("%d rows (want a header and 4 seconds of all, cancel and order), header %v", len(rows), rows[0])
	}
	out, errs, code = runCLI(t, "", "report", "csv", "--spectrum", "testdata/ping.json")
	if code != exitOK || !strings.HasPrefix(out, "percentile,value_ns,count,inverse\n0,32927,1,1.00\n") || !strings.Contains(out, "\n100,20889599,6000,\n") {
		t.Errorf("exit %d, stderr %q, spectrum:\n%s", code, errs, out)
	}
	// a capacity search: a row per step; its spectrum: the step at its capacity
	out, errs, code = runCLI(t, "", "report", "csv", capacityFixture)
	rows, err = csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != exitOK || err != nil || len(rows) != 9 || rows[0][0] != "step" || strings.Join(rows[5][:6], ",") != "5,32000,30838.0,25600,fail,p99<40ms;p99.9<80ms" {
		t.Errorf("capacity: exit %d, %v, stderr %q:\n%s", code, err, errs, out)
	}
	if _, errs, code = runCLI(t, "", "report", "csv", "--tag", "order", capacityFixture); code != exitUsage || !strings.Contains(errs, "does not apply to a capacity result") {
		t.Errorf("capacity --tag: exit %d, %q", code, errs)
	}
	if out, errs, code = runCLI(t, "", "report", "csv", "--spectrum", capacityFixture); code != exitOK || !strings.HasPrefix(out, "percentile,value_ns,count,inverse\n") {
		t.Errorf("capacity --spectrum: exit %d, %q:\n%s", code, errs, out)
	}
	if _, errs, code = runCLI(t, "", "report", "csv"); code != exitUsage || !strings.Contains(errs, "want one RESULT") {
		t.Errorf("no result: exit %d, %q", code, errs)
	}
}

// TestPingJUnit: ping --junit writes its threshold verdicts, and ping
// keeps its exit code.
func TestPingJUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ping.xml")
	_, errs, code := runCLI(t, "", "ping", "-n", "300", "--warmup", "50", "-q", "--threshold", "p99<10s", "--threshold", "p50<1ns", "--junit", path)
	if code != exitRegression {
		t.Fatalf("exit %d, want %d: %s", code, exitRegression, errs)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if tests, failures := testutil.CheckJUnit(t, doc, junitXSD); tests != 2 || failures != 1 || !strings.Contains(string(doc), `<testsuite name="ping"`) {
		t.Errorf("%d cases, %d failed, want 2 and 1:\n%s", tests, failures, doc)
	}
	if _, errs, code := runCLI(t, "", "ping", "-n", "10", "-o", path, "--junit", path); code != exitUsage || !strings.Contains(errs, "the same file as -o") {
		t.Errorf("--junit on -o's file: exit %d, %s", code, errs)
	}
}
