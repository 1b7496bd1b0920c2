package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// LoadConfig describes a run of [Run], the driver behind gigadex ping and
// flood. Zero values mean the documented defaults.
//
// The run has a warmup, then a measured window, then a drain. The warmup is
// Warmup, WarmupCount messages, or whichever comes first when both are set
// (none when neither is). The window lasts Duration, or until Count
// measured messages were sent, whichever comes first. The drain waits up to
// Drain for the replies still in flight. Every blocking call (dial, TLS
// handshake, read, write) is bounded by these and by the context, so a run
// with a Duration ends within ConnectTimeout + warmup + Duration + Drain,
// whatever the peer or the network does (a warmup given only as a count
// waits for every connection's share, which ReplyTimeout bounds, and ends
// the run with [ErrStalled] if a connection's first reply takes longer
// than WarmupFirstReply), and within 400 ms of the context's end.
type LoadConfig struct {
	Command string // "ping" or "flood", for the result
	Addr    string // peer address, host:port
	Conns   int    // connections (default 1)
	Window  int    // messages in flight per connection (default 1)

	Count    int64         // measured messages in all, split over the connections; 0: no limit
	Duration time.Duration // measured window; 0: no limit (Count or the context ends the run)

	Warmup      time.Duration // warmup time, excluded from the histograms and reported apart; 0: none
	WarmupCount int64         // warmup messages in all; with Warmup, whichever comes first

	Rate float64 // messages/s across all connections; 0: closed loop
	Mix  Mix     // message types (default: heartbeats only)
	Seed uint64  // seeds the mix
	// Reply is what the peer answers (default: echo); replies are checked
	// against it, matched to their request by content (an id, a timestamp,
	// the whole frame), in any order within the window. Against an
	// exchange or book peer, Trades and the peer's own Heartbeats are
	// unsolicited messages, counted in Run.Unsolicited, and a Trade naming
	// one of a connection's Orders times its fill (Run.Fill).
	Reply wire.Reply
	// HeartbeatTimeout fails a connection whose peer sent no Heartbeat of
	// its own for this long (0, the default: never). Gaps between the
	// peer's Heartbeats are summed up in Run.HeartbeatGap either way.
	HeartbeatTimeout time.Duration
	// Strict makes the first unsolicited message a run error
	// ([ErrUnsolicited]), for peers that must send nothing unasked.
	Strict bool
	// IDBase is added to every message id. Connection i's ids are
	// IDBase + i<<36 + its sequence number, so that connections never
	// collide; give agents that share a peer IDBase values 1<<50 apart
	// (see [AgentIDBase]).
	IDBase uint64
	// Messages, if not empty, are sent in order, looping, instead of Mix
	// (closed loop or at Rate). Each keeps its fields but the first, which
	// becomes the connection's id for it (see IDBase); a CancelOrder names
	// the id its Order got when last sent. Replies are checked against
	// what was sent, as for the mix.
	Messages []wire.Message
	// Cross is the share of Orders, in percent, priced to cross the book
	// against an exchange or book peer (default [DefaultCross]; negative:
	// none). Prices follow a mid-price walk seeded by Seed; buys rest below
	// it and sells above it, and crossing Orders are priced on the other
	// side. Echo peers get the fixed prices of the mix.
	Cross int

	Drain time.Duration // how long to wait for replies in flight at the end (default 2s)
	// ReplyTimeout ends a connection that gets no reply, or cannot write, for
	// this long while messages are in flight (default 10s): a stalled peer
	// fails the run instead of hanging it.
	ReplyTimeout time.Duration
	// Reconnect redials a failed connection instead of ending it, after a
	// backoff (see [BackoffMin]) whether the dial or the connection failed.
	Reconnect bool
	// ConnectTimeout bounds each dial, TLS handshake included (default
	// [DefaultConnectTimeout]); the initial connections are all opened
	// within one ConnectTimeout.
	ConnectTimeout time.Duration
	Options        []Option // dial options

	// Progress, if set, is called about once a second from another goroutine
	// with the last second's figures.
	Progress func(report.Progress, Counters)
	// Intervals, if set, receives each connection's per-second histograms
	// of the measured window as they close, to write an interval log while
	// the run goes. Close it after Run returns.
	Intervals *report.LogStream
	// Observer, if set, follows the run live (see [Observer]).
	Observer Observer

	tls bool // Options include WithTLS
}

