package report

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// maxErrorSamples bounds the error messages a merged run keeps.
const maxErrorSamples = 10

// Merge combines runs measured at the same time, for example by several
// load generators against one server, into one Run. The inputs are not
// modified.
//
// Histograms are added exactly, so the merged percentiles are those of all
// samples together. Merge refuses inputs whose histograms have different
// settings (lowest, highest, significant digits) and any merge that would
// drop values. Uncorrected is merged only if every input has one, and is
// nil otherwise. Intervals are merged as [MergeIntervals] does.
//
// Counters (Sent, Received, Errors, bytes, warmup counts, LateSends,
// Reconnects, ReconnectGap), Connections and TargetRate are summed;
// MaxSendLag is the largest; PerConn is concatenated and renumbered.
//
// The same run given twice is refused with a [*DuplicateRunError]: runs
// with the same command, address, start, window, counters and RTT
// histogram are one run, whatever their labels.
//
// The merged window is the one in which all inputs ran: from the latest
// Start to the earliest end (Start+Elapsed). Inputs that do not all overlap
// are refused. Each input's throughput is taken to be uniform over its own
// window, so over the common window W an input contributes Received*W/Elapsed
// replies, and the merged MsgsPerSec is the sum over inputs of
// (Received*W/Elapsed)/W, which is the sum of the inputs' MsgsPerSec;
// likewise for BytesPerSec and AchievedRate. These rates are kept in
// Merged, since they are not the summed counters divided by W.
//
// Command, Addr, Env and Config are kept when all inputs agree; otherwise
// Command and Addr list the distinct values joined by ",", Env is that of
// the first input, and Config is {"inputs": [each input's Config]}. Tags
// keeps the pairs all inputs share. WarmupElapsed is the longest warmup.
func Merge(runs ...*Run) (*Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("report: merge: no runs")
	}
	for i, r := range runs {
		if r == nil {
			return nil, fmt.Errorf("report: merge: run %d is nil", i)
		}
		for j, q := range runs[:i] {
			if sameRun(q, r) {
				return nil, &DuplicateRunError{First: j, Second: i}
			}
		}
	}
	start, end := runs[0].Start, runs[0].Start.Add(runs[0].Elapsed)
	for _, r := range runs[1:] {
		if r.Start.After(start) {
			start = r.Start
		}
		if e := r.Start.Add(r.Elapsed); e.Before(end) {
			end = e
		}
	}
	if !end.After(start) {
		return nil, errors.New("report: merge: the runs' measured windows do not overlap")
	}
	m := &Run{
		Schema:  Schema,
		Start:   start,
		Elapsed: end.Sub(start),
		Merged:  &Merged{Inputs: len(runs)},
		Env:     runs[0].Env,
	}
	if err := mergeHistograms(m, runs); err != nil {
		return nil, fmt.Errorf("report: merge: %w", err)
	}
	mergeCounters(m, runs)
	mergeLabels(m, runs)
	sets := make([][]Interval, len(runs))
	for i, r := range runs {
		sets[i] = r.Intervals
	}
	ivs, err := MergeIntervals(sets...)
	if err != nil {
		return nil, fmt.Errorf("report: merge: %w", err)
	}
	m.Intervals = ivs
	return m, nil
}

// DuplicateRunError is the error of [Merge] given the same run twice, as
// runs First and Second (indices of its arguments).
type DuplicateRunError struct {
	First, Second int
}

func (e *DuplicateRunError) Error() string {
	return fmt.Sprintf("report: merge: runs %d and %d are the same run (same start, counters and histogram)", e.First, e.Second)
}

// sameRun reports whether a and b are the same measured run: the same
// command, address, start, window, counters and RTT histogram.
func sameRun(a, b *Run) bool {
	if a == b {
		return true
	}
	if a.Command != b.Command || a.Addr != b.Addr || !a.Start.Equal(b.Start) || a.Elapsed != b.Elapsed ||
		a.Sent != b.Sent || a.Received != b.Received || a.Errors != b.Errors || a.Connections != b.Connections {
		return false
	}
	if a.RTT == nil || b.RTT == nil {
		return a.RTT == b.RTT
	}
	return a.RTT.Equals(b.RTT)
}

