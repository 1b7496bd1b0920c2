package client

import (
	"sync/atomic"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// Observer follows the runs of [Run] while they go, for a monitoring
// system (package prom serves one to Prometheus); set it in
// [LoadConfig.Observer]. A driver that makes several runs (a capacity
// search) calls it for each. Its methods are called from the run's
// goroutines, so they must be safe for concurrent use, and quick: RTTs is
// called by the connections themselves.
//
// The hot path stays as it is without an observer and nearly so with one:
// a connection counts its replies by type in memory of its own and
// publishes the counts at most every 100 ms; what it sent by type is
// derived from its sequence number when [Live.Read] is called.
type Observer interface {
	// Started is called once a run's connections are open, before its
	// first message; l reads the run's counts from then on.
	Started(l *Live)
	// Second is called by each connection when it closes a second of the
	// measured window (see [report.WithSecondFunc]), with that second's
	// round-trip times in ns across message types (from the intended send
	// time in rate-limited mode, as in the result) and its order-to-fill
	// latencies in ns (nil if none; see [report.Run.Fill]). The
	// histograms are never modified afterwards and must not be modified.
	// The last second of each connection is handed over before Finished is
	// called.
	Second(rtt, fill *hdrhistogram.PackedHistogram)
	// Finished is called once every connection of the run has stopped:
	// l's counts are final, and add up to the result's (see [LiveCounts]).
	Finished(l *Live)
}

// Live reads a run's counts while it goes. Its methods are safe for
// concurrent use with the run, and after it.
type Live struct {
	rate float64
	ws   []*worker
}

// LiveCounts are a run's counts so far. Unlike the result's, they include
// the warmup and the drain: Sent adds up to the result's Sent plus
// WarmupSent, and Received to Received plus WarmupReceived, once the run
// has finished.
type LiveCounts struct {
	Sent     [wire.NumKinds]int64 // messages sent, by type
	Received [wire.NumKinds]int64 // replies to messages in flight received, by their type
	// Unsolicited counts, by type, the Trades and Heartbeats the peer sent
	// on its own (the result's Unsolicited counts those of the measured
	// window).
	Unsolicited [wire.NumKinds]int64
	Errors      int64   // as the result's Errors, lost replies included
	Connections int     // connections open now
	TargetRate  float64 // the run's rate in msgs/s; 0 in closed loop
}

// Read returns the run's counts: those the connections published (at most
// 100 ms old while the run goes, final after it). It allocates nothing; it
// reads a table of 4096 message types per connection (with
// LoadConfig.Messages, the list's types).
func (l *Live) Read() LiveCounts {
	c := LiveCounts{TargetRate: l.rate}
	for _, w := range l.ws {
		o := &w.obs
		sentByKind(&c.Sent, o.period, uint64(w.live.sent.Load()))
		for k := range c.Received {
			c.Received[k] += o.pubRecv[k].Load()
			c.Unsolicited[k] += o.pubUnsol[k].Load()
		}
		c.Errors += o.pubErrs.Load()
		if o.up.Load() {
			c.Connections++
		}
	}
	return c
}

// sentByKind adds to sent the types of the first n messages of a
// connection whose types are period, repeated.
func sentByKind(sent *[wire.NumKinds]int64, period []wire.Kind, n uint64) {
	if len(period) == 0 {
		return
	}
	full, rest := int64(n/uint64(len(period))), n%uint64(len(period))
	for i, k := range period {
		c := full
		if uint64(i) < rest {
			c++
		}
		sent[k] += c
	}
}

// observed is what a connection counts for an Observer: the plain counts
// are the connection's own, the atomic ones their published copies.
type observed struct {
	answered [wire.NumKinds]int64 // replies checked in place, by the type of their request
	recv     [wire.NumKinds]int64 // other replies to messages in flight, by type
	unsol    [wire.NumKinds]int64 // messages that answered nothing in flight, by type

	pubRecv  [wire.NumKinds]atomic.Int64
	pubUnsol [wire.NumKinds]atomic.Int64
	pubErrs  atomic.Int64
	up       atomic.Bool // the connection is open
	period   []wire.Kind // the types of its messages, which repeat; set before the run
}

// publish makes the worker's counts visible to Live.Read. It is cheap
// enough for every 100 ms, not for every batch.
func (w *worker) publish() {
	if w.rs.obs == nil {
		return
	}
	o := &w.obs
	var recv [wire.NumKinds]int64
	for k, n := range o.answered {
		recv[replyKind(wire.Kind(k), w.cfg.Reply)] += n
	}
	for k := range recv {
		o.pubRecv[k].Store(recv[k] + o.recv[k])
		o.pubUnsol[k].Store(o.unsol[k])
	}
	o.pubErrs.Store(w.tally.errors + w.tally.lost)
}

// replyKind is the type of the right reply to a message of type k.
func replyKind(k wire.Kind, mode wire.Reply) wire.Kind {
	switch {
	case !answeredByAck(k, mode):
		return k
	case k == wire.KindOrder:
		return wire.KindOrderAck
	default:
		return wire.KindCancelAck
	}
}

// recorderOptions returns the options of a connection's recorder.
func (rs *runState) recorderOptions() []report.RecorderOption {
	opts := []report.RecorderOption{report.WithLogStream(rs.cfg.Intervals)}
	if rs.obs != nil {
		opts = append(opts, report.WithSecondFunc(rs.obs.Second))
	}
	return opts
}

// observe hands the run to its observer, if any, and returns its Live.
func (rs *runState) observe(ws []*worker) *Live {
	if rs.obs == nil {
		return nil
	}
	var replayed []wire.Kind // a replay's messages are those of the list, in a loop
	for _, m := range rs.cfg.Messages {
		replayed = append(replayed, m.Kind())
	}
	for _, w := range ws {
		w.obs.up.Store(true)
		w.obs.period = w.kinds[:]
		if w.replay != nil {
			w.obs.period = replayed
		}
	}
	l := &Live{rate: rs.cfg.Rate, ws: ws}
	rs.obs.Started(l)
	return l
}

// ended publishes the final counts of a worker that stops.
func (w *worker) ended() {
	w.obs.up.Store(false)
	w.publish()
}
