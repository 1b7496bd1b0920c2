package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// TestCase is one check as a JUnit testcase: a threshold, an SLO term or a
// compared metric, with what was measured and the limit it was held to.
type TestCase struct {
	Class    string // the kind of check: "threshold", "slo", "compare", "capacity"
	Name     string // the check: "p99<50us", "p99.9", "capacity"
	Measured string // the measured value, with its unit: "41.2µs"
	Limit    string // the limit: "< 50µs", "+10%"
	Failed   bool
	// Message says why a failed case failed, for people; empty when it
	// passed.
	Message string
}

// TestSuite is the test cases of one result (or comparison).
type TestSuite struct {
	Name    string        // the result: a file name, say
	Start   time.Time     // when it was measured; zero if unknown
	Elapsed time.Duration // how long it ran
	// Properties describe the result: command, peer, connections, ...
	// They are written in the order given.
	Properties [][2]string
	Cases      []TestCase
}

// Failures returns the number of failed cases of s.
func (s TestSuite) Failures() int {
	n := 0
	for _, c := range s.Cases {
		if c.Failed {
			n++
		}
	}
	return n
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties *junitPropeties `xml:"properties,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitPropeties struct {
	Props []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

type junitText struct {
	Text string `xml:",cdata"`
}

// WriteJUnit writes suites as one JUnit XML document, the format that
// Jenkins, GitLab and most CI servers show as test results: a <testsuites>
// with one <testsuite> per suite and one <testcase> per case, classname
// "gigadex.CLASS". A failed case has a <failure> whose message holds the
// measured value and the limit; every case's <system-out> holds them too.
// Times are in seconds; timestamps in UTC, as Ant writes them.
func WriteJUnit(w io.Writer, suites ...TestSuite) error {
	doc := junitSuites{Name: "gigadex"}
	var total time.Duration
	for _, s := range suites {
		js := junitSuite{Name: s.Name, Tests: len(s.Cases), Failures: s.Failures(), Time: junitSeconds(s.Elapsed)}
		if !s.Start.IsZero() {
			js.Timestamp = s.Start.UTC().Format("2006-01-02T15:04:05")
		}
		if len(s.Properties) > 0 {
			js.Properties = &junitPropeties{}
			for _, p := range s.Properties {
				js.Properties.Props = append(js.Properties.Props, junitProperty{Name: p[0], Value: p[1]})
			}
		}
		for _, c := range s.Cases {
			out := fmt.Sprintf("measured: %s\nlimit: %s\n", c.Measured, c.Limit)
			jc := junitCase{Name: c.Name, Classname: "gigadex." + c.Class, Time: "0", SystemOut: &junitText{out}}
			if c.Failed {
				msg := c.Message
				if msg == "" {
					msg = fmt.Sprintf("%s: measured %s, limit %s", c.Name, c.Measured, c.Limit)
				}
				jc.Failure = &junitFailure{Message: msg, Type: c.Class, Text: out}
			}
			js.Cases = append(js.Cases, jc)
		}
		doc.Tests += js.Tests
		doc.Failures += js.Failures
		total += s.Elapsed
		doc.Suites = append(doc.Suites, js)
	}
	doc.Time = junitSeconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("report: write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("report: write junit: %w", err)
	}
	return nil
}

func junitSeconds(d time.Duration) string {
	return strconv.FormatFloat(max(d.Seconds(), 0), 'f', 3, 64)
}

// ThresholdSuite returns the test suite of r named name: one case per threshold
// verdict in r.Thresholds, and the properties that say what was run.
func ThresholdSuite(name string, r *Run) TestSuite {
	s := TestSuite{Name: name, Start: r.Start, Elapsed: r.Elapsed, Properties: runProperties(r)}
	for _, t := range r.Thresholds {
		s.Cases = append(s.Cases, thresholdCase(r, t))
	}
	return s
}

func runProperties(r *Run) [][2]string {
	loop := "closed loop"
	if r.TargetRate > 0 {
		loop = strconv.FormatFloat(r.TargetRate, 'f', -1, 64) + " msgs/s"
	}
	return [][2]string{
		{"command", r.Command}, {"addr", r.Addr}, {"connections", strconv.Itoa(r.Connections)},
		{"rate", loop}, {"sent", strconv.FormatInt(r.Sent, 10)}, {"received", strconv.FormatInt(r.Received, 10)},
		{"errors", strconv.FormatInt(r.Errors, 10)},
	}
}

// thresholdCase is the case of one verdict; the limit is read back from
// its expression, so that a result read from JSON gives the same case.
func thresholdCase(r *Run, t ThresholdResult) TestCase {
	c := TestCase{Class: "threshold", Name: t.Expr, Failed: !t.Pass, Limit: t.Expr}
	th, err := ParseThreshold(t.Expr)
	if err != nil {
		c.Measured = strconv.FormatFloat(t.Value, 'g', -1, 64)
		return c
	}
	m, _ := ParseMetric(th.Metric)
	c.Limit = th.Op + " " + withUnit(m, th.Value)
	switch {
	case !r.Measured():
		c.Measured = "nothing (no round trip was measured)"
	case t.Latency:
		c.Measured = m.Format(math.Round(t.Value))
	default:
		c.Measured = withUnit(m, t.Value)
	}
	if c.Failed {
		c.Message = fmt.Sprintf("%s %s, limit %s", th.Metric, c.Measured, c.Limit)
	}
	return c
}

// withUnit formats v, a value of m, with its unit: "41.2µs", "1000 msgs/s",
// "0.1%".
func withUnit(m Metric, v float64) string {
	s := m.Format(v)
	if m.Kind != MetricLatency && m.Unit != "" && m.Unit != "%" {
		s += " " + m.Unit
	}
	return s
}

// ComparisonSuite returns the test suite of c named name: one case per
// compared metric that has a limit, failed when it regressed; metrics
// without a limit are reported but cannot fail, and are left out.
func ComparisonSuite(name string, c Comparison) TestSuite {
	s := TestSuite{Name: name}
	if c.Current != nil {
		s.Start, s.Elapsed, s.Properties = c.Current.Start, c.Current.Elapsed, runProperties(c.Current)
	}
	for _, d := range c.Deltas {
		if !d.HasLimit || math.IsNaN(d.Base) || math.IsNaN(d.Current) {
			continue // no limit, or not measured on a side (Comparison.Warnings says so)
		}
		m, err := ParseMetric(d.Metric)
		format := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
		if err == nil {
			format = func(v float64) string { return withUnit(m, v) }
		}
		sign := "+"
		if d.Kind == MetricRate {
			sign = "-"
		}
		tc := TestCase{Class: "compare", Name: d.Metric,
			Measured: fmt.Sprintf("%s (baseline %s, %+.1f%%)", format(d.Current), format(d.Base), d.Change),
			Limit:    fmt.Sprintf("%s%g%%", sign, d.Limit), Failed: d.Verdict == VerdictRegressed}
		if d.Verdict == VerdictBelowFloor {
			tc.Limit += fmt.Sprintf(", changes under %v ignored", c.Floor)
		}
		if tc.Failed {
			tc.Message = fmt.Sprintf("%s regressed: %s, baseline %s (%+.1f%%), limit %s", d.Metric, format(d.Current), format(d.Base), d.Change, tc.Limit)
		}
		s.Cases = append(s.Cases, tc)
	}
	return s
}
