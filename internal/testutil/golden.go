package testutil

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update is the -update flag of every test binary that imports testutil:
// Golden rewrites its files instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Golden compares got with testdata/<test name>.golden, the slashes of a
// subtest's name made underscores, or rewrites that file when the test runs
// with -update. A missing file or a difference fails t.
func Golden(t testing.TB, got []byte) {
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
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run the test with -update if the change is intended)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// Output returns what write writes to a buffer; an error from write fails t.
func Output(t testing.TB, write func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
