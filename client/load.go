package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// LoadConfig describes a run of [Run]; [PingConfig] and [FloodConfig] fill
// it in. Zero values mean the documented defaults.
type LoadConfig struct {
	Command string // "ping" or "flood", for the result
	Addr    string // peer address, host:port
	Conns   int    // connections (default 1)
	Window  int    // messages in flight per connection (default 1)

	Count    int64         // measured messages in all, split over the connections; 0: no limit
	Duration time.Duration // measured window; 0: no limit (Count or the context ends the run)

	Warmup      time.Duration // excluded from the histograms, reported apart
	WarmupCount int64         // or a number of warmup messages in all

	Rate float64 // messages/s across all connections; 0: closed loop
	Mix  Mix     // message types (default: heartbeats only)
	Seed uint64  // seeds the mix
	// Expect is what the peer answers; replies are checked against it.
	Expect Expect

	Drain time.Duration // how long to wait for replies in flight at the end (default 2s)
	// ReplyTimeout ends a connection that gets no reply for this long while
	// messages are in flight (default 10s): a stalled peer fails the run
	// instead of hanging it.
	ReplyTimeout time.Duration
	Reconnect    bool // redial a failed connection with backoff instead of ending it
	// ConnectTimeout bounds each dial, TLS handshake included (default 5s).
	ConnectTimeout time.Duration
	Options        []Option // dial options

	// Progress, if set, is called about once a second from another goroutine
	// with the last second's figures.
	Progress func(report.Progress, Counters)
	// Intervals, if set, receives each connection's per-second histograms
	// of the measured window as they close, to write an interval log while
	// the run goes. Close it after Run returns.
	Intervals *report.LogStream
}

// Counters are live totals across connections, for progress lines.
type Counters struct {
	Sent, Received, Errors int64
	Elapsed                time.Duration
}

// DefaultConnectTimeout is LoadConfig.ConnectTimeout's default.
const DefaultConnectTimeout = 5 * time.Second

// ErrPeer wraps connection failures of a run.
var ErrPeer = errors.New("client: connection failed")

// ErrStalled is a connection that got no reply within LoadConfig.ReplyTimeout.
var ErrStalled = errors.New("client: peer stalled")

// Run drives cfg.Conns connections against cfg.Addr and returns what it
// measured. It always returns the Run it gathered, even with an error: a
// cancelled context gives the partial result with Interrupted set and
// ctx.Err(); connection failures give the result and an error wrapping
// [ErrPeer]; mismatched or lost replies are counted in Run.Errors.
func Run(ctx context.Context, cfg LoadConfig) (*report.Run, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	conns := make([]*Conn, cfg.Conns)
	for i := range conns {
		dctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
		c, err := Dial(dctx, cfg.Addr, cfg.Options...)
		cancel()
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			if ctx.Err() != nil {
				// Interrupted while connecting: an empty, interrupted result.
				run := report.NewRun(cfg.Command, cfg.Addr, cfg.Conns)
				run.Config = cfg.configMap()
				run.TargetRate = cfg.Rate
				run.Interrupted = true
				return run, ctx.Err()
			}
			return nil, err
		}
		conns[i] = c
	}
	return runConns(ctx, cfg, conns)
}

func (cfg *LoadConfig) normalize() error {
	if cfg.Conns == 0 {
		cfg.Conns = 1
	}
	if cfg.Window == 0 {
		cfg.Window = 1
	}
	if cfg.Drain == 0 {
		cfg.Drain = 2 * time.Second
	}
	if cfg.ReplyTimeout == 0 {
		cfg.ReplyTimeout = 10 * time.Second
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if len(cfg.Mix.kinds) == 0 {
		cfg.Mix = MixOf(wire.KindHeartbeat)
	}
	switch {
	case cfg.Conns < 0:
		return fmt.Errorf("connections must be at least 1, not %d", cfg.Conns)
	case cfg.Window < 0 || cfg.Window > 1<<20:
		return fmt.Errorf("window must be from 1 to %d, not %d", 1<<20, cfg.Window)
	case cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0):
		return fmt.Errorf("rate must be positive, not %v", cfg.Rate)
	case cfg.Rate > 0 && cfg.Rate < float64(cfg.Conns):
		return fmt.Errorf("rate %v msgs/s is below the number of connections (%d): each connection needs at least 1 msg/s", cfg.Rate, cfg.Conns)
	case cfg.Count < 0 || cfg.WarmupCount < 0 || cfg.Duration < 0 || cfg.Warmup < 0:
		return errors.New("count, warmup and duration must not be negative")
	case cfg.Count == 0 && cfg.Duration == 0:
		return errors.New("give a count or a duration")
	}
	return nil
}

