package report

import (
	"math"
	"strconv"
	"time"

	"github.com/dustin/go-humanize"
)

// The one way gigadex prints numbers for people: tables, progress lines,
// capacity's steps and echo's stats all call these, so that a value reads
// the same wherever it appears.

// FormatSig formats v with 4 significant digits, in plain notation: 1234,
// 577.1, 11.10, 1.155. Values of 10,000 and more keep their integer digits.
func FormatSig(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 999.95:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 99.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 9.9995:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// FormatSI formats v with an SI prefix (go-humanize's) and 4 significant
// digits, followed by unit: "11.10 M msgs/s", "577.1 MB/s". sep goes
// between the prefix and the unit ("" for B, " " for msgs). Values below
// 1000 have no prefix.
func FormatSI(v float64, sep, unit string) string {
	if math.Abs(v) < 999.95 {
		return FormatSig(v) + " " + unit
	}
	m, prefix := humanize.ComputeSI(v)
	if m >= 999.95 { // rounding to 4 digits would print 1000
		m, prefix = humanize.ComputeSI(v * 1.0001)
	}
	return FormatSig(m) + " " + prefix + sep + unit
}

// FormatCount formats a count of unit: exact below 10,000, then with an SI
// prefix ("5.829 M msgs").
func FormatCount(n int64, unit string) string {
	if n < 10_000 && n > -10_000 {
		return strconv.FormatInt(n, 10) + " " + unit
	}
	return FormatSI(float64(n), " ", unit)
}

// FormatBytes formats a number of bytes: exact below 1000 ("512 B"),
// then with an SI prefix and 4 significant digits ("52.05 kB", "1.155
// GB"); 1 kB is 1000 bytes.
func FormatBytes(n int64) string {
	if n < 1000 && n > -1000 {
		return strconv.FormatInt(n, 10) + " B"
	}
	return FormatSI(float64(n), "", "B")
}

// LatencyUnit returns the unit, among ns, µs, ms and s, in which ns
// nanoseconds read as 1 to 999 (ns for anything below 1 µs).
func LatencyUnit(ns float64) time.Duration {
	switch {
	case ns >= 1e9:
		return time.Second
	case ns >= 1e6:
		return time.Millisecond
	case ns >= 1e3:
		return time.Microsecond
	}
	return time.Nanosecond
}

// UnitName names a latency unit: ns, µs, ms or s.
func UnitName(u time.Duration) string {
	switch u {
	case time.Second:
		return "s"
	case time.Millisecond:
		return "ms"
	case time.Microsecond:
		return "µs"
	}
	return "ns"
}

// FormatLatency formats d in the unit that fits it, with 4 significant
// digits: "850.0 ns", "41.20 µs", "3.250 ms", "1.500 s"; 0 is "0".
func FormatLatency(d time.Duration) string {
	if d == 0 {
		return "0" // nothing, not a measurement of 0.000 ns
	}
	u := LatencyUnit(float64(d))
	return FormatSig(float64(d)/float64(u)) + " " + UnitName(u)
}
