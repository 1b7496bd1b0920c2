package report

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Recorder records the RTTs of one connection into one sparse histogram per
// tag for each second of the measured window; the whole run is their merge.
// It shares nothing with other recorders, so recording takes no lock.
//
// A Recorder is not safe for concurrent use: one goroutine calls Record,
// RecordPair and Finish. Only [Recorder.LastSecond] (and [LastSecond]) may
// be called from other goroutines at any time.
type Recorder struct {
	base      time.Time // monotonic start of the measured window
	startMs   int64     // Unix ms of base
	tags      []string
	sec       int64                           // current second since base
	all       *hdrhistogram.PackedHistogram   // whole run, corrected; nil until wholeRTT merges the closed seconds
	unc       *hdrhistogram.Histogram         // whole run, uncorrected; nil until RecordPair
	fill      *hdrhistogram.PackedHistogram   // whole run, order-to-fill latencies; nil until wholeFill merges the closed seconds
	total     int64                           // RTTs of the closed seconds
	fillTag   int                             // index of FillTag in tags; -1 until RecordFill
	cur       []*hdrhistogram.PackedHistogram // current second, one per tag; nil until the tag is first recorded
	hot       []*hotBuckets                   // current second, the values in a window of buckets, per tag; nil until the tag fills hotFrom buckets in a second
	closed    []packedInterval                // finished seconds, sparse
	finished  bool
	published atomic.Pointer[second]
	stream    *LogStream // nil unless WithLogStream
	streamID  int
	onSecond  func(rtt, fill *hdrhistogram.PackedHistogram) // nil unless WithSecondFunc
}

// RecorderOption configures a [Recorder].
type RecorderOption func(*Recorder)

// WithLogStream makes the recorder hand each second it closes to s, which
// writes it to an interval log while the run goes. A nil s does nothing,
// so that callers can pass an optional stream through.
func WithLogStream(s *LogStream) RecorderOption {
	return func(r *Recorder) {
		if s != nil {
			r.stream = s
			r.streamID = s.attach(r.startMs)
		}
	}
}

// WithSecondFunc makes the recorder call f each time it closes a second
// (see [Recorder.LastSecond]), with that second's values across tags, and
// its order-to-fill latencies (nil if none: see [Recorder.RecordFill]): on
// the recording goroutine, about once a second, never per value. The
// histograms are never modified afterwards and f must not modify them; f
// must be quick (a monitoring system folds them into its own counts). A
// nil f does nothing.
func WithSecondFunc(f func(rtt, fill *hdrhistogram.PackedHistogram)) RecorderOption {
	return func(r *Recorder) { r.onSecond = f }
}

// packedInterval is an [Interval] held in sparse form: a second of a single
// connection seldom fills more than a few hundred buckets.
type packedInterval struct {
	tag            string
	startMs, endMs int64
	hist           *hdrhistogram.PackedHistogram
}

// second is what a Recorder publishes once per second for live progress.
type second struct {
	index int64                         // second since base
	total int64                         // RTTs recorded up to the end of that second
	hist  *hdrhistogram.PackedHistogram // RTTs of that second, all tags; never modified once published
}

