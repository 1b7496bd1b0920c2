package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
)

// goldenSuites returns the suites of the golden file: the thresholds of a
// rate-limited fixture run (one passes, two fail), a comparison against a
// slower baseline with a floor, and a run that measured nothing.
func goldenSuites(t *testing.T) []TestSuite {
	t.Helper()
	run := fixtureRun(1, 2000)
	var ths []Threshold
	for _, s := range []string{"p99<50ms", "p99.9<1us", "msgs_per_sec>1000000"} {
		th, err := ParseThreshold(s)
		if err != nil {
			t.Fatal(err)
		}
		ths = append(ths, th)
	}
	run.ApplyThresholds(ths)
	base := fixtureRun(2, 0)
	limits, err := ParseLimits("p99=10%,p99.9=20%,msgs_per_sec=5%")
	if err != nil {
		t.Fatal(err)
	}
	cmp := Compare(base, fixtureRun(3, 0), limits, time.Microsecond)
	empty := NewRun("ping", "127.0.0.1:9", 1)
	empty.Start = fixtureStart
	empty.ApplyThresholds(ths[:1])
	return []TestSuite{ThresholdSuite("rate", run), ComparisonSuite("closed vs baseline", cmp), ThresholdSuite("nothing measured", empty)}
}

func TestWriteJUnit(t *testing.T) {
	out := testutil.Output(t, func(b *bytes.Buffer) error { return WriteJUnit(b, goldenSuites(t)...) })
	testutil.Golden(t, out)
	tests, failures := testutil.CheckJUnit(t, out, "testdata/junit.xsd")
	if tests != 7 || failures != 3 {
		t.Errorf("%d cases, %d failed; want 7 cases (3 thresholds, 3 limits, 1 threshold), 3 failed", tests, failures)
	}
	for _, want := range []string{
		`<failure message="p99.9 `, `, limit &lt; 1µs" type="threshold">`, // measured value and limit
		`<failure message="p99 nothing (no round trip was measured), limit &lt; 50ms"`,
		"limit: -5%",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the document lacks %q", want)
		}
	}
}

// TestWriteJUnitRoundTrip: a result read back from JSON gives the same
// cases as the run that wrote it.
func TestWriteJUnitRoundTrip(t *testing.T) {
	s := goldenSuites(t)[0]
	run := fixtureRun(1, 2000)
	var ths []Threshold
	for _, c := range s.Cases {
		th, _ := ParseThreshold(c.Name)
		ths = append(ths, th)
	}
	run.ApplyThresholds(ths)
	var js bytes.Buffer
	if err := WriteJSON(&js, run); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	got := ThresholdSuite("rate", back)
	for i := range s.Cases {
		if got.Cases[i] != s.Cases[i] {
			t.Errorf("case %d back from JSON: got %+v, want %+v", i, got.Cases[i], s.Cases[i])
		}
	}
}
