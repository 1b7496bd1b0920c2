package report

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// DefaultLogGrace is how long a [LogStream] waits, after the first
// recorder handed over a second, for the recorders that have not yet
// closed that second before it writes the second without them.
const DefaultLogGrace = time.Second

// LogStream writes an HdrHistogram interval log while a run goes, in the
// format of [WriteHistogramLog]: each second is appended, and handed to
// the writer in one Write call, as soon as it is complete, so that a
// reader of a growing file (tail -f, or what is left after the process was
// killed) finds whole lines for every second written so far.
//
// Recorders made with [WithLogStream] hand it each second they close,
// about once a second each, never per value. A goroutine of the stream
// merges the seconds of all recorders by start time and message type, and
// writes a second once every recorder has moved past it, or once the
// grace period has passed since the first recorder handed it over: a
// connection that records nothing holds the log back by no more than the
// grace period (a recorder closes a second only when it records a value
// in a later one, or finishes).
//
// A late interval, one handed over after its second was written, is
// written when it arrives, as extra lines with its own second's
// timestamps: readers add it to that second's totals, so the log's total
// count stays equal to the run's; a reader that prints per-interval
// figures shows that second in two parts. [LogStream.Late] counts them.
//
// The log covers what the recorders record, the measured window: a
// driver that keeps warmup out of its recorders keeps it out of the log.
// StartTime and BaseTime are the earliest start of the recorders attached
// when the first line is written; attach every recorder before the run
// starts.
//
// Close the stream after every recorder has finished: it writes the rest,
// including the last, partial second. A LogStream is safe for concurrent
// use.
type LogStream struct {
	w     io.Writer
	title string
	grace time.Duration
	now   func() time.Time

	mu          sync.Mutex
	open        []int64           // per attached recorder: Unix ms start of its open second; MaxInt64 once finished
	firstMs     int64             // earliest start of the attached recorders; MaxInt64 if none
	pending     map[int64]*logSec // seconds not yet written, by start (Unix ms)
	lastWritten int64             // start of the latest second written; MinInt64 before the first
	late        int64
	closed      bool

	wake chan struct{}
	quit chan struct{}
	done chan struct{}

	// Owned by the writing goroutine (and by Close once it has ended).
	lw      *hdrhistogram.HistogramLogWriter
	buf     bytes.Buffer
	startMs int64
	err     error
}

// logSec gathers what recorders closed of one second.
type logSec struct {
	startMs int64
	since   time.Time // when the first part arrived
	parts   []packedInterval
}

// NewLogStream returns a LogStream writing to w and starts its goroutine.
// title names the run in the log's header comment, such as
// "gigadex ping 127.0.0.1:7000". grace is [DefaultLogGrace] if 0.
func NewLogStream(w io.Writer, title string, grace time.Duration) *LogStream {
	return newLogStream(w, title, grace, time.Now)
}

// newLogStream is NewLogStream with a clock, for tests.
func newLogStream(w io.Writer, title string, grace time.Duration, now func() time.Time) *LogStream {
	if grace <= 0 {
		grace = DefaultLogGrace
	}
	s := &LogStream{
		w: w, title: title, grace: grace, now: now,
		pending:     map[int64]*logSec{},
		lastWritten: math.MinInt64,
		firstMs:     math.MaxInt64,
		wake:        make(chan struct{}, 1),
		quit:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	go s.loop()
	return s
}

// attach registers a recorder whose window starts at startMs and returns
// its index.
func (s *LogStream) attach(startMs int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open = append(s.open, startMs)
	s.firstMs = min(s.firstMs, startMs)
	return len(s.open) - 1
}

// put hands over the intervals a recorder closed; openMs is the start of
// the second it now records into (MaxInt64 once finished). The intervals'
// histograms must not be modified afterwards.
func (s *LogStream) put(id int, openMs int64, ivs []packedInterval) {
	now := s.now()
	s.mu.Lock()
	s.open[id] = openMs
	for _, p := range ivs {
		g := s.pending[p.startMs]
		if g == nil {
			g = &logSec{startMs: p.startMs, since: now}
			s.pending[p.startMs] = g
		}
		if p.startMs <= s.lastWritten {
			s.late++
		}
		g.parts = append(g.parts, p)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Late returns the number of intervals that arrived after their second
// was written, and were written apart.
func (s *LogStream) Late() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.late
}

func (s *LogStream) loop() {
	defer close(s.done)
	t := time.NewTicker(s.grace / 4)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-s.wake:
		case <-t.C:
		}
		s.writeReady(false)
	}
}

// writeReady writes the seconds that are complete, or all of them.
func (s *LogStream) writeReady(all bool) {
	s.mu.Lock()
	minOpen := int64(math.MaxInt64)
	for _, o := range s.open {
		minOpen = min(minOpen, o)
	}
	now := s.now()
	var ready []*logSec
	for k, g := range s.pending {
		if all || g.startMs < minOpen || now.Sub(g.since) >= s.grace {
			ready = append(ready, g)
			delete(s.pending, k)
		}
	}
	slices.SortFunc(ready, func(a, b *logSec) int { return cmp.Compare(a.startMs, b.startMs) })
	if n := len(ready); n > 0 {
		s.lastWritten = max(s.lastWritten, ready[n-1].startMs)
	}
	header := s.lw == nil && (len(ready) > 0 || all)
	startMs := s.firstMs
	s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.buf.Reset()
	if header {
		if startMs == math.MaxInt64 {
			startMs = now.UnixMilli()
		}
		s.startMs = startMs
		s.lw, s.err = writeLogHeader(&s.buf, s.title, startMs)
	}
	for _, g := range ready {
		if s.err != nil {
			break
		}
		s.err = writeLogGroup(s.lw, s.intervals(g))
	}
	if s.err == nil && s.buf.Len() > 0 {
		_, s.err = s.w.Write(s.buf.Bytes())
	}
}

// intervals merges the parts of g by tag, in order of tag.
func (s *LogStream) intervals(g *logSec) []Interval {
	var out []Interval
	slices.SortStableFunc(g.parts, func(a, b packedInterval) int { return cmp.Compare(a.tag, b.tag) })
	for _, p := range g.parts {
		if n := len(out); n > 0 && out[n-1].Tag == p.tag {
			iv := &out[n-1]
			iv.EndMs = max(iv.EndMs, p.endMs)
			if err := mergePacked(iv.Hist, p.hist, "interval"); err != nil && s.err == nil {
				s.err = err
			}
			continue
		}
		h := p.hist.Clone()
		out = append(out, Interval{Tag: p.tag, StartMs: max(p.startMs, s.startMs), EndMs: p.endMs, Hist: h})
	}
	return out
}

// Close writes every second not yet written, the header alone if nothing
// was recorded, and stops the stream's goroutine. It returns the first
// error of a write, after which the stream wrote nothing more. It does not
// close the underlying writer. Later calls do nothing and return the same
// error.
func (s *LogStream) Close() error {
	s.mu.Lock()
	closed := s.closed
	s.closed = true
	s.mu.Unlock()
	if !closed {
		close(s.quit)
		<-s.done
		s.writeReady(true)
	}
	if s.err != nil {
		return fmt.Errorf("report: histogram log: %w", s.err)
	}
	return nil
}