// slot is one entry of a connection's ring of messages in flight.
type slot struct {
	seq      uint64
	intended int64 // ns since the run's base; the actual send time in closed loop
	actual   int64
	pending  bool
	measured bool // sent inside the measured window
	kind     wire.Kind
}

// worker drives one connection. Everything it touches on the hot path is
// its own.
type worker struct {
	id     int
	cfg    *LoadConfig
	c      *Conn
	rec    *report.Recorder
	base   time.Time
	key    uint64 // seeds the mix for this connection
	ring   []slot
	mask   uint64
	sent   uint64 // sequence number of the next message
	acked  int64
	window int

	// The measured window and warmup, in ns since base.
	measureFrom int64
	warmupLeft  int64 // count-based warmup still to send
	quota       int64 // measured messages still to send; -1: no limit
	end         int64 // stop sending at this time; 0: no limit

	stop      *atomic.Bool
	stopped   bool
	armedAt   int64 // when the read deadline was last moved on; -1: move it now
	lastReply int64 // when a reply last arrived

	// Results.
	measSent, measRecv   int64
	warmSent, warmRecv   int64
	errors               int64
	lost                 int64
	firstMeas, lastMeas  int64
	errSamples           []string
	fatal                error
	live                 liveCounters
	reconnects, gapNanos int64
	lateSends, maxLag    int64 // rate mode: sends later than LateSend behind schedule

	mu      sync.Mutex // guards c against the watcher while reconnecting
	scratch [wire.FrameLen]byte
	batchT  int64
	pend    struct {
		tag       int
		rtt, t, n int64
	} // pending run of equal rtts
	handleFn func(wire.View)
}

// liveCounters are read by the progress goroutine.
type liveCounters struct {
	sent, recv, errs atomic.Int64
}

const maxErrSamples = 5

// LateSend is how far behind its schedule a send must be, in rate-limited
// mode, to count as late: the generator, not the peer, fell behind.
const LateSend = time.Millisecond

func runConns(ctx context.Context, cfg LoadConfig, conns []*Conn) (*report.Run, error) {
	base := time.Now()
	startUnix := base
	ws := make([]*worker, len(conns))
	var stop atomic.Bool
	ringSize := 1 << bits.Len(uint(cfg.Window-1))
	warmupEnd := int64(cfg.Warmup)
	var end int64
	if cfg.Duration > 0 {
		end = warmupEnd + int64(cfg.Duration)
	}
	for i, c := range conns {
		w := &worker{
			id: i, cfg: &cfg, c: c, base: base,
			key:  splitmix(cfg.Seed ^ uint64(i)<<32),
			ring: make([]slot, ringSize), mask: uint64(ringSize - 1),
			window: cfg.Window, stop: &stop, end: end,
			measureFrom: warmupEnd,
			warmupLeft:  share(cfg.WarmupCount, i, len(conns)),
			quota:       -1,
			armedAt:     -1,
		}
		if cfg.Count > 0 {
			w.quota = share(cfg.Count, i, len(conns))
		}
		w.handleFn = w.handle
		ws[i] = w
	}
	// Recorders start when the measured window does, so their per-second
	// intervals line up across connections.
	measBase := base.Add(cfg.Warmup)
	tags := cfg.Mix.Tags()
	for _, w := range ws {
		w.rec = report.NewRecorder(measBase, startUnix.Add(cfg.Warmup), tags, report.WithLogStream(cfg.Intervals))
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run()
		}()
	}
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		watchRun(ctx, cfg, ws, &stop, done)
	}()
	wg.Wait()
	close(done)
	watch.Wait()
	for _, c := range conns {
		c.Close()
	}
	return collect(ctx, cfg, ws, base, startUnix)
}