// Counters are live totals across connections, for progress lines.
type Counters struct {
	Sent, Received, Errors int64
	Elapsed                time.Duration
}

// DefaultCross is LoadConfig.Cross's default: the share of Orders, in
// percent, that cross the book.
const DefaultCross = 20

// AgentIDBase returns the id base of agent i of a distributed run: i<<50,
// which leaves 2^14 connections of 2^36 messages each to every agent, and
// keeps ids below 2^60 for agents up to 1023, apart from the Unix-ns
// timestamps of a peer's Heartbeats.
func AgentIDBase(i uint64) uint64 { return i << 50 }

// ErrHeartbeat is a connection whose peer sent no Heartbeat for
// LoadConfig.HeartbeatTimeout.
var ErrHeartbeat = errors.New("client: peer heartbeats stopped")

// ErrUnsolicited is a run that got a message it did not ask for while
// LoadConfig.Strict was set; the error quotes the first one.
var ErrUnsolicited = errors.New("client: unsolicited message")

// ErrAcksOrders is a run that expected echoes from a peer that
// acknowledges Orders with OrderAcks, as an exchange does: its replies
// are checked as an exchange's with wire.ReplyExchange.
var ErrAcksOrders = errors.New("client: the peer answers Orders with OrderAcks, as an exchange does")

// DefaultConnectTimeout is LoadConfig.ConnectTimeout's default.
const DefaultConnectTimeout = 5 * time.Second

// ErrPeer wraps connection failures of a run, including connections that
// could not be opened (see [DialError]).
var ErrPeer = errors.New("client: connection failed")

// ErrStalled is a connection that got no reply, or could not write, within
// LoadConfig.ReplyTimeout.
var ErrStalled = errors.New("client: peer stalled")

// WarmupFirstReply is how long a connection waits for its first reply in a
// warmup given only as a count (LoadConfig.WarmupCount without Warmup),
// when ReplyTimeout is longer: a peer that answers nothing for this long
// will not be warmed up by waiting the whole reply timeout. It is the
// default warmup's time bound.
const WarmupFirstReply = time.Second

// ErrNothingMeasured is a run whose measured window recorded no round
// trip; the error that wraps it says why.
var ErrNothingMeasured = errors.New("client: nothing measured")

// Run drives cfg.Conns connections against cfg.Addr and returns what it
// measured. It returns the Run it gathered with every error but a
// configuration error (nil Run then):
//   - a cancelled context gives the partial result with Interrupted set and
//     ctx.Err();
//   - connection failures, at the start or later, wrap [ErrPeer] (the
//     result then holds the reasons in ErrorSamples);
//   - replies that do not match their request wrap [ErrMismatch]; they and
//     lost replies are counted in Run.Errors;
//   - a window that recorded no round trip wraps [ErrNothingMeasured].
func Run(ctx context.Context, cfg LoadConfig) (*report.Run, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	conns, err := dialAll(ctx, &cfg)
	if err != nil {
		run := report.NewRun(cfg.Command, cfg.Addr, cfg.Conns)
		run.Config = cfg.configMap()
		run.TargetRate = cfg.Rate
		if ctx.Err() != nil {
			run.Interrupted = true
			return run, ctx.Err()
		}
		run.Errors = 1
		run.ErrorSamples = []string{err.Error()}
		return run, fmt.Errorf("%w: %w", ErrPeer, err)
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
	if cfg.Cross == 0 {
		cfg.Cross = DefaultCross
	}
	if len(cfg.Messages) > 0 {
		cfg.Mix = mixOfMessages(cfg.Messages)
	}
	for _, m := range cfg.Messages {
		if err := wire.Validate(m); err != nil {
			return fmt.Errorf("messages: %w", err)
		}
	}
	if len(cfg.Mix.kinds) == 0 {
		cfg.Mix = MixOf(wire.KindHeartbeat)
	}
	var o options
	for _, opt := range cfg.Options {
		opt(&o)
	}
	cfg.tls = o.tls != nil
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
	case cfg.Drain < 0 || cfg.ReplyTimeout < 0 || cfg.ConnectTimeout < 0 || cfg.HeartbeatTimeout < 0:
		return errors.New("drain, reply timeout and connect timeout must not be negative")
	case cfg.Cross > 100:
		return fmt.Errorf("cross must be a percentage from 0 to 100, not %d", cfg.Cross)
	case cfg.Count == 0 && cfg.Duration == 0:
		return errors.New("give a count or a duration")
	}
	return nil
}

