package testutil

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"testing"
)

// CheckJUnit checks a JUnit XML document: against the schema xsd with
// xmllint (Debian's libxml2-utils, which scripts/install-deps.sh
// installs; without it the test fails where GIGADEX_REQUIRE_INTEROP is
// set, as in CI, and checks the structure alone elsewhere), and by
// decoding it: each count attribute must equal the elements it counts.
// It returns the number of test cases and of failures.
func CheckJUnit(t testing.TB, doc []byte, xsd string) (tests, failures int) {
	t.Helper()
	if path, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("GIGADEX_REQUIRE_INTEROP") != "" {
			t.Fatalf("xmllint: %v (apt-get install libxml2-utils, or scripts/install-deps.sh)", err)
		}
		t.Logf("xmllint not found: the document's structure is checked, not its schema")
	} else {
		cmd := exec.Command(path, "--noout", "--schema", xsd, "-")
		cmd.Stdin = bytes.NewReader(doc)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the JUnit document is not valid against %s: %v\n%s\n%s", xsd, err, out, doc)
		}
	}
	type testcase struct {
		Name    string    `xml:"name,attr"`
		Failure *struct{} `xml:"failure"`
	}
	type suite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	var d struct {
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Suites   []suite `xml:"testsuite"`
	}
	if err := xml.Unmarshal(doc, &d); err != nil {
		t.Fatalf("the JUnit document does not decode: %v\n%s", err, doc)
	}
	for _, s := range d.Suites {
		f := 0
		for _, c := range s.Cases {
			if c.Name == "" {
				t.Errorf("suite %s: a test case without a name", s.Name)
			}
			if c.Failure != nil {
				f++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f {
			t.Errorf("suite %s: tests=%d failures=%d, but it holds %d cases, %d failed", s.Name, s.Tests, s.Failures, len(s.Cases), f)
		}
		tests, failures = tests+len(s.Cases), failures+f
	}
	if d.Tests != tests || d.Failures != failures {
		t.Errorf("testsuites: tests=%d failures=%d, but the suites hold %d cases, %d failed", d.Tests, d.Failures, tests, failures)
	}
	return tests, failures
}