// watchRun prints progress and, when the context ends, stops the workers
// and bounds their drain.
func watchRun(ctx context.Context, cfg LoadConfig, ws []*worker, stop *atomic.Bool, done <-chan struct{}) {
	var tick <-chan time.Time
	if cfg.Progress != nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}
	start := time.Now()
	recs := make([]*report.Recorder, len(ws))
	for i, w := range ws {
		recs[i] = w.rec
	}
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			stop.Store(true)
			d := min(cfg.Drain, interruptDrain)
			dl := time.Now().Add(d)
			for _, w := range ws {
				w.mu.Lock()
				w.c.nc.SetReadDeadline(dl)
				w.mu.Unlock()
			}
			select {
			case <-done:
			case <-time.After(d + 100*time.Millisecond):
				// Reads blocked in the kernel ignore deadlines: wake them.
				for _, w := range ws {
					w.mu.Lock()
					w.c.wake()
					w.mu.Unlock()
				}
				<-done
			}
			return
		case <-tick:
			var c Counters
			for _, w := range ws {
				c.Sent += w.live.sent.Load()
				c.Received += w.live.recv.Load()
				c.Errors += w.live.errs.Load()
			}
			c.Elapsed = time.Since(start)
			cfg.Progress(report.LastSecond(recs), c)
		}
	}
}

// share returns connection i's part of n split over conns.
func share(n int64, i, conns int) int64 {
	q := n / int64(conns)
	if int64(i) < n%int64(conns) {
		q++
	}
	return q
}

func (w *worker) now() int64 { return int64(time.Since(w.base)) }

// run is the connection's loop: send what the window (and the schedule)
// allows in one write, then read what has arrived in one read.
func (w *worker) run() {
	for {
		if !w.stopped && (w.stop.Load() || (w.quota == 0 && w.warmupLeft == 0) || (w.end > 0 && w.now() >= w.end)) {
			w.beginDrain()
		}
		if !w.stopped {
			if err := w.sendBatch(); err != nil {
				if w.recover(err) {
					continue
				}
				return
			}
		}
		inflight := int64(w.sent) - w.acked
		if inflight == 0 {
			if w.stopped {
				return
			}
			if w.cfg.Rate > 0 {
				w.sleepUntil(w.intended(w.sent))
			}
			continue
		}
		if w.cfg.Rate > 0 && !w.stopped {
			again, err := w.awaitSchedule(inflight)
			if err != nil {
				if w.recover(err) {
					continue
				}
				return
			}
			if again {
				continue
			}
		}
		if !w.stopped {
			w.armDeadline()
		}
		w.batchT = 0
		_, err := w.c.RecvBatch(w.handleFn)
		w.endBatch()
		if err != nil && !w.stopped && !w.stop.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
			// The run's end, or a stalled peer, interrupted the wait.
			now := w.now()
			if w.end > 0 && now >= w.end {
				continue // the loop drains
			}
			if now-w.lastReply >= int64(w.cfg.ReplyTimeout) {
				err = fmt.Errorf("%w: no reply for %v", ErrStalled, w.cfg.ReplyTimeout)
			} else {
				w.armedAt = -1
				continue
			}
		}
		if err != nil {
			// The drain ends at its deadline, or at any error once the run
			// was interrupted (a blocking socket is woken by a shutdown).
			if w.stopped && errors.Is(err, os.ErrDeadlineExceeded) || w.stop.Load() {
				if lost := int64(w.sent) - w.acked; lost > 0 {
					w.lost += lost
					w.noteError(fmt.Sprintf("conn %d: %d replies still missing after the drain", w.id, lost))
				}
				return
			}
			if w.recover(err) {
				continue
			}
			return
		}
	}
}

// armDeadline bounds the wait for replies by the end of the run and by the
// reply timeout. It sets the deadline at most every armEvery, which keeps
// its cost off the hot path; the deadline error path tells the two apart.
func (w *worker) armDeadline() {
	now := w.now()
	if w.armedAt >= 0 && now-w.armedAt < int64(armEvery) {
		return
	}
	w.armedAt = now
	if w.lastReply == 0 {
		w.lastReply = now
	}
	dl := now + int64(w.cfg.ReplyTimeout)
	if w.end > 0 && w.end < dl {
		dl = w.end
	}
	w.c.setReadLimit(w.base.Add(time.Duration(dl)), dl-now)
}