func mergeHistograms(m *Run, runs []*Run) error {
	m.RTT = emptyLike(runs[0].RTT)
	allUnc := true
	for i, r := range runs {
		h := r.RTT
		if h == nil {
			h = emptyLike(m.RTT)
		}
		if err := mergeInto(m.RTT, h, fmt.Sprintf("run %d: rtt", i)); err != nil {
			return err
		}
		allUnc = allUnc && r.Uncorrected != nil
	}
	for i, r := range runs {
		if r.Fill == nil {
			continue
		}
		if m.Fill == nil {
			m.Fill = emptyLike(r.Fill)
		}
		if err := mergeInto(m.Fill, r.Fill, fmt.Sprintf("run %d: fill", i)); err != nil {
			return err
		}
	}
	if !allUnc {
		return nil
	}
	m.Uncorrected = emptyLike(m.RTT)
	for i, r := range runs {
		if err := mergeInto(m.Uncorrected, r.Uncorrected, fmt.Sprintf("run %d: uncorrected rtt", i)); err != nil {
			return err
		}
	}
	return nil
}

// emptyLike returns an empty histogram with the settings of h, or with the
// package settings if h is nil.
func emptyLike(h *hdrhistogram.Histogram) *hdrhistogram.Histogram {
	if h == nil {
		return NewHistogram()
	}
	return denseLike(h)
}

// denseLike returns an empty dense histogram with the settings of h.
func denseLike(h settings) *hdrhistogram.Histogram {
	return hdrhistogram.New(h.LowestTrackableValue(), h.HighestTrackableValue(), int(h.SignificantFigures()))
}

// emptyPackedLike returns an empty sparse histogram with exactly the
// settings of h (a copy emptied and shrunk, which keeps settings, such as
// zero significant digits in Java logs, that NewPacked would change).
func emptyPackedLike(h *hdrhistogram.PackedHistogram) *hdrhistogram.PackedHistogram {
	e := h.Clone()
	e.Reset()
	e.Compact()
	return e
}

func mergeCounters(m *Run, runs []*Run) {
	for _, r := range runs {
		m.Connections += r.Connections
		m.Sent += r.Sent
		m.Received += r.Received
		m.Errors += r.Errors
		m.BytesSent += r.BytesSent
		m.BytesReceived += r.BytesReceived
		m.WarmupSent += r.WarmupSent
		m.WarmupReceived += r.WarmupReceived
		m.WarmupElapsed = max(m.WarmupElapsed, r.WarmupElapsed)
		m.TargetRate += r.TargetRate
		m.Interrupted = m.Interrupted || r.Interrupted
		m.LateSends += r.LateSends
		m.MaxSendLag = max(m.MaxSendLag, r.MaxSendLag)
		m.Reconnects += r.Reconnects
		m.ReconnectGap += r.ReconnectGap
		m.HeartbeatGap = mergeGaps(m.HeartbeatGap, r.HeartbeatGap)
		for tag, n := range r.Unsolicited {
			if m.Unsolicited == nil {
				m.Unsolicited = map[string]int64{}
			}
			m.Unsolicited[tag] += n
		}
		m.Merged.MsgsPerSec += r.MsgsPerSec()
		m.Merged.BytesPerSec += r.BytesPerSec()
		m.Merged.AchievedRate += r.AchievedRate()
		base := len(m.PerConn)
		for _, c := range r.PerConn {
			c.Conn += base
			m.PerConn = append(m.PerConn, c)
		}
		for _, e := range r.ErrorSamples {
			if len(m.ErrorSamples) < maxErrorSamples {
				m.ErrorSamples = append(m.ErrorSamples, e)
			}
		}
	}
}

