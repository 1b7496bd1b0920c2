package client

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// collect merges the workers' recorders and counters into one Run, and
// returns it with the run's error.
func collect(ctx context.Context, rs *runState, ws []*worker) (*report.Run, error) {
	cfg := rs.cfg
	run := report.NewRun(cfg.Command, cfg.Addr, cfg.Conns)
	run.Config = cfg.configMap()
	run.TargetRate = cfg.Rate
	end := int64(time.Since(rs.base))
	start, started := rs.win.started()
	if !started {
		start = end
	}
	// The measured window runs from its start (where the first measured
	// send is, unless every connection was down then) to the last reply,
	// or to when the last connection stopped measuring if that is later:
	// a rate-limited run's last send comes up to an interval before the
	// window's end, and a run that failed or was interrupted lasted until
	// then, whatever it received.
	var first, last, stopped int64 = -1, 0, 0
	for _, w := range ws {
		if w.tally.firstMeas > 0 && (first < 0 || w.tally.firstMeas < first) {
			first = w.tally.firstMeas
		}
		last = max(last, w.tally.lastMeas)
		stopped = max(stopped, w.tally.stopMeas)
	}
	if first < 0 || started && start < first {
		// The window ran from its start, also when every connection
		// sent its first measured message later (down, reconnecting).
		first = start
	}
	last = max(last, first)
	var fatal []error
	var mismatched, late, maxLag, gap, acked int64
	var strict error
	var gaps *hdrhistogram.PackedHistogram
	for _, w := range ws {
		w.flushRun()
		w.recordRuns()
		if w.rec == nil {
			at := rs.base.Add(time.Duration(start))
			w.rec = report.NewRecorder(at, at, rs.tags, rs.recorderOptions()...)
		}
		w.rec.Finish(rs.base.Add(time.Duration(last)))
		if err := run.AddRecorder(w.rec); err != nil {
			return nil, err
		}
		t := &w.tally
		run.Sent += t.measSent
		run.Received += t.measRecv
		run.Errors += t.errors + t.lost
		run.WarmupSent += t.warmSent
		run.WarmupReceived += t.warmRecv
		run.Reconnects += t.reconnects
		gap += t.gap
		mismatched += t.mismatched
		acked += t.ackedOrders
		if w.gaps != nil {
			if gaps == nil {
				gaps = report.NewPackedHistogram()
			}
			gaps.Merge(w.gaps)
		}
		if strict == nil {
			strict = t.strict
		}
		for k, n := range t.unsolicited {
			if n > 0 {
				if run.Unsolicited == nil {
					run.Unsolicited = map[string]int64{}
				}
				run.Unsolicited[wire.Kind(k).Label()] += n
			}
		}
		late += w.sched.late
		maxLag = max(maxLag, w.sched.maxLag)
		cs := report.ConnStats{Conn: w.id, Sent: t.measSent, Received: t.measRecv, Errors: t.errors + t.lost}
		// Its own window: from the window's start (the first send, in
		// closed loop; a paced connection's first slot may come later) to
		// its last reply or when it stopped measuring.
		if d := time.Duration(max(t.lastMeas, t.stopMeas) - min(w.phase.from, t.firstMeas)); d > 0 && t.firstMeas > 0 {
			cs.MsgsPerSec = float64(t.measRecv) / d.Seconds()
		}
		cs.P99Ns = w.rec.ValueAtPercentile(99)
		run.PerConn = append(run.PerConn, cs)
		for _, e := range t.samples {
			if len(run.ErrorSamples) < 2*maxErrSamples {
				run.ErrorSamples = append(run.ErrorSamples, e)
			}
		}
		if t.fatal != nil {
			fatal = append(fatal, t.fatal)
		}
	}
	if gaps != nil {
		run.HeartbeatGap = report.SummarizeGaps(gaps)
	}
	if run.Fill == nil && cfg.Reply != wire.ReplyEcho {
		run.Fill = report.NewHistogram() // orders were tracked; none filled
	}
	run.Start = rs.base.Add(time.Duration(first))
	run.Elapsed = time.Duration(max(last, stopped) - first)
	run.WarmupElapsed = time.Duration(start)
	run.BytesSent = run.Sent * wire.FrameLen
	// The replies' bytes, as results have always counted them: what the
	// peer sent of its own is counted in Unsolicited.
	run.BytesReceived = run.Received * wire.FrameLen
	run.ReconnectGap = time.Duration(gap)
	run.LateSends = late
	run.MaxSendLag = time.Duration(maxLag)
	run.Generator = generatorOf(rs, ws, started)
	if ctx.Err() != nil {
		run.Interrupted = true
		return run, ctx.Err()
	}
	err := runError(run, fatal, mismatched, started)
	if acked > 0 && errors.Is(err, ErrMismatch) {
		err = fmt.Errorf("%w (%w: %d of them)", err, ErrAcksOrders, acked)
	}
	if strict != nil {
		err = errors.Join(err, strict)
	}
	return run, err
}

