package table

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/internal/fixture"
)

func TestWriteTable(t *testing.T) {
	r := fixture.Run(1, 0)
	r.ErrorSamples = []string{"read tcp 127.0.0.1:7000: connection reset by peer"}
	r.Errors = 1
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return Write(b, r) }))
}

func TestWriteTableRateLimited(t *testing.T) {
	r := fixture.Run(1, 2000)
	r.Interrupted = true
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return Write(b, r) }))
}

func TestWriteMarkdown(t *testing.T) {
	r := fixture.Run(1, 2000)
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }))
}

func TestWriteComparison(t *testing.T) {
	base, cur := fixture.Run(1, 0), fixture.Run(2, 0)
	cur.Received -= 600 // a 10% drop in throughput
	limits, err := report.ParseLimits(report.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	c := report.Compare(base, cur, limits, 2*time.Microsecond)
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return WriteComparison(b, c) }))
}

func TestWriteComparisonMarkdown(t *testing.T) {
	base, cur := fixture.Run(1, 0), fixture.Run(2, 0)
	cur.Received -= 600
	limits, err := report.ParseLimits(report.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	c := report.Compare(base, cur, limits, 2*time.Microsecond)
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return WriteComparisonMarkdown(b, c) }))
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{MsgRate(11098767.9), "11.10 M msgs/s"},
		{byteRate(577135931.1), "577.1 MB/s"},
		{bytesOf(1155042304), "1.155 GB"},
		{bytesOf(52), "52 B"},
		{MsgRate(999.96), "1.000 k msgs/s"},
		{sig(9999.6), "10000"},
		{sig(99.996), "100.0"},
		{MsgRate(999_960), "1.000 M msgs/s"},
		{MsgRate(0.5), "0.500 msgs/s"},
		{msgs(9999), "9999 msgs"},
		{msgs(5_829_120), "5.829 M msgs"},
		{latencyWithUnit(18239), "18.24 µs"},
		{latencyWithUnit(890), "890.0 ns"},
		{latencyWithUnit(62_128_127), "62.13 ms"},
		{latencyWithUnit(1.5e9), "1.500 s"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestNoDuplicateRows checks that a closed-loop run has one throughput row
// and no achieved rate, and that one connection has no per-connection
// spread.
func TestNoDuplicateRows(t *testing.T) {
	r := fixture.Run(1, 0)
	r.PerConn = r.PerConn[:1]
	out := string(testutil.Output(t, func(b *bytes.Buffer) error { return Write(b, r) }))
	for _, no := range []string{"achieved", "per-connection"} {
		if strings.Contains(out, no) {
			t.Errorf("table has %q:\n%s", no, out)
		}
	}
}

func TestWriteTableEscapesControlCharacters(t *testing.T) {
	r := fixture.Run(1, 0)
	r.Command = "ping\x1b[2J\x1b]0;owned\x07"
	r.Addr = "127.0.0.1:7000\r\u202e"
	r.ErrorSamples = []string{"conn 0: \x1b[31mred\x1b[0m\x9b"}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if i := strings.IndexFunc(out, func(r rune) bool { return r != '\n' && unprintable(r) }); i >= 0 {
		t.Errorf("output holds control character %q at byte %d:\n%s", out[i:i+1], i, out)
	}
	for _, want := range []string{`ping\x1b[2J\x1b]0;owned\x07`, `127.0.0.1:7000\x0d\u202e`, `\x1b[31mred\x1b[0m\x9b`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// TestWriteComparisonRuns compares five runs a side, the current ones
// with 10% less throughput.
func TestWriteComparisonRuns(t *testing.T) {
	var base, cur []*report.Run
	for seed := range uint64(5) {
		b, c := fixture.Run(seed+1, 0), fixture.Run(seed+6, 0)
		c.Received -= c.Received / 10
		base, cur = append(base, b), append(cur, c)
	}
	limits, err := report.ParseLimits(report.DefaultLimitsRuns)
	if err != nil {
		t.Fatal(err)
	}
	c := report.CompareRuns(base, cur, limits, report.WithFloor(2*time.Microsecond))
	if !c.Regressed() || len(c.Warnings) != 0 {
		t.Errorf("regressed %v, warnings %q; want a regression and no warning", c.Regressed(), c.Warnings)
	}
	t.Run("ascii", func(t *testing.T) {
		testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return WriteComparison(b, c) }))
	})
	t.Run("markdown", func(t *testing.T) {
		testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return WriteComparisonMarkdown(b, c) }))
	})
}

// A run read back from an interval log keeps the command, peer and
// settings its title names, and prints "-" for what a log does not hold.
func TestWriteTableFromLog(t *testing.T) {
	var log bytes.Buffer
	if err := report.WriteHistogramLog(&log, fixture.Run(1, 0)); err != nil {
		t.Fatal(err)
	}
	title := "gigadex flood 127.0.0.1:7000, 2 connection(s), rate 5.000 k msgs/s, reply echo, mix order=90,cancel=10, window 256, env=ci"
	text := strings.Replace(log.String(), "#[gigadex ping 127.0.0.1:7000:", "#["+title+":", 1)
	if text == log.String() {
		t.Fatal("the log's title comment is not where the test expects it")
	}
	var got string
	ivs, err := report.ReadHistogramLog(strings.NewReader(text), report.WithTitle(func(s string) { got = s }))
	if err != nil {
		t.Fatal(err)
	}
	if got != title {
		t.Fatalf("title %q, want %q", got, title)
	}
	if ivs, err = report.SelectStream(ivs, ""); err != nil {
		t.Fatal(err)
	}
	r, err := report.FromIntervals(ivs)
	if err != nil {
		t.Fatal(err)
	}
	h, ok := report.ParseLogTitle(got)
	if !ok {
		t.Fatalf("ParseLogTitle(%q) failed", got)
	}
	h.Apply(r)
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return Write(b, r) }))
}

// One message type of a result keeps the result's header.
func TestWriteTableStream(t *testing.T) {
	r, err := report.StreamOf(fixture.Run(1, 2000), "order")
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return Write(b, r) }))
}

// A long tail reads in the unit of each value (ms), not as 5-digit µs.
func TestWriteTableLongTail(t *testing.T) {
	r := fixture.Linear()
	for range 10 {
		if err := r.RTT.RecordValue(int64(43 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	testutil.Golden(t, testutil.Output(t, func(b *bytes.Buffer) error { return Write(b, r) }))
}
