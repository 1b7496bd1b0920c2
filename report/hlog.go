package report

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// An interval log is written with hdrhistogram-go's HistogramLogWriter and
// read with its HistogramLogReader. Our code adds what they do not do:
//
//   - The StartTime and BaseTime lines are written with milliseconds, as
//     Java's HistogramLogWriter writes them (OutputStartTime and
//     OutputBaseTime write whole seconds), so that BaseTime can be the
//     window's start and interval timestamps read 0.000, 1.000, ...
//   - The untagged stream: per interval, the sum of the tagged streams.
//   - Reading line by line (logLines), so that an error names its line, a
//     malformed line is an error rather than skipped without a word (the
//     reader skips a line that does not match its pattern, such as
//     "1.0,1.0" or "Tag=x"), and a last line cut short by a killed writer
//     is skipped with a warning while the intervals before it are kept.
//   - Intervals are kept sparse: the reader decodes each interval into a
//     dense histogram (220 KB with this package's settings), which is
//     converted at once into a [hdrhistogram.PackedHistogram] of a few KB.

// WriteHistogramLog writes the intervals of r as an HdrHistogram interval
// log, format 1.3, as Java's HistogramLogWriter does: a version comment,
// #[StartTime: ...] and #[BaseTime: ...] (both the start of the first
// interval or r.Start, whichever is earlier, with milliseconds), a legend,
// and per interval an untagged line holding all message types together,
// followed by one line per message type (Tag=order,...). A reader given no
// tag, such as Java's HistogramLogProcessor without -tag, reads the whole
// run from the untagged lines. Timestamps are seconds relative to
// BaseTime; Interval_Max is in milliseconds; histogram values are
// nanoseconds. Java's HistogramLogProcessor and [ReadHistogramLog] read it.
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
	}
	for i, iv := range r.Intervals {
		if i == 0 && r.Start.IsZero() || iv.StartMs < startMs {
			startMs = iv.StartMs
		}
	}
	lw, err := writeLogHeader(w, "gigadex "+name(r), startMs)
	if err != nil {
		return err
	}
	for _, g := range groupIntervals(r.Intervals) {
		if err := writeLogGroup(lw, g); err != nil {
			return err
		}
	}
	return nil
}

