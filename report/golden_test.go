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
