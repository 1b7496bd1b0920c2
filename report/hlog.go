package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// WriteHistogramLog writes the intervals of r as an HdrHistogram interval
// log, format 1.3, as Java's HistogramLogWriter does: a version comment,
// #[StartTime: ...] (r.Start), #[BaseTime: ...] (r.Start rounded down to
// the second), a legend, and one line per interval. Each message type is a
// tagged stream (Tag=order,...); intervals without a tag are untagged
// lines. Timestamps are seconds relative to BaseTime; Interval_Max is in
// milliseconds; histogram values are nanoseconds. Java's
// HistogramLogProcessor and [ReadHistogramLog] read it.
func WriteHistogramLog(w io.Writer, r *Run) error {
	bw := bufio.NewWriter(w)
	if err := writeHistogramLog(bw, r); err != nil {
		return fmt.Errorf("report: write histogram log: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write histogram log: %w", err)
	}
	return nil
}

func writeHistogramLog(w io.Writer, r *Run) error {
	startMs := r.Start.UnixMilli()
	if r.Start.IsZero() {
		startMs = 0
		if len(r.Intervals) > 0 {
			startMs = r.Intervals[0].StartMs
		}
	}
	// BaseTime is written in whole seconds, so the timestamps must be
	// relative to a whole second too.
	baseMs := startMs - startMs%1000
	lw := hdrhistogram.NewHistogramLogWriter(w)
	lw.SetBaseTime(baseMs)
	steps := []func() error{
		lw.OutputLogFormatVersion,
		func() error {
			return lw.OutputComment(fmt.Sprintf("[gigadex %s: RTT in ns, Interval_Max in ms]", name(r)))
		},
		// OutputStartTime drops the milliseconds; write the line as Java does.
		func() error {
			return lw.OutputComment(fmt.Sprintf("[StartTime: %.3f (seconds since epoch), %s]",
				float64(startMs)/1000, time.UnixMilli(startMs).UTC().Format("2006-01-02T15:04:05.000Z07:00")))
		},
		func() error { return lw.OutputBaseTime(baseMs) },
		lw.OutputLegend,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	for _, iv := range r.Intervals {
		if strings.ContainsAny(iv.Tag, ", \r\n") {
			return fmt.Errorf("tag %q contains a comma, space or line break", iv.Tag)
		}
		// A copy carries the tag and times without touching iv.Hist.
		p := iv.Hist.Clone()
		p.SetTag(iv.Tag)
		p.SetStartTimeMs(iv.StartMs)
		p.SetEndTimeMs(iv.EndMs)
		if err := lw.OutputIntervalPackedHistogram(p); err != nil {
			return err
		}
	}
	return nil
}

var (
	reStartTime = regexp.MustCompile(`^#\[StartTime: ([\d.]+)`)
	reBaseTime  = regexp.MustCompile(`^#\[BaseTime: ([\d.]+)`)
)

// ReadHistogramLog reads an HdrHistogram interval log, such as one written
// by [WriteHistogramLog] or by Java's HistogramLogWriter, and returns its
// intervals in file order with absolute times in Unix milliseconds (rounded
// to the millisecond). Following the Java reader, interval timestamps are
// relative to #[BaseTime: ...] when the log has one; otherwise they are
// taken as relative to #[StartTime: ...] if they lie more than a year before
// it, and as absolute if not.
func ReadHistogramLog(rd io.Reader) ([]Interval, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var (
		out                 []Interval
		startSec, baseSec   float64
		haveStart, haveBase bool
		lineNo              int
	)
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, `"`):
			continue // blank or legend
		case strings.HasPrefix(line, "#"):
			if m := reStartTime.FindStringSubmatch(line); m != nil {
				startSec, haveStart = parseFloatOr(m[1], startSec), true
			} else if m := reBaseTime.FindStringSubmatch(line); m != nil {
				baseSec, haveBase = parseFloatOr(m[1], baseSec), true
			}
			continue
		}
		iv, tsSec, err := parseIntervalLine(line)
		if err != nil {
			return nil, fmt.Errorf("report: read histogram log: line %d: %w", lineNo, err)
		}
		if !haveStart {
			startSec, haveStart = tsSec, true
		}
		if !haveBase {
			if tsSec < startSec-365*24*3600 {
				baseSec = startSec
			}
			haveBase = true
		}
		lenMs := iv.EndMs
		iv.StartMs = int64(math.Round((tsSec + baseSec) * 1000))
		iv.EndMs = iv.StartMs + lenMs
		iv.Hist.SetStartTimeMs(iv.StartMs)
		iv.Hist.SetEndTimeMs(iv.EndMs)
		out = append(out, iv)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("report: read histogram log: %w", err)
	}
	return out, nil
}

var errLogLine = errors.New("malformed interval line")

// parseIntervalLine parses "[Tag=T,]start,length,max,payload". It returns
// the interval with EndMs holding the length in milliseconds, and the start
// timestamp in seconds as written.
func parseIntervalLine(line string) (Interval, float64, error) {
	var iv Interval
	if rest, ok := strings.CutPrefix(line, "Tag="); ok {
		tag, rest, ok := strings.Cut(rest, ",")
		if !ok {
			return iv, 0, errLogLine
		}
		iv.Tag, line = tag, rest
	}
	f := strings.SplitN(line, ",", 4)
	if len(f) != 4 {
		return iv, 0, errLogLine
	}
	ts, err1 := strconv.ParseFloat(f[0], 64)
	length, err2 := strconv.ParseFloat(f[1], 64)
	if err := errors.Join(err1, err2); err != nil {
		return iv, 0, fmt.Errorf("%w: %w", errLogLine, err)
	}
	h, err := hdrhistogram.DecodePacked([]byte(f[3]))
	if err != nil {
		return iv, 0, fmt.Errorf("histogram: %w", err)
	}
	h.Compact()
	h.SetTag(iv.Tag)
	iv.Hist = h
	iv.EndMs = int64(math.Round(length * 1000))
	return iv, ts, nil
}

func parseFloatOr(s string, def float64) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return def
	}
	return v
}

// name returns the command and address of r, such as "ping 127.0.0.1:7000".
func name(r *Run) string {
	return strings.TrimSpace(r.Command + " " + r.Addr)
}