// writeLogHeader writes the header of an interval log whose StartTime and
// BaseTime are startMs, and returns the writer for its interval lines.
func writeLogHeader(w io.Writer, title string, startMs int64) (*hdrhistogram.HistogramLogWriter, error) {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	lw.SetBaseTime(startMs)
	secs := fmt.Sprintf("%d.%03d", floorDiv(startMs, 1000), startMs-floorDiv(startMs, 1000)*1000)
	steps := []func() error{
		lw.OutputLogFormatVersion,
		func() error {
			return lw.OutputComment(fmt.Sprintf("[%s: RTT in ns, Interval_Max in ms; untagged lines hold all message types, tagged lines one each]", title))
		},
		func() error {
			return lw.OutputComment(fmt.Sprintf("[StartTime: %s (seconds since epoch), %s]",
				secs, time.UnixMilli(startMs).UTC().Format("2006-01-02T15:04:05.000Z07:00")))
		},
		func() error { return lw.OutputComment(fmt.Sprintf("[BaseTime: %s (seconds since epoch)]", secs)) },
		lw.OutputLegend,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return lw, nil
}

// groupIntervals groups intervals that start in the same second of Unix
// time, in order of their start; within a group they keep their order.
func groupIntervals(ivs []Interval) [][]Interval {
	idx := map[int64]int{}
	var groups [][]Interval
	for _, iv := range ivs {
		k := floorDiv(iv.StartMs, 1000)
		i, ok := idx[k]
		if !ok {
			i = len(groups)
			idx[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], iv)
	}
	slices.SortStableFunc(groups, func(a, b []Interval) int { return cmp.Compare(a[0].StartMs, b[0].StartMs) })
	return groups
}

// writeLogGroup writes the intervals of one second: an untagged line with
// the sum of all of them, then a line for each tagged one.
func writeLogGroup(lw *hdrhistogram.HistogramLogWriter, g []Interval) error {
	if len(g) == 0 {
		return nil
	}
	all := emptyPackedLike(g[0].Hist)
	all.SetStartTimeMs(g[0].StartMs)
	all.SetEndTimeMs(g[0].EndMs)
	for _, iv := range g {
		if strings.ContainsAny(iv.Tag, ", \r\n") {
			return fmt.Errorf("tag %q contains a comma, space or line break", iv.Tag)
		}
		if err := mergePacked(all, iv.Hist, fmt.Sprintf("interval %s at %d ms", iv.Tag, iv.StartMs)); err != nil {
			return err
		}
		all.SetStartTimeMs(min(all.StartTimeMs(), iv.StartMs))
		all.SetEndTimeMs(max(all.EndTimeMs(), iv.EndMs))
	}
	all.SetTag("")
	if err := lw.OutputIntervalPackedHistogram(all); err != nil {
		return err
	}
	for _, iv := range g {
		if iv.Tag == "" {
			continue
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

// ReadHistogramLog reads an HdrHistogram interval log, such as one written
// by [WriteHistogramLog], a [LogStream] or Java's HistogramLogWriter, and
// returns its intervals in file order, untagged (Tag "") and tagged alike,
// with absolute times in Unix milliseconds. Timestamps are read as Java
// reads them: relative to #[BaseTime: ...] when the log has one; otherwise
// relative to #[StartTime: ...] if they lie more than a year before it,
// and absolute if not.
//
// A last line that is cut short, as a log whose writer was killed may end,
// is skipped, with a warning naming the line (see [WithWarnings]), and the
// intervals before it are returned. Any other malformed line is an error
// naming its line. [SelectStream] picks one stream of the result.
func ReadHistogramLog(rd io.Reader, opts ...ReadOption) ([]Interval, error) {
	var o readOptions
	for _, opt := range opts {
		opt(&o)
	}
	lines := &logLines{br: bufio.NewReaderSize(rd, 64*1024)}
	lr := hdrhistogram.NewHistogramLogReader(lines)
	var out []Interval
	for {
		h, err := lr.NextIntervalHistogram()
		if lines.err != nil {
			return nil, fmt.Errorf("report: read histogram log: %w", lines.err)
		}
		if err != nil {
			return nil, fmt.Errorf("report: read histogram log: line %d: %w", lines.n, err)
		}
		// Data lines the reader passed over without an interval are malformed.
		if h == nil && len(lines.data) > 0 || h != nil && len(lines.data) > 1 {
			return nil, fmt.Errorf("report: read histogram log: line %d: %w", lines.data[0], errLogLine)
		}
		lines.data = lines.data[:0]
		if h == nil {
			break
		}
		p, err := packedOf(h)
		if err != nil {
			return nil, fmt.Errorf("report: read histogram log: line %d: %w", lines.n, err)
		}
		out = append(out, Interval{Tag: h.Tag(), StartMs: h.StartTimeMs(), EndMs: h.EndTimeMs(), Hist: p})
	}
	if o.title != nil && lines.title != "" {
		o.title(lines.title)
	}
	if lines.cut > 0 && o.warn != nil {
		o.warn(fmt.Sprintf("line %d is cut short (was the writer killed?): skipped it, read the %d intervals before it", lines.cut, len(out)))
	}
	return out, nil
}

var errLogLine = errors.New("malformed interval line")

// ReadOption configures [ReadHistogramLog].
type ReadOption func(*readOptions)

type readOptions struct {
	warn  func(msg string)
	title func(title string)
}

// WithTitle has [ReadHistogramLog] call title with the title of a log
// that gigadex wrote: the text of its first comment of the form
// "#[gigadex ...: ...]" up to the colon, such as "gigadex ping
// 127.0.0.1:7000, 1 connection(s), closed loop, reply echo, mix ping"
// ([ParseLogTitle] reads it). It is not called for a log without one.
func WithTitle(title func(title string)) ReadOption {
	return func(o *readOptions) { o.title = title }
}

// WithWarnings has [ReadHistogramLog] call warn with each warning, such as
// a skipped last line that was cut short. Without it, warnings are
// dropped.
func WithWarnings(warn func(msg string)) ReadOption {
	return func(o *readOptions) { o.warn = warn }
}

// SelectStream returns the intervals of one stream of a log, in order: with
// tag "" the untagged stream (all message types together) or, in a log
// that has none, every tagged stream; otherwise the stream of that tag. It
// fails, naming the tags the log has, when the stream is empty.
func SelectStream(ivs []Interval, tag string) ([]Interval, error) {
	var out []Interval
	var tags []string
	for _, iv := range ivs {
		if iv.Tag != "" && !slices.Contains(tags, iv.Tag) {
			tags = append(tags, iv.Tag)
		}
		if iv.Tag == tag {
			out = append(out, iv)
		}
	}
	if tag == "" && len(out) == 0 {
		out = slices.Clone(ivs)
	}
	if len(out) == 0 {
		have := "none"
		if len(tags) > 0 {
			have = strings.Join(tags, ", ")
		}
		if tag == "" {
			return nil, errors.New("report: histogram log has no intervals")
		}
		return nil, fmt.Errorf("report: histogram log has no intervals tagged %q (tags: %s)", tag, have)
	}
	return out, nil
}

// packedOf returns a sparse copy of h with its tag and times.
func packedOf(h *hdrhistogram.Histogram) (*hdrhistogram.PackedHistogram, error) {
	p := hdrhistogram.NewPacked(h.LowestTrackableValue(), h.HighestTrackableValue(), int(h.SignificantFigures()))
	if sameSettings(p, h) != nil || p.MergeFrom(h) != 0 {
		// Settings NewPacked would change: decode the encoding, which keeps them.
		b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return nil, err
		}
		if p, err = hdrhistogram.DecodePacked(b); err != nil {
			return nil, err
		}
	}
	p.Compact()
	p.SetTag(h.Tag())
	p.SetStartTimeMs(h.StartTimeMs())
	p.SetEndTimeMs(h.EndTimeMs())
	return p, nil
}

// logLines hands a log to hdrhistogram's reader one line at a time: the
// reader then reads no further than the line it works on, so n is that
// line's number. It notes the data lines (neither comment, legend nor
// blank) handed out since the last interval, and holds back a last line
// without a line break that is not a whole interval line.
type logLines struct {
	br    *bufio.Reader
	cur   []byte // rest of the line being handed out
	n     int    // lines handed out
	data  []int  // numbers of the data lines handed out since data was reset
	cut   int    // number of the last line, held back because it is cut short
	title string // the first "#[gigadex ...: ...]" comment's title
	err   error  // read error of the underlying reader
}

func (l *logLines) Read(p []byte) (int, error) {
	if len(l.cur) == 0 {
		line, err := l.readLine()
		if err != nil && err != io.EOF {
			l.err = err
			return 0, err
		}
		if len(line) == 0 {
			return 0, io.EOF
		}
		if err == io.EOF && !wholeLine(line) {
			l.cut = l.n + 1
			return 0, io.EOF
		}
		l.n++
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' && t[0] != '"' {
			l.data = append(l.data, l.n)
		} else if err := checkLogTime(t); err != nil {
			l.err = fmt.Errorf("line %d: %w", l.n, err)
			return 0, l.err
		} else if l.title == "" {
			l.title = logTitle(t)
		}
		l.cur = line
	}
	k := copy(p, l.cur)
	l.cur = l.cur[k:]
	return k, nil
}

// MaxLogLine is the longest line [ReadHistogramLog] reads, in bytes: an
// interval line of a histogram with 4 significant digits over the whole
// int64 range (the largest encoding there is at those settings: 800 Ki
// counts of at most 9 bytes each, base64) fits in it, and so does any
// comment a writer would put in a log. A longer line is an error naming
// the line, not a reason to grow without bound.
const MaxLogLine = 16 << 20

// readLine returns the next line, its line break included, or what is
// left before the end of the input with io.EOF. A line longer than
// MaxLogLine is an error naming it.
func (l *logLines) readLine() ([]byte, error) {
	var line []byte
	for {
		frag, err := l.br.ReadSlice('\n')
		if len(line)+len(frag) > MaxLogLine {
			return nil, fmt.Errorf("line %d is longer than %d MiB", l.n+1, MaxLogLine>>20)
		}
		line = append(line, frag...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}

// maxLogSeconds is the latest time a log's StartTime or BaseTime may
// name: the end of year 9999, in seconds since 1970.
const maxLogSeconds = 253402300799

// checkLogTime checks the time of a #[StartTime: ...] or #[BaseTime: ...]
// comment: the reader takes the digits and dots it starts with and reads
// "1e300" as 1 s, and a number too large for int64 milliseconds as 1970.
func checkLogTime(line []byte) error {
	for _, key := range []string{"StartTime", "BaseTime"} {
		rest, ok := bytes.CutPrefix(line, []byte("#["+key+":"))
		if !ok {
			continue
		}
		rest = bytes.TrimLeft(rest, " ")
		end := bytes.IndexAny(rest, " ]")
		if end < 0 {
			end = len(rest)
		}
		v, err := strconv.ParseFloat(string(rest[:end]), 64)
		if err != nil || !(v >= 0 && v <= maxLogSeconds) || strings.ContainsAny(string(rest[:end]), "eEnNiIxX+-_") {
			return fmt.Errorf("%s %q is not a time in seconds since 1970 (0 to %d, digits and a dot)", key, snippet(rest[:end]), maxLogSeconds)
		}
	}
	return nil
}

// snippet is b, cut to a length an error message can quote.
func snippet(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// wholeLine reports whether line, the last of a log and without a line
// break, is complete: a comment, legend or blank line, or an interval line
// the reader decodes.
func wholeLine(line []byte) bool {
	t := bytes.TrimSpace(line)
	if len(t) == 0 || t[0] == '#' || t[0] == '"' {
		return true
	}
	h, err := hdrhistogram.NewHistogramLogReader(bytes.NewReader(t)).NextIntervalHistogram()
	return err == nil && h != nil
}

// name returns the command and address of r, such as "ping 127.0.0.1:7000".
func name(r *Run) string {
	return strings.TrimSpace(r.Command + " " + r.Addr)
}
