package table

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/dustin/go-humanize"
)

// sig formats v with 4 significant digits, in plain notation: 1234, 577.1,
// 11.10, 1.155. Values of 10,000 and more keep their integer digits.
func sig(v float64) string {
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

// si formats v with an SI prefix and 4 significant digits, followed by
// unit: "11.10 M msgs/s", "577.1 MB/s", "1.155 GB". sep goes between the
// prefix and the unit ("" for B, " " for msgs). Values below 1000 have no
// prefix.
func si(v float64, sep, unit string) string {
	if math.Abs(v) < 999.95 {
		return sig(v) + " " + unit
	}
	m, prefix := humanize.ComputeSI(v)
	if m >= 999.95 { // rounding to 4 digits would print 1000
		m, prefix = humanize.ComputeSI(v * 1.0001)
	}
	return sig(m) + " " + prefix + sep + unit
}

// msgs formats a number of messages: exact below 10,000, then with an SI
// prefix ("5.829 M msgs").
func msgs(n int64) string {
	if n < 10_000 && n > -10_000 {
		return strconv.FormatInt(n, 10) + " msgs"
	}
	return si(float64(n), " ", "msgs")
}

// bytesOf formats a number of bytes with an SI prefix ("303.1 MB").
func bytesOf(n int64) string {
	if n < 1000 && n > -1000 {
		return strconv.FormatInt(n, 10) + " B"
	}
	return si(float64(n), "", "B")
}

// MsgRate formats messages per second with an SI prefix and 4
// significant digits, as the tables print them: "11.10 M msgs/s".
func MsgRate(v float64) string { return si(v, " ", "msgs/s") }

// byteRate formats bytes per second ("577.1 MB/s").
func byteRate(v float64) string { return si(v, "", "B/s") }

// latencyUnit returns the unit, among ns, µs, ms and s, in which ns
// nanoseconds read as 1 to 999 (ns for anything below 1 µs).
func latencyUnit(ns float64) time.Duration {
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

// unitName names a latency unit.
func unitName(u time.Duration) string {
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

// latency formats ns nanoseconds in unit u, without the unit.
func latency(ns float64, u time.Duration) string { return sig(ns / float64(u)) }

// latencyWithUnit formats ns nanoseconds in the unit that fits, with it:
// "18.24 µs".
func latencyWithUnit(ns float64) string {
	u := latencyUnit(ns)
	return fmt.Sprintf("%s %s", latency(ns, u), unitName(u))
}