// NewRecorder returns a Recorder for a measured window that starts at base
// (a time.Now() reading, so it carries the monotonic clock) and startUnix
// (its wall clock time, which stamps the intervals). tags names the message
// types: the tag argument of Record indexes it; with no tags, use tag 0 for
// untagged intervals. Each second is recorded into a sparse histogram per
// tag, which grows with the distinct values of a second (a few KB) and is
// kept when the second closes; the whole run is their merge, made when
// asked for after Finish. Closing a second costs what it recorded. A tag
// whose second fills more than a few hundred buckets also gets 8 KB of
// counts for a window of buckets around its values, where recording is an
// increment.
// RecordPair adds a 220 KB dense histogram of uncorrected values. Options
// such as [WithLogStream] apply in order.
func NewRecorder(base, startUnix time.Time, tags []string, opts ...RecorderOption) *Recorder {
	if len(tags) == 0 {
		tags = []string{""}
	}
	r := &Recorder{
		base:    base,
		startMs: startUnix.UnixMilli(),
		tags:    slices.Clone(tags),
		cur:     make([]*hdrhistogram.PackedHistogram, len(tags)),
		hot:     make([]*hotBuckets, len(tags)),
		fillTag: -1,
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Record records one RTT of rttNs nanoseconds for the message type tags[tag]
// received at now. Values outside 0..HighestNs are clamped into it. It
// panics if tag is out of range. It does not allocate, except on the first
// call for each tag, while a second's sparse histogram grows past the
// largest earlier second's, once per tag when a second first fills a few
// hundred buckets (8 KB of counts for a window of buckets, kept for the
// rest of the run), and once per second of the window, when now is in a
// later second than the previous call and the finished second is closed
// and published. Record must not be called after Finish.
func (r *Recorder) Record(tag int, now time.Time, rttNs int64) {
	r.RecordN(tag, now, rttNs, 1)
}

// RecordN records n RTTs of the same value at once, as Record would one by
// one: load drivers time a whole batch of replies with one clock reading,
// so runs of equal values are common and cost one histogram update. An n
// below 1 records nothing.
func (r *Recorder) RecordN(tag int, now time.Time, rttNs, n int64) {
	if n <= 0 {
		return // as the histogram's RecordValues refuses a negative count
	}
	r.advance(now)
	v := clampNs(rttNs)
	if hb := r.hot[tag]; hb != nil {
		if hb.add(v, n) {
			return
		}
		hb.miss(v, n)
	}
	h := r.cur[tag]
	if h == nil {
		h = NewPackedHistogram()
		r.cur[tag] = h
	}
	_ = h.RecordValues(v, n) // cannot fail: the value is in range
	if r.hot[tag] == nil && h.Populated() >= hotFrom {
		r.hot[tag] = newHotBuckets(v)
	}
}

// RecordPair is Record for rate-limited mode: correctedNs is measured from
// the intended send time and goes where Record puts its value; uncorrectedNs
// is measured from the actual send time and goes into [Recorder.Uncorrected].
// The first call allocates the uncorrected histogram.
func (r *Recorder) RecordPair(tag int, now time.Time, correctedNs, uncorrectedNs int64) {
	r.Record(tag, now, correctedNs)
	if r.unc == nil {
		r.unc = NewHistogram()
	}
	_ = r.unc.RecordValue(clampNs(uncorrectedNs))
}

// FillTag is the interval tag of order-to-fill latencies.
const FillTag = "fill"

// RecordFill records one order-to-fill latency of ns nanoseconds, for a
// Trade received at now: into [Recorder.Fill] and into the seconds of tag
// [FillTag], apart from the RTTs (Histogram and live progress do not see
// it). The first call allocates the histograms.
func (r *Recorder) RecordFill(now time.Time, ns int64) {
	r.advance(now)
	if r.fillTag < 0 {
		r.fillTag = len(r.tags)
		r.tags = append(r.tags, FillTag)
		r.cur = append(r.cur, nil)
		r.hot = append(r.hot, nil)
	}
	h := r.cur[r.fillTag]
	if h == nil {
		h = NewPackedHistogram()
		r.cur[r.fillTag] = h
	}
	_ = h.RecordValue(clampNs(ns))
}

// Fill returns a copy of the order-to-fill latencies of the whole window,
// or nil if RecordFill was never called. Call it after Finish.
func (r *Recorder) Fill() *hdrhistogram.Histogram {
	if r.fillTag < 0 {
		return nil
	}
	return denseCopy(r.wholeFill())
}

// Finish closes and publishes the current second, ending it at now. Call it
// once after the last Record; later calls do nothing.
func (r *Recorder) Finish(now time.Time) {
	if r.finished {
		return
	}
	r.finished = true
	end := r.startMs + now.Sub(r.base).Milliseconds()
	n := len(r.closed)
	r.close(max(end, r.startMs+r.sec*1000))
	if r.stream != nil {
		r.stream.put(r.streamID, math.MaxInt64, r.closed[n:])
	}
}

// Histogram returns a copy of the RTTs of the whole window in nanoseconds,
// 220 KB. Call it after Finish. The recorder keeps them sparse: a thousand
// connections hold a few KB each.
func (r *Recorder) Histogram() *hdrhistogram.Histogram { return denseCopy(r.wholeRTT()) }

// ValueAtPercentile returns the RTT at percentile p (0 to 100) of the whole
// window, in nanoseconds, without the copy Histogram makes. Call it after
// Finish.
func (r *Recorder) ValueAtPercentile(p float64) int64 { return r.wholeRTT().ValueAtPercentile(p) }

// wholeRTT returns the RTTs of the closed seconds, all tags, merged on
// first use: the seconds are what a recorder keeps, so that closing one
// costs what it recorded and nothing is counted twice.
func (r *Recorder) wholeRTT() *hdrhistogram.PackedHistogram {
	if r.all == nil {
		r.all = r.mergeClosed(false)
	}
	return r.all
}

// wholeFill is wholeRTT for the order-to-fill latencies.
func (r *Recorder) wholeFill() *hdrhistogram.PackedHistogram {
	if r.fill == nil {
		r.fill = r.mergeClosed(true)
	}
	return r.fill
}

// mergeClosed merges the closed seconds of the fills (fills true) or of
// the RTTs of every other tag.
func (r *Recorder) mergeClosed(fills bool) *hdrhistogram.PackedHistogram {
	h := NewPackedHistogram()
	for _, p := range r.closed {
		if (r.fillTag >= 0 && p.tag == FillTag) == fills {
			h.Merge(p.hist)
		}
	}
	h.Compact()
	return h
}

// denseCopy returns a dense copy of p.
func denseCopy(p *hdrhistogram.PackedHistogram) *hdrhistogram.Histogram {
	h := NewHistogram()
	p.MergeInto(h)
	return h
}

// Uncorrected returns the uncorrected RTTs of the whole window, or nil if
// RecordPair was never called. It is not a copy; read it after Finish.
func (r *Recorder) Uncorrected() *hdrhistogram.Histogram { return r.unc }

// Count returns the number of RTTs recorded. Like Histogram, it is for the
// recording goroutine or for use after Finish.
func (r *Recorder) Count() int64 {
	n := r.total
	for i, h := range r.cur {
		if h != nil && i != r.fillTag {
			n += h.TotalCount()
			if hb := r.hot[i]; hb != nil {
				n += hb.n
			}
		}
	}
	return n
}

// Intervals returns the closed seconds of each tag, ordered by time and then
// by tag. Their histograms are sparse copies, independent of the recorder.
// Seconds in which a tag recorded nothing are left out. Call it after
// Finish.
func (r *Recorder) Intervals() []Interval {
	out := make([]Interval, 0, len(r.closed))
	for _, p := range r.closed {
		out = append(out, Interval{Tag: p.tag, StartMs: p.startMs, EndMs: p.endMs, Hist: p.hist.Clone()})
	}
	return out
}

// LastSecond returns the most recently published second of r: its index
// counted from base (-1 if none yet), the number of RTTs recorded up to its
// end, and its RTTs across all tags. The histogram is never modified after
// it is published and must not be modified by the caller. A second is
// published when the first RTT of a later second is recorded, or by Finish.
// LastSecond is safe for concurrent use with every other method.
func (r *Recorder) LastSecond() (index, total int64, h *hdrhistogram.PackedHistogram) {
	s := r.published.Load()
	if s == nil {
		return -1, 0, nil
	}
	return s.index, s.total, s.hist
}

// advance closes the current second if now falls in a later one. Samples
// stamped before the current second (or before base) count in the current
// second.
func (r *Recorder) advance(now time.Time) {
	sec := int64(now.Sub(r.base) / time.Second)
	if sec <= r.sec {
		return
	}
	n := len(r.closed)
	r.close(r.startMs + (r.sec+1)*1000)
	r.sec = sec
	if r.stream != nil {
		// The closed histograms are never modified again: the stream
		// reads them without copying.
		r.stream.put(r.streamID, r.startMs+sec*1000, r.closed[n:])
	}
}

// close moves the current second of every tag into r.closed, ending it at
// endMs, and publishes its merge across tags.
func (r *Recorder) close(endMs int64) {
	startMs := r.startMs + r.sec*1000
	r.all, r.fill = nil, nil                 // merged again from the seconds when asked for
	var rtts []*hdrhistogram.PackedHistogram // this second's RTTs, by tag
	var fill *hdrhistogram.PackedHistogram
	for i, h := range r.cur {
		if hb := r.hot[i]; hb != nil {
			hb.moveTo(h)
		}
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		// The second's own histogram is a tight copy; h keeps its storage
		// for the next second, so that a steady run stops allocating it.
		p := h.Clone()
		p.Compact()
		if i != r.fillTag {
			r.total += p.TotalCount()
			rtts = append(rtts, p)
		} else {
			fill = p
		}
		h.Reset()
		r.closed = append(r.closed, packedInterval{tag: r.tags[i], startMs: startMs, endMs: endMs, hist: p})
	}
	// Closed histograms are never modified: a second of one tag publishes
	// its own.
	var merged *hdrhistogram.PackedHistogram
	if len(rtts) == 1 {
		merged = rtts[0]
	} else {
		merged = NewPackedHistogram()
		for _, p := range rtts {
			merged.Merge(p)
		}
	}
	r.published.Store(&second{index: r.sec, total: r.total, hist: merged})
	if r.onSecond != nil {
		r.onSecond(merged, fill)
	}
}

// Progress summarises one second of live progress across recorders.
type Progress struct {
	Second int64         // index of the second counted from base; -1 if none was published
	Count  int64         // RTTs recorded in that second
	Total  int64         // RTTs recorded up to the end of that second, by recorders that published it
	P50    time.Duration // median RTT of that second
	P99    time.Duration // 99th percentile RTT of that second
	Max    time.Duration // largest RTT of that second
}

// LastSecond merges the latest second published by any of recs. Recorders
// that have not yet published that second (a connection that has received
// nothing since) are left out of it. It is safe for concurrent use with the
// recording goroutines and allocates a small sparse histogram.
func LastSecond(recs []*Recorder) Progress {
	last := int64(-1)
	for _, r := range recs {
		if idx, _, _ := r.LastSecond(); idx > last {
			last = idx
		}
	}
	if last < 0 {
		return Progress{Second: -1}
	}
	return SecondAt(recs, last)
}

// SecondAt merges second index (counted from the recorders' base) of
// recs: the second that just ended, for a progress line. Recorders that
// have not published that second yet (they publish it with their first RTT
// of a later second) are left out, and a second none published has Count 0.
func SecondAt(recs []*Recorder, index int64) Progress {
	p := Progress{Second: index}
	merged := hdrhistogram.NewPacked(LowestNs, HighestNs, SigFigs)
	for _, r := range recs {
		idx, total, h := r.LastSecond()
		if idx != index || h == nil {
			continue
		}
		merged.Merge(h)
		p.Total += total
	}
	p.Count = merged.TotalCount()
	if p.Count > 0 {
		p.P50 = time.Duration(merged.ValueAtPercentile(50))
		p.P99 = time.Duration(merged.ValueAtPercentile(99))
		p.Max = time.Duration(merged.Max())
	}
	return p
}

// errDropped is returned when a merge would lose values.
var errDropped = errors.New("report: histogram merge dropped values")

// AddRecorder adds the histograms and intervals of rec, which must be
// finished, to r: the RTTs into RTT, the uncorrected RTTs into Uncorrected
// (created if needed) and each interval into the interval of r with the same
// tag and start time. Counters and PerConn are left to the caller. It fails
// if a histogram would drop values, which cannot happen for recorders of
// this package.
func (r *Run) AddRecorder(rec *Recorder) error {
	if r.RTT == nil {
		r.RTT = NewHistogram()
	}
	if err := mergePackedInto(r.RTT, rec.wholeRTT(), "rtt"); err != nil {
		return err
	}
	if rec.unc != nil {
		if r.Uncorrected == nil {
			r.Uncorrected = NewHistogram()
		}
		if err := mergeInto(r.Uncorrected, rec.unc, "uncorrected rtt"); err != nil {
			return err
		}
	}
	if rec.fillTag >= 0 {
		if r.Fill == nil {
			r.Fill = NewHistogram()
		}
		if err := mergePackedInto(r.Fill, rec.wholeFill(), "fill"); err != nil {
			return err
		}
	}
	idx := r.intervalIndex()
	for _, p := range rec.closed {
		k := intervalKey{p.tag, p.startMs}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(r.Intervals)
			r.Intervals = append(r.Intervals, Interval{Tag: p.tag, StartMs: p.startMs, EndMs: p.endMs, Hist: p.hist.Clone()})
			continue
		}
		iv := &r.Intervals[i]
		iv.EndMs = max(iv.EndMs, p.endMs)
		if err := mergePacked(iv.Hist, p.hist, fmt.Sprintf("interval %s at %d ms", p.tag, p.startMs)); err != nil {
			return err
		}
	}
	sortIntervals(r.Intervals)
	return nil
}

type intervalKey struct {
	tag     string
	startMs int64
}

func (r *Run) intervalIndex() map[intervalKey]int {
	idx := make(map[intervalKey]int, len(r.Intervals))
	for i, iv := range r.Intervals {
		idx[intervalKey{iv.Tag, iv.StartMs}] = i
	}
	return idx
}

func sortIntervals(ivs []Interval) {
	slices.SortStableFunc(ivs, func(a, b Interval) int {
		if c := cmp.Compare(a.StartMs, b.StartMs); c != 0 {
			return c
		}
		return cmp.Compare(a.Tag, b.Tag)
	})
}

// mergeInto adds from to dst, refusing histograms whose settings differ and
// merges that drop values.
func mergeInto(dst, from *hdrhistogram.Histogram, what string) error {
	if err := sameSettings(dst, from); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if d := dst.Merge(from); d != 0 {
		return fmt.Errorf("%s: %w: %d values", what, errDropped, d)
	}
	return nil
}

// mergePacked adds from to dst, as mergeInto does for sparse histograms.
// When the merge grows dst's storage, which it does to twice the size it
// needs, the spare half is given back: a long run holds many intervals.
func mergePacked(dst, from *hdrhistogram.PackedHistogram, what string) error {
	if err := sameSettings(dst, from); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	size := dst.GetMemorySize()
	if d := dst.Merge(from); d != 0 {
		return fmt.Errorf("%s: %w: %d values", what, errDropped, d)
	}
	if dst.GetMemorySize() > size {
		dst.Compact()
	}
	return nil
}

// mergePackedInto adds the sparse histogram from to the dense dst, as
// mergeInto does.
func mergePackedInto(dst *hdrhistogram.Histogram, from *hdrhistogram.PackedHistogram, what string) error {
	if err := sameSettings(dst, from); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if d := from.MergeInto(dst); d != 0 {
		return fmt.Errorf("%s: %w: %d values", what, errDropped, d)
	}
	return nil
}

// errSettings is returned when histograms with different settings are merged.
var errSettings = errors.New("report: histogram settings differ")

// settings are the methods that describe a histogram's range and precision,
// which dense and sparse histograms share.
type settings interface {
	LowestTrackableValue() int64
	HighestTrackableValue() int64
	SignificantFigures() int64
}

func sameSettings(a, b settings) error {
	if a.LowestTrackableValue() != b.LowestTrackableValue() ||
		a.HighestTrackableValue() != b.HighestTrackableValue() ||
		a.SignificantFigures() != b.SignificantFigures() {
		return fmt.Errorf("%w: lowest/highest/digits %d/%d/%d and %d/%d/%d", errSettings,
			a.LowestTrackableValue(), a.HighestTrackableValue(), a.SignificantFigures(),
			b.LowestTrackableValue(), b.HighestTrackableValue(), b.SignificantFigures())
	}
	return nil
}