// armEvery is how often the read deadline of a connection is moved on.
const armEvery = 100 * time.Millisecond

// spinMargin is how long before a scheduled send the driver stops sleeping
// and polls instead: a ppoll(2) timeout wakes up 50 to 150 µs late on a
// virtual machine, which would make the generator, not the peer, late.
const spinMargin = 150 * time.Microsecond

// awaitSchedule is the rate-limited mode's wait for replies. With room in
// the window, it waits in ppoll(2) for a reply or until shortly before the
// next scheduled send, then polls the socket until that send is due, and
// handles any reply that arrived; with the window full it parks in a read
// until a reply comes. It reports true when the loop should go round
// without that read.
func (w *worker) awaitSchedule(inflight int64) (bool, error) {
	if inflight >= int64(w.window) {
		return false, nil
	}
	wait := w.intended(w.sent) - w.now()
	if wait <= 0 {
		return true, nil
	}
	if wait > int64(spinMargin) && !w.c.waitReadable(time.Duration(wait)-spinMargin) {
		return true, nil
	}
	got, err := w.c.Poll()
	if err == nil && got {
		w.batchT = 0
		_, err = w.c.RecvBuffered(w.handleFn)
		w.endBatch()
	}
	return true, err
}

// beginDrain stops sending and bounds the wait for replies in flight.
func (w *worker) beginDrain() {
	w.stopped = true
	w.c.Flush()
	d := w.cfg.Drain
	if w.stop.Load() {
		d = min(d, interruptDrain)
	}
	w.c.setDrainTimeout(d)
}

// interruptDrain bounds the wait for replies in flight after Ctrl-C.
const interruptDrain = 500 * time.Millisecond

// intended returns the scheduled send time of message seq (ns since base).
// Connection i of N at a total rate R sends at i/R + k*N/R seconds.
func (w *worker) intended(seq uint64) int64 {
	if w.cfg.Rate <= 0 {
		return 0
	}
	return int64((float64(w.id) + float64(seq)*float64(w.cfg.Conns)) * 1e9 / w.cfg.Rate)
}

// due returns how many messages are scheduled by time t.
func (w *worker) due(t int64) uint64 {
	k := (float64(t)*w.cfg.Rate/1e9 - float64(w.id)) / float64(w.cfg.Conns)
	if k < 0 {
		return 0
	}
	return uint64(k) + 1
}

func (w *worker) sleepUntil(t int64) {
	for !w.stop.Load() {
		d := t - w.now()
		if d <= 0 {
			return
		}
		if d > int64(spinMargin) {
			w.c.waitReadable(time.Duration(min(d-int64(spinMargin), int64(100*time.Millisecond))))
		}
	}
}

// sendBatch sends every message the window, the schedule and the quota
// allow, then flushes once.
func (w *worker) sendBatch() error {
	room := int64(w.window) - (int64(w.sent) - w.acked)
	if room <= 0 {
		return nil
	}
	now := w.now()
	if w.cfg.Rate > 0 {
		room = min(room, int64(w.due(now))-int64(w.sent))
	}
	if w.quota >= 0 {
		room = min(room, w.warmupLeft+w.quota)
	}
	if room <= 0 {
		return nil
	}
	first := w.sent
	s := &w.c.Sender
	for i := int64(0); i < room; i++ {
		seq := w.sent
		k := w.cfg.Mix.kindAt(w.key, seq)
		if cap(s.buf)-len(s.buf) < wire.FrameLen {
			if err := s.Flush(); err != nil {
				return err
			}
		}
		s.buf = appendMessage(s.buf, k, seq)
		s.sent++
		sl := &w.ring[seq&w.mask]
		*sl = slot{seq: seq, pending: true, kind: k, intended: w.intended(seq)}
		w.sent++
		// Warmup is decided at send time: by count, or by the scheduled
		// (rate) or current (closed loop) time against the warmup's end.
		switch {
		case w.warmupLeft > 0:
			w.warmupLeft--
		case w.cfg.Rate > 0 && sl.intended < w.measureFrom, w.cfg.Rate <= 0 && now < w.measureFrom:
		default:
			sl.measured = true
			if w.quota > 0 {
				w.quota--
			}
		}
	}
	t := w.now()
	if err := s.Flush(); err != nil {
		return err
	}
	for seq := first; seq < w.sent; seq++ {
		sl := &w.ring[seq&w.mask]
		sl.actual = t
		if w.cfg.Rate <= 0 {
			sl.intended = t
		} else if lag := t - sl.intended; lag > int64(LateSend) {
			w.lateSends++
			w.maxLag = max(w.maxLag, lag)
		}
		if sl.measured {
			w.measSent++
			if w.firstMeas == 0 {
				w.firstMeas = t
			}
		} else {
			w.warmSent++
		}
	}
	w.live.sent.Add(int64(w.sent - first))
	return nil
}