func mergeLabels(m *Run, runs []*Run) {
	var cmds, addrs []string
	configs := make([]any, 0, len(runs))
	sameConfig := true
	m.Tags = maps.Clone(runs[0].Tags)
	for _, r := range runs {
		if !slices.Contains(cmds, r.Command) {
			cmds = append(cmds, r.Command)
		}
		if !slices.Contains(addrs, r.Addr) {
			addrs = append(addrs, r.Addr)
		}
		configs = append(configs, r.Config)
		sameConfig = sameConfig && reflect.DeepEqual(r.Config, runs[0].Config)
		for k, v := range m.Tags {
			if r.Tags[k] != v {
				delete(m.Tags, k)
			}
		}
	}
	m.Command = strings.Join(cmds, ",")
	m.Addr = strings.Join(addrs, ",")
	if sameConfig {
		m.Config = maps.Clone(runs[0].Config)
	} else {
		m.Config = map[string]any{"inputs": configs}
	}
}

// MergeIntervals merges sets of intervals, such as those of several runs
// or histogram logs: intervals with the same tag that start in the same
// second of Unix time (StartMs/1000) become one interval, running from the
// earliest start to the latest end, whose histogram is the sum of theirs.
// The result is ordered by StartMs, then Tag. It refuses histograms whose
// settings differ and merges that drop values. The inputs are not modified.
func MergeIntervals(sets ...[]Interval) ([]Interval, error) {
	type key struct {
		tag string
		sec int64
	}
	idx := map[key]int{}
	var out []Interval
	for _, set := range sets {
		for _, iv := range set {
			k := key{iv.Tag, floorDiv(iv.StartMs, 1000)}
			i, ok := idx[k]
			if !ok {
				i = len(out)
				idx[k] = i
				out = append(out, Interval{Tag: iv.Tag, StartMs: iv.StartMs, EndMs: iv.EndMs, Hist: emptyPackedLike(iv.Hist)})
			}
			o := &out[i]
			o.StartMs = min(o.StartMs, iv.StartMs)
			o.EndMs = max(o.EndMs, iv.EndMs)
			if err := mergePacked(o.Hist, iv.Hist, fmt.Sprintf("interval %s at %d ms", iv.Tag, iv.StartMs)); err != nil {
				return nil, err
			}
		}
	}
	sortIntervals(out)
	return out, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// FromIntervals builds a Run from intervals read from a histogram log, so
// that logs can be tabulated, plotted, compared and merged like results.
// Give it one stream of the log (see [SelectStream]): the untagged stream
// and the tagged ones of a log hold the same values twice.
// Its RTT is the sum of all intervals, Received is their total count, and
// its window runs from the earliest start to the latest end. Other counters
// are zero and Command is "hlog".
func FromIntervals(ivs []Interval) (*Run, error) {
	if len(ivs) == 0 {
		return nil, errors.New("report: histogram log has no intervals")
	}
	r := &Run{Schema: Schema, Command: "hlog", RTT: denseLike(ivs[0].Hist), FromHistograms: true}
	first, last := ivs[0].StartMs, ivs[0].EndMs
	for _, iv := range ivs {
		if err := mergePackedInto(r.RTT, iv.Hist, fmt.Sprintf("interval %s at %d ms", iv.Tag, iv.StartMs)); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		first, last = min(first, iv.StartMs), max(last, iv.EndMs)
	}
	r.Received = r.RTT.TotalCount()
	r.Start = time.UnixMilli(first).UTC()
	r.Elapsed = time.Duration(last-first) * time.Millisecond
	r.Intervals = slices.Clone(ivs)
	sortIntervals(r.Intervals)
	return r, nil
}

// StreamOf returns the run of one message type of r, built from its
// per-second histograms of that tag by [FromIntervals], with the header
// of r kept: command, peer, connections, settings, target rate, tags and
// environment. It fails, naming the tags r has, when there is none of tag.
func StreamOf(r *Run, tag string) (*Run, error) {
	ivs, err := SelectStream(r.Intervals, tag)
	if err != nil {
		return nil, err
	}
	s, err := FromIntervals(ivs)
	if err != nil {
		return nil, err
	}
	s.Command, s.Addr, s.Connections, s.Config = r.Command, r.Addr, r.Connections, r.Config
	s.TargetRate, s.Tags, s.Env, s.Interrupted = r.TargetRate, r.Tags, r.Env, r.Interrupted
	s.Stream = tag
	return s, nil
}
