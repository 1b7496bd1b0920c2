package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/<test name>.golden, or rewrites that
// file when the test runs with -update.
func golden(t *testing.T, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "_")+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test ./report -update if the change is intended)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func render(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWriteTable(t *testing.T) {
	r := fixtureRun(1, 0)
	r.ErrorSamples = []string{"read tcp 127.0.0.1:7000: connection reset by peer"}
	r.Errors = 1
	golden(t, render(t, func(b *bytes.Buffer) error { return WriteTable(b, r) }))
}

func TestWriteTableRateLimited(t *testing.T) {
	r := fixtureRun(1, 2000)
	r.Interrupted = true
	golden(t, render(t, func(b *bytes.Buffer) error { return WriteTable(b, r) }))
}

func TestWriteMarkdown(t *testing.T) {
	r := fixtureRun(1, 2000)
	golden(t, render(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }))
}

func TestWriteJSON(t *testing.T) {
	r := fixtureRun(1, 2000)
	golden(t, render(t, func(b *bytes.Buffer) error { return WriteJSON(b, r) }))
}

func TestWritePercentiles(t *testing.T) {
	r := fixtureRun(1, 0)
	golden(t, render(t, func(b *bytes.Buffer) error { return WritePercentiles(b, r) }))
}

func TestWriteHistogramLog(t *testing.T) {
	r := fixtureRun(1, 0)
	r.Start = r.Start.Add(250 * time.Millisecond) // a start that is not on a whole second
	golden(t, render(t, func(b *bytes.Buffer) error { return WriteHistogramLog(b, r) }))
}

func TestWriteComparison(t *testing.T) {
	base, cur := fixtureRun(1, 0), fixtureRun(2, 0)
	cur.Received -= 600 // a 10% drop in throughput
	limits, err := ParseLimits(DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	c := Compare(base, cur, limits, 2*time.Microsecond)
	golden(t, render(t, func(b *bytes.Buffer) error { return WriteComparison(b, c) }))
}

func TestWriteComparisonMarkdown(t *testing.T) {
	base, cur := fixtureRun(1, 0), fixtureRun(2, 0)
	cur.Received -= 600
	limits, err := ParseLimits(DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	c := Compare(base, cur, limits, 2*time.Microsecond)
	golden(t, render(t, func(b *bytes.Buffer) error { return WriteComparisonMarkdown(b, c) }))
}