// runState is what a run's connections share.
type runState struct {
	cfg    *LoadConfig
	base   time.Time // the run's start; every time below is ns since base
	tags   []string  // histogram tags of the mix
	win    *window
	stop   atomic.Bool  // stop sending and drain: interrupted or past the end
	stopAt atomic.Int64 // when stop was set (ns since base); 0: not yet
	ctx    context.Context
	cancel context.CancelFunc // ends ctx: at an interrupt, or when the run is aborted
	gcFrom gcReading          // the collector's totals when the window started; set by watch
	obs    Observer           // cfg.Observer
}

const maxErrSamples = 5

// LateSend is how far behind its schedule a send must be, in rate-limited
// mode, to count as late: the generator, not the peer, fell behind.
const LateSend = report.LateSend

// interruptDrain bounds the wait for replies in flight after Ctrl-C.
const interruptDrain = 300 * time.Millisecond

// abortGrace is how long after its planned end (window, then drain) a run
// still blocked somewhere has its connections shut down.
const abortGrace = 300 * time.Millisecond

func runConns(ctx context.Context, cfg LoadConfig, conns []*Conn) (*report.Run, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rs := &runState{cfg: &cfg, tags: cfg.Mix.Tags(), ctx: rctx, cancel: cancel, obs: cfg.Observer}
	ws := make([]*worker, len(conns))
	shares := make([]int64, len(conns))
	for i, c := range conns {
		w := &worker{
			id: i, rs: rs, cfg: &cfg, c: c,
			key:     splitmix(cfg.Seed ^ uint64(i)<<32),
			ring:    newRing(cfg.Window),
			armedAt: -1,
			phase:   phase{quota: -1},
			back:    newBackoff(cfg.Seed ^ uint64(i)),
		}
		if cfg.Rate > 0 {
			w.sched = newSchedule(cfg.Rate, i, len(conns))
			w.lags = report.NewPackedHistogram()
			w.ring.intended = make([]int64, len(w.ring.slots))
		} else {
			w.phase.warmupLeft = share(cfg.WarmupCount, i, len(conns))
			w.phase.warmOwed = w.phase.warmupLeft > 0
		}
		if cfg.Count > 0 {
			w.phase.quota = share(cfg.Count, i, len(conns))
		}
		w.handleFn = w.handle
		w.kinds = cfg.Mix.kindTable(w.key)
		w.idBase = cfg.IDBase + uint64(i)<<36
		if cfg.Reply != wire.ReplyEcho || len(cfg.Messages) > 0 {
			w.ord = newOrders(cfg.Window, max(cfg.Cross, 0), cfg.Seed, w.key)
		}
		if len(cfg.Messages) > 0 {
			w.replay = newReplay(cfg.Messages, len(w.ring.slots))
		}
		shares[i] = w.phase.warmupLeft
		ws[i] = w
	}
	rs.win = newWindow(&cfg, shares)
	// The run starts once its memory is ready: a large window's ring takes
	// a while to allocate.
	rs.base = time.Now()
	live := rs.observe(ws)

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
		rs.watch(ctx, ws, done)
	}()
	wg.Wait()
	close(done)
	watch.Wait()
	for _, w := range ws {
		w.c.Close()
	}
	run, err := collect(ctx, rs, ws)
	if live != nil {
		rs.obs.Finished(live)
	}
	return run, err
}