// runError is the error of a run that was not interrupted: failed
// connections, replies that did not match, or nothing measured.
func runError(run *report.Run, fatal []error, mismatched int64, started bool) error {
	var errs []error
	if len(fatal) > 0 {
		errs = append(errs, fmt.Errorf("%w: %w", ErrPeer, joinFailures(fatal, run.Connections)))
	}
	if mismatched > 0 {
		errs = append(errs, fmt.Errorf("%w: %d replies", ErrMismatch, mismatched))
	}
	if len(errs) == 0 && run.Received == 0 {
		var why string
		switch {
		case !started:
			why = "the warmup did not end before the run did"
		case run.Sent == 0 && run.WarmupSent > run.WarmupReceived:
			why = fmt.Sprintf("the peer did not answer: %s sent in the warmup, %d answered, so none was sent in the measured window",
				plural(run.WarmupSent, "message"), run.WarmupReceived)
		case run.Sent == 0:
			why = "no message was sent in the measured window"
		default:
			why = fmt.Sprintf("%s sent in the measured window, no reply came back", plural(run.Sent, "message"))
		}
		if run.Errors > 0 && len(run.ErrorSamples) > 0 {
			why += fmt.Sprintf(" (%s; the first: %s)", plural(run.Errors, "error"), run.ErrorSamples[0])
		}
		errs = append(errs, fmt.Errorf("%w: %s", ErrNothingMeasured, why))
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return fmt.Errorf("%w; %w", errs[0], errs[1])
}

// joinFailures sums up the connections' failures in one line, each
// reason once with the number of connections that failed so. Reasons that
// differ only in their numbers ("after 409 messages", "after 216 messages")
// are one reason, quoted as its first connection gave it, and past
// maxReasons the rest are counted, so that a thousand connections make a
// line that can be read.
func joinFailures(errs []error, conns int) error {
	if len(errs) == 1 && conns == 1 {
		return errs[0]
	}
	type reason struct {
		first  string
		n      int
		differ bool // some connection's message had other numbers
	}
	var order []*reason
	byShape := map[string]*reason{}
	for _, e := range errs {
		m := e.Error()
		shape := digits.ReplaceAllString(m, "0")
		r := byShape[shape]
		if r == nil {
			r = &reason{first: m}
			byShape[shape] = r
			order = append(order, r)
		}
		r.n++
		r.differ = r.differ || m != r.first
	}
	if len(order) == 1 && !order[0].differ {
		return fmt.Errorf("%d of %d connections: %w", len(errs), conns, errs[0])
	}
	var parts []string
	for i, r := range order {
		if i == maxReasons && len(order) > maxReasons+1 {
			rest := 0
			for _, r := range order[i:] {
				rest += r.n
			}
			parts = append(parts, fmt.Sprintf("%s for %d other reasons", plural(int64(rest), "connection"), len(order)-i))
			break
		}
		part := fmt.Sprintf("%s: %s", plural(int64(r.n), "connection"), r.first)
		if r.differ {
			part += " (the first; the counts differ between them)"
		}
		parts = append(parts, part)
	}
	return &failures{msg: fmt.Sprintf("%d of %d connections failed: %s", len(errs), conns, strings.Join(parts, "; ")), errs: errs}
}

// maxReasons is how many distinct reasons joinFailures quotes.
const maxReasons = 4

// digits matches the numbers of an error message.
var digits = regexp.MustCompile(`[0-9]+`)

// plural returns "1 reply", "2 replies", "3 errors".
func plural(n int64, what string) string {
	switch {
	case n == 1:
		return "1 " + what
	case strings.HasSuffix(what, "y"):
		return fmt.Sprintf("%d %sies", n, what[:len(what)-1])
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// failures is several errors in one line.
type failures struct {
	msg  string
	errs []error
}

func (f *failures) Error() string   { return f.msg }
func (f *failures) Unwrap() []error { return f.errs }

// configMap echoes the settings into the result.
func (cfg *LoadConfig) configMap() map[string]any {
	m := map[string]any{
		"conns":    cfg.Conns,
		"window":   cfg.Window,
		"count":    cfg.Count,
		"duration": cfg.Duration.String(),
		"rate":     cfg.Rate,
		"mix":      cfg.Mix.String(),
		"seed":     cfg.Seed,
		"expect":   cfg.Reply.String(),
	}
	if len(cfg.Messages) > 0 {
		m["messages"] = len(cfg.Messages)
	}
	switch {
	case cfg.WarmupCount > 0 && cfg.Warmup > 0:
		m["warmup"] = fmt.Sprintf("%d or %v", cfg.WarmupCount, cfg.Warmup)
	case cfg.WarmupCount > 0:
		m["warmup"] = cfg.WarmupCount
	default:
		m["warmup"] = cfg.Warmup.String()
	}
	return m
}

// generatorOf builds the result's generator section from the workers: the
// I/O mode of the first connection, and in rate mode their send lags.
// GC figures cover the window's start to the end of the run (drain
// included); none are given when the window never started.
func generatorOf(rs *runState, ws []*worker, started bool) *report.Generator {
	from, to := rs.gcFrom, rs.gcFrom
	if started {
		to = readGC()
	}
	var lags *hdrhistogram.PackedHistogram
	for _, w := range ws {
		if w.lags == nil {
			continue
		}
		if lags == nil {
			lags = report.NewPackedHistogram()
		}
		lags.Merge(w.lags)
	}
	mode := "poller"
	if len(ws) > 0 {
		mode = ws[0].c.ioMode()
	}
	return generatorReport(mode, from, to, lags)
}
