package table

import (
	"time"

	"github.com/gigadex/gigadex/report"
)

// The table's number formats are report's (report.FormatSig and its
// siblings), under short local names.

func sig(v float64) string { return report.FormatSig(v) }

func si(v float64, sep, unit string) string { return report.FormatSI(v, sep, unit) }

// msgs formats a number of messages ("5.829 M msgs").
func msgs(n int64) string { return report.FormatCount(n, "msgs") }

// bytesOf formats a number of bytes with an SI prefix ("303.1 MB").
func bytesOf(n int64) string { return report.FormatBytes(n) }

// MsgRate formats messages per second with an SI prefix and 4
// significant digits, as the tables print them: "11.10 M msgs/s".
func MsgRate(v float64) string { return si(v, " ", "msgs/s") }

// byteRate formats bytes per second ("577.1 MB/s").
func byteRate(v float64) string { return si(v, "", "B/s") }

// latencyWithUnit formats ns nanoseconds in the unit that fits, with it:
// "18.24 µs".
func latencyWithUnit(ns float64) string { return report.FormatLatency(time.Duration(ns)) }