// progressLag is how long after a second of the window ends its progress
// is reported: by then the connections have recorded a reply of the next
// second, which publishes the one that ended.
const progressLag = 200 * time.Millisecond

// progress reports the second of the measured window that just ended, if
// one ended since the last report; *reported counts the seconds reported.
func (rs *runState) progress(ws []*worker, reported *int64) {
	if rs.cfg.Progress == nil {
		return
	}
	start, ok := rs.win.started()
	if !ok {
		return
	}
	ended := int64((time.Since(rs.base) - time.Duration(start) - progressLag) / time.Second)
	if ended <= *reported {
		return
	}
	*reported = ended
	rs.cfg.Progress(report.SecondAt(recorders(ws), ended-1), counters(ws, rs.base))
}

// watch prints progress, and stops the workers when the context ends or
// when the run is past its end and still blocked somewhere.
func (rs *runState) watch(ctx context.Context, ws []*worker, done <-chan struct{}) {
	reported := int64(0) // seconds of the window whose progress was reported
	check := time.NewTicker(100 * time.Millisecond)
	defer check.Stop()
	decided := rs.win.decided
	for {
		select {
		case <-decided:
			rs.gcFrom = readGC()
			decided = nil
		case <-done:
			return
		case <-ctx.Done():
			rs.interrupt(ws, done)
			return
		case <-check.C:
			rs.progress(ws, &reported)
			if start, ok := rs.win.started(); ok && rs.cfg.Duration > 0 {
				hard := start + int64(rs.cfg.Duration) + int64(rs.cfg.Drain) + int64(abortGrace)
				if int64(time.Since(rs.base)) >= hard {
					rs.abort(ws)
					<-done
					return
				}
			}

		}
	}
}

// interrupt stops the workers, bounds their drain, and then shuts down the
// connections of those still blocked.
func (rs *runState) interrupt(ws []*worker, done <-chan struct{}) {
	rs.stopAt.CompareAndSwap(0, int64(time.Since(rs.base)))
	rs.stop.Store(true)
	rs.cancel()
	d := min(rs.cfg.Drain, interruptDrain)
	dl := time.Now().Add(d)
	for _, w := range ws {
		w.mu.Lock()
		w.c.nc.SetDeadline(dl)
		w.mu.Unlock()
	}
	select {
	case <-done:
	case <-time.After(d + 50*time.Millisecond):
		rs.abort(ws)
		<-done
	}
}

// abort ends every blocked call of the run: the workers stop, their
// connections are shut down, and dials and backoff waits end.
func (rs *runState) abort(ws []*worker) {
	rs.stopAt.CompareAndSwap(0, int64(time.Since(rs.base)))
	rs.stop.Store(true)
	rs.cancel()
	for _, w := range ws {
		w.mu.Lock()
		w.c.abort()
		w.mu.Unlock()
	}
}

func recorders(ws []*worker) []*report.Recorder {
	recs := make([]*report.Recorder, 0, len(ws))
	for _, w := range ws {
		if r := w.recp.Load(); r != nil {
			recs = append(recs, r)
		}
	}
	return recs
}

func counters(ws []*worker, base time.Time) Counters {
	var c Counters
	for _, w := range ws {
		c.Sent += w.live.sent.Load()
		c.Received += w.live.recv.Load()
		c.Errors += w.live.errs.Load()
	}
	c.Elapsed = time.Since(base)
	return c
}

// share returns connection i's part of n split over conns.
func share(n int64, i, conns int) int64 {
	q := n / int64(conns)
	if int64(i) < n%int64(conns) {
		q++
	}
	return q
}