// handle checks and records one reply.
func (w *worker) handle(v wire.View) {
	if w.batchT == 0 {
		w.batchT = w.now()
	}
	seq := v.Field(8)
	sl := &w.ring[seq&w.mask]
	if !sl.pending || sl.seq != seq || seq >= w.sent {
		w.errors++
		w.noteError(fmt.Sprintf("conn %d: unexpected or duplicated reply %s", w.id, describe(v)))
		return
	}
	sl.pending = false
	w.acked++
	if !checkReply(v, sl.kind, seq, w.cfg.Expect) {
		w.errors++
		want, _, _ := wire.ParseFrame(appendMessage(w.scratch[:0], sl.kind, seq))
		w.noteError(fmt.Sprintf("conn %d: reply to %s was %s", w.id, describe(want), describe(v)))
	}
	if !sl.measured {
		w.warmRecv++
		return
	}
	w.measRecv++
	t := w.batchT
	w.lastMeas = t
	tag := w.cfg.Mix.tag[sl.kind]
	if w.cfg.Rate > 0 {
		w.rec.RecordPair(tag, w.base.Add(time.Duration(t)), t-sl.intended, t-sl.actual)
		return
	}
	// Replies of one send batch read in one batch share their rtt: record
	// such runs with one histogram update.
	rtt := t - sl.actual
	if w.pend.n > 0 && (w.pend.tag != tag || w.pend.rtt != rtt || w.pend.t != t) {
		w.flushRun()
	}
	w.pend.tag, w.pend.rtt, w.pend.t = tag, rtt, t
	w.pend.n++
}

// flushRun records the pending run of equal rtts.
func (w *worker) flushRun() {
	if w.pend.n > 0 {
		w.rec.RecordN(w.pend.tag, w.base.Add(time.Duration(w.pend.t)), w.pend.rtt, w.pend.n)
		w.pend.n = 0
	}
}

// endBatch records what a batch of replies left pending and publishes the
// live counters.
func (w *worker) endBatch() {
	if w.batchT != 0 {
		w.lastReply = w.batchT
	}
	w.flushRun()
	w.live.recv.Store(w.acked)
	w.live.errs.Store(w.errors)
}

func describe(v wire.View) string {
	return string(wire.AppendJSON(nil, v.Message()))
}

func (w *worker) noteError(s string) {
	if len(w.errSamples) < maxErrSamples {
		w.errSamples = append(w.errSamples, s)
	}
}

// recover handles a failed send or receive: with Reconnect it redials with
// backoff and carries on, counting the gap; otherwise it ends the worker.
func (w *worker) recover(err error) bool {
	w.errors++
	w.live.errs.Add(1)
	lost := int64(w.sent) - w.acked
	w.noteError(fmt.Sprintf("conn %d: %v (%d replies in flight lost)", w.id, err, lost))
	w.lost += lost
	if !w.cfg.Reconnect || w.stopped || w.stop.Load() {
		w.fatal = err
		return false
	}
	start := w.now()
	backoff := 10 * time.Millisecond
	for !w.stop.Load() && (w.end == 0 || w.now() < w.end) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, derr := Dial(ctx, w.cfg.Addr, w.cfg.Options...)
		cancel()
		if derr == nil {
			w.mu.Lock()
			w.c.Close()
			w.c.replace(c)
			w.mu.Unlock()
			for i := range w.ring {
				w.ring[i].pending = false
			}
			w.acked = int64(w.sent)
			w.reconnects++
			w.gapNanos += w.now() - start
			return true
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
	w.fatal = err
	return false
}
