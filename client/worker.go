package client

import (
	"encoding/binary"
	"errors"
	"fmt"

	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// worker drives one connection. Everything it touches on the hot path is
// its own. The fields a batch touches come first, so that they share a few
// cache lines: with a thousand connections, a batch of a few replies
// finds little of its connection's state in the caches.
type worker struct {
	rs     *runState
	cfg    *LoadConfig
	c      *Conn
	sent   uint64 // sequence number of the next message
	acked  int64
	idBase uint64                 // message seq carries the id idBase+seq
	kinds  *[kindPeriod]wire.Kind // the types of the messages, by sequence number
	ord    *orders                // the Orders sent to an exchange peer (or replayed); nil for an echo peer
	replay *replay                // LoadConfig.Messages; nil for the mix
	rec    *report.Recorder       // nil until the window starts
	ring   ring
	sched  schedule
	phase  phase

	stopped   bool  // draining: sends nothing more
	armedAt   int64 // when the deadlines were last moved on; -1: move them now
	lastReply int64 // when a reply last arrived
	readAt    int64 // when the loop's last receive read replies; 0: the clock must be read
	writeBy   int64 // the write deadline (ns since base) that flush keeps

	batch batch
	tally tally
	live  liveCounters
	obs   observed
	runs  runBuffer

	id       int
	mu       sync.Mutex // guards c against the watcher while reconnecting
	key      uint64     // seeds the mix for this connection
	upSince  int64      // when the connection was opened
	recp     atomic.Pointer[report.Recorder]
	back     backoff
	lags     *hdrhistogram.PackedHistogram // rate mode: send lag of each measured message, ns
	lastBeat int64                         // when the peer's last Heartbeat arrived; 0: none yet
	gaps     *hdrhistogram.PackedHistogram // gaps between the peer's Heartbeats, ns; nil until the second
	handleFn func(wire.View)
	scratch  [wire.FrameLen]byte
}

// phase is where a connection is in the run: warmup, measured window.
type phase struct {
	warmupLeft int64 // warmup messages this connection still owes (closed loop)
	warmOwed   bool  // closed loop: this connection holds the window back, its warmup share not yet sent or not all answered
	quota      int64 // measured messages still to send; -1: no limit
	known      bool  // the window's start is decided
	from, end  int64 // the measured window; end 0: no limit
}

// batch is the state of one batch of replies: its clock reading, and a run
// of replies to one send batch (so of equal rtts) not yet recorded.
type batch struct {
	t       int64
	send    uint32               // the send batch of the pending run
	rtt, at int64                // the rtt of the pending run, and when it was read
	n       [wire.NumKinds]int64 // replies of the pending run, by tag
	any     bool                 // some n is not 0
}

// tally is what a connection counted.
type tally struct {
	measSent, measRecv  int64
	warmSent, warmRecv  int64
	errors, lost        int64
	mismatched          int64 // replies that answered nothing in flight or answered wrongly
	firstMeas, lastMeas int64
	stopMeas            int64 // when the connection stopped measuring: the window's end, a stop, or its failure; 0: not yet
	samples             []string
	fatal               error
	reconnects, gap     int64
	unsolicited         [wire.NumKinds]int64 // by kind, from the window's start
	fills               int64                // fills timed
	strict              error                // the first unsolicited message, with LoadConfig.Strict
	ackedOrders         int64                // echo mode: Orders answered with an OrderAck
}

// liveCounters are read by the progress goroutine.
type liveCounters struct {
	sent, recv, errs atomic.Int64
}

func (w *worker) now() int64 { return int64(time.Since(w.rs.base)) }

// run is the connection's loop: send what the window (and the schedule)
// allows in one write, then read what has arrived in one read.
func (w *worker) run() {
	defer w.leaveWarmup()
	defer w.ended()
	defer w.stopMeasuring()
	for {
		// The time a pass of the loop decides by: when the last receive
		// read its replies, microseconds ago, or the clock. Only a batch's
		// send time and its replies' arrival, the rtt's two ends, need a
		// reading of their own.
		now := w.readAt
		if w.readAt = 0; now == 0 || w.sched.paced() {
			now = w.now()
		}
		if !w.stopped {
			w.updatePhase(now)
			if w.phase.warmOwed && w.phase.warmupLeft == 0 && w.lastReply > 0 && now-w.lastReply >= int64(warmupQuiet) {
				// The share's last replies do not come: hold the
				// window back no longer.
				w.warmedUp(now)
			}
			if w.rs.stop.Load() || w.phase.over(now) {
				w.beginDrain()
			}
		}
		if err := w.heartbeatLate(now); err != nil {
			if w.afterHeartbeatError(err) {
				continue
			}
			return
		}
		if !w.stopped {
			w.armDeadlines(now)
			if err := w.sendBatch(now); err != nil {
				if w.afterSendError(err) {
					continue
				}
				return
			}
		}
		inflight := int64(w.sent) - w.acked
		if inflight == 0 {
			switch {
			case w.stopped:
				return
			case w.sched.paced():
				if err := w.sleepUntil(w.sched.at(w.sent)); err != nil {
					if w.afterRecvError(err) {
						continue
					}
					return
				}
			case !w.phase.known && w.phase.warmupLeft == 0:
				// The warmup share is sent and answered: its replies are
				// all in before the window, which opens with no warmup
				// message in flight.
				w.warmedUp(w.now())
				if !w.phase.known {
					w.awaitWindow()
				}
			}
			// Nothing was awaited: the reply timeout starts again.
			w.lastReply = w.now()
			continue
		}
		var err error
		if w.sched.paced() && !w.stopped {
			var again bool
			if again, err = w.awaitSchedule(inflight); err == nil && again {
				continue
			}
		}
		if err == nil {
			if !w.stopped {
				w.armDeadlines(now)
			}
			w.batch.t = 0
			err = w.recvBatch()
			w.endBatch()
			if err == nil {
				w.readAt = w.batch.t
			}
		}
		if err != nil && !w.afterRecvError(err) {
			return
		}
	}
}

// afterRecvError handles a failed receive and reports whether the loop goes
// on: a deadline is the run's end, the drain's end, an interrupt, or a
// stalled peer; other errors fail the connection.
func (w *worker) afterRecvError(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) && !w.stopped && !w.rs.stop.Load() {
		now := w.now()
		if lim := w.phase.limit(); lim > 0 && now >= lim {
			return true // the loop drains
		}
		rto, first := w.replyTimeout()
		if int64(w.sent) == w.acked {
			// Nothing is awaited (a read between two paced sends): the
			// reply timeout starts again with the next send.
			w.lastReply, w.armedAt = now, -1
			return true
		}
		if now-w.lastReply < int64(rto) {
			w.armedAt = -1 // within the reply timeout: move the deadlines on
			return true
		}
		err = fmt.Errorf("%w: no reply for %v", ErrStalled, rto)
		if first {
			err = fmt.Errorf("%w: no reply in the warmup for %v (a warmup given only as a count waits at most %v for the peer's first reply; give it a duration too to wait longer)", ErrStalled, rto, WarmupFirstReply)
		}
	}
	// The drain ends at its deadline, or at any error once the run was
	// stopped (a shut down socket returns end of stream).
	if w.stopped && errors.Is(err, os.ErrDeadlineExceeded) || w.rs.stop.Load() {
		w.loseInflight("still missing after the drain")
		return false
	}
	return w.recover(err)
}

// afterSendError handles a failed write and reports whether the loop goes
// on. A write that cannot finish by the end of the drain ends the run for
// this connection; one that makes no progress for ReplyTimeout before that
// is a stalled peer.
func (w *worker) afterSendError(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || w.rs.stop.Load() {
		if lim := w.phase.limit(); w.rs.stop.Load() || (lim > 0 && w.now() >= lim) {
			why := "not sent or not answered by the end of the drain (the peer does not read)"
			if n, err := sock.Pending(w.c.NetConn()); err == nil && n > 0 {
				// The peer did read and answer: its replies waited here
				// while this connection was still writing its window.
				why = fmt.Sprintf("not sent by the end of the drain: replies were waiting unread while the window (%d messages, %d bytes in flight) was being written, more than the socket buffers hold; use a smaller window", w.cfg.Window, int64(w.cfg.Window)*wire.FrameLen)
			}
			w.loseInflight(why)
			return false
		}
		err = fmt.Errorf("%w: the peer has not read for %v", ErrStalled, w.cfg.ReplyTimeout)
	}
	return w.recover(err)
}

// loseInflight counts the messages still in flight as lost.
func (w *worker) loseInflight(why string) {
	if lost := int64(w.sent) - w.acked; lost > 0 {
		w.tally.lost += lost
		if n := w.c.Unread(); n > 0 && n < wire.FrameLen {
			why += fmt.Sprintf("; the peer sent %d bytes of a %d-byte frame and no more", n, wire.FrameLen)
		}
		w.noteError(fmt.Sprintf("conn %d: %s %s", w.id, plural(lost, "reply"), why))
	}
}

// updatePhase starts the measured window for this connection once its
// start is decided.
func (w *worker) updatePhase(now int64) {
	if w.phase.known {
		return
	}
	start, ok := w.rs.win.startAt(now)
	if !ok {
		return
	}
	w.phase.known, w.phase.from = true, start
	w.leaveWarmup() // the warmup's time bound came first
	if d := w.cfg.Duration; d > 0 {
		w.phase.end = start + int64(d)
	}
	w.armedAt = -1
	at := w.rs.base.Add(time.Duration(start))
	w.rec = report.NewRecorder(at, at, w.rs.tags, w.rs.recorderOptions()...)
	w.recp.Store(w.rec)
}

// over reports whether the measured window is over at now.
func (p *phase) over(now int64) bool {
	return p.known && (p.quota == 0 || (p.end > 0 && now >= p.end))
}

// limit returns when the measured window ends (ns since base), or 0 when
// it is not known yet or only a count or the context ends it.
func (p *phase) limit() int64 { return p.end }

// leaveWarmup releases the window of a connection that stops, or loses its
// connection, before its warmup share was sent and answered.
func (w *worker) leaveWarmup() {
	if w.phase.warmOwed {
		w.phase.warmupLeft, w.phase.warmOwed = 0, false
		w.rs.win.warmedUp(w.now())
	}
}

// warmedUp releases the window once this connection's warmup share is sent
// and answered, at now (the loop's time, by which this pass decides what it
// sends is measured), and starts it if this was the last connection.
func (w *worker) warmedUp(now int64) {
	if w.phase.warmOwed {
		w.phase.warmOwed = false
		w.rs.win.warmedUp(now)
		w.updatePhase(now)
	}
}

// awaitWindow waits, having sent its warmup share, for the other
// connections to send theirs or for the warmup's time bound.
func (w *worker) awaitWindow() {
	var timeout <-chan time.Time
	if d := w.rs.win.deadline; d > 0 {
		t := time.NewTimer(time.Duration(d - w.now()))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-w.rs.win.decided:
	case <-timeout:
	case <-w.rs.ctx.Done():
	}
}

// armDeadlines bounds the wait for replies by the end of the window and by
// the reply timeout, and writes by the end of the drain and the reply
// timeout. It moves them on at most every armEvery, which keeps its cost off
// the hot path; the deadline error paths tell the causes apart. now is the
// loop's time.
func (w *worker) armDeadlines(now int64) {
	// Every armEvery, or twice per reply timeout if that is shorter: the
	// write deadline is the reply timeout from the last move, and a
	// healthy connection must not reach it between two.
	if w.armedAt >= 0 && now-w.armedAt < min(int64(armEvery), int64(w.cfg.ReplyTimeout)/2) {
		return
	}
	w.armedAt = now
	w.publish()
	if w.lastReply == 0 {
		w.lastReply = now
	}
	// The reply timeout runs from the last reply (or from when replies
	// were first awaited), not from now: re-arming must not extend it.
	rto, _ := w.replyTimeout()
	rd := w.lastReply + int64(rto)
	wd := now + int64(w.cfg.ReplyTimeout)
	if d := int64(w.cfg.HeartbeatTimeout); d > 0 {
		// Wake up to notice a peer whose heartbeats stopped.
		rd = min(rd, max(max(w.lastBeat, w.upSince)+d, now+int64(armEvery)))
	}
	if lim := w.phase.limit(); lim > 0 {
		rd = min(rd, lim)
		wd = min(wd, lim+int64(w.cfg.Drain))
	} else if !w.phase.known {
		// In the warmup: wake at its time bound, which starts the window,
		// and when the share's replies have stopped coming.
		if dl := w.rs.win.deadline; dl > now {
			rd = min(rd, dl)
		} else if dl > 0 && w.cfg.Duration > 0 {
			rd = min(rd, dl+int64(w.cfg.Duration))
		}
		if w.phase.warmOwed && w.phase.warmupLeft == 0 {
			rd = min(rd, max(w.lastReply+int64(warmupQuiet), now+int64(time.Millisecond)))
		}
	}
	w.c.setLimits(w.rs.base.Add(time.Duration(rd)), rd-now, w.rs.base.Add(time.Duration(wd)))
	w.writeBy = wd
	if w.rs.stop.Load() {
		// The watcher's interrupt deadline may just have been overwritten:
		// drain now, under the interrupt's bound.
		w.beginDrain()
	}
}

// replyTimeout is how long the connection waits for a reply now: the
// reply timeout, or at most WarmupFirstReply for the first reply of a
// warmup given only as a count (first reports that case).
func (w *worker) replyTimeout() (d time.Duration, first bool) {
	d = w.cfg.ReplyTimeout
	if !w.phase.known && w.cfg.Warmup == 0 && w.cfg.WarmupCount > 0 && w.acked == 0 && WarmupFirstReply < d {
		return WarmupFirstReply, true
	}
	return d, false
}

// catchUp is how long into the measured window a rate-limited connection
// may still send warmup messages it is behind on.
const catchUp = 50 * time.Millisecond

// warmupQuiet is how long a connection whose warmup share is sent waits
// without a reply before it stops holding the window back for the rest of
// the share's replies (see window).
const warmupQuiet = time.Second

// armEvery is how often the deadlines of a connection are moved on.
const armEvery = 100 * time.Millisecond

// awaitSchedule is the rate-limited mode's wait for replies. With room in
// the window, it waits in ppoll(2) for a reply or until shortly before the
// next scheduled send, then polls the socket until that send is due, and
// handles any reply that arrived; with the window full it parks in a read
// until a reply comes. It reports true when the loop should go round
// without that read.
func (w *worker) awaitSchedule(inflight int64) (bool, error) {
	if inflight >= int64(w.cfg.Window) {
		return false, nil
	}
	park, spin := w.sched.wait(w.sent, w.now())
	if park == 0 && spin == 0 {
		return true, nil
	}
	if park > 0 && !w.cfg.tls && !w.c.waitReadable(park) {
		return true, nil
	}
	_, err := w.readArrivedWithin(park)
	return true, err
}

// beginDrain stops sending and bounds the wait for replies in flight.
func (w *worker) beginDrain() {
	w.stopped = true
	w.stopMeasuring()
	d := w.cfg.Drain
	if w.rs.stop.Load() {
		d = min(d, interruptDrain)
	}
	w.c.NetConn().SetWriteDeadline(time.Now().Add(d))
	w.writeBy = w.now() + int64(d)
	w.c.setDrainTimeout(d)
	w.flush()
}

// stopMeasuring notes when this connection's part of the measured window
// ended: at the window's planned end, when the run was stopped (a count
// reached, an interrupt), or when the connection failed, whichever came
// first. The run's window lasts until the last of these, or its last reply.
func (w *worker) stopMeasuring() {
	if !w.phase.known || w.tally.stopMeas != 0 {
		return
	}
	now := w.now()
	if w.sched.paced() && w.phase.quota == 0 && w.cfg.Count > 0 {
		// The count sent at a fixed rate: the window ends when the message
		// after the last would have been due, count/rate after its start.
		now = max(now, w.phase.from+int64(float64(w.cfg.Count)*1e9/w.cfg.Rate))
	}
	if w.phase.end > 0 {
		now = min(now, w.phase.end)
	}
	if at := w.rs.stopAt.Load(); at > 0 {
		// Interrupted: measuring stopped then, however long this
		// connection took to notice (a read waiting out its deadline).
		now = min(now, at)
	}
	if now > w.phase.from {
		w.tally.stopMeas = now
	}
}

// sleepUntil waits, with nothing in flight, for time t (ns since base),
// the end of the window or the time the peer's next Heartbeat is due
// (LoadConfig.HeartbeatTimeout), whichever is first. What the peer sends
// meanwhile, its Trades and Heartbeats, is read as it arrives, so that it is
// timed when it came.
func (w *worker) sleepUntil(t int64) error {
	if lim := w.phase.limit(); lim > 0 {
		t = min(t, lim)
	}
	if d := int64(w.cfg.HeartbeatTimeout); d > 0 {
		t = min(t, max(w.lastBeat, w.upSince)+d)
	}
	// With nothing in flight, a read below that meets a deadline set for
	// an earlier wait returns it to the loop, where afterRecvError moves
	// the deadlines on; the next send restarts the reply timeout.
	for !w.rs.stop.Load() {
		now := w.now()
		if now >= t {
			return nil
		}
		d := time.Duration(t - now)
		if d <= spinMargin {
			continue // the send is due in microseconds: spin
		}
		park := min(d-spinMargin, maxPark)
		if !w.cfg.tls && !w.c.waitReadable(park) {
			continue
		}
		read, err := w.readArrivedWithin(park)
		if err != nil {
			return err
		}
		if !read && !w.cfg.tls {
			// Readable, yet nothing to read: do not spin on it.
			time.Sleep(min(park, time.Millisecond))
		}
	}
	return nil
}

// readArrived reads and handles, without waiting, what the peer has sent:
// replies, and its own Trades and Heartbeats. It reports whether it read
// anything.
func (w *worker) readArrived() (bool, error) { return w.readArrivedWithin(0) }

// readArrivedWithin is readArrived after waiting up to d for something to
// read in the read itself, over TLS, which cannot wait for readable bytes
// without reading them (a raw socket waits in ppoll(2) first, see
// sleepUntil). A wait of 0 does not wait.
func (w *worker) readArrivedWithin(d time.Duration) (bool, error) {
	var got bool
	var err error
	if d > 0 && w.cfg.tls {
		got, err = w.c.pollWithin(d)
	} else {
		got, err = w.c.Poll()
	}
	if err != nil || !got {
		return false, err
	}
	w.batch.t = 0
	_, err = w.recvBuffered()
	w.endBatch()
	return true, err
}

// sendBatch sends every message the window, the schedule and the quota
// allow at now, the loop's time, then flushes once. Messages are counted as
// sent even if a flush fails: they are then lost.
func (w *worker) sendBatch(now int64) error {
	if w.stopped {
		return nil
	}
	room := int64(w.cfg.Window) - (int64(w.sent) - w.acked)
	if room <= 0 {
		return nil
	}
	p := &w.phase
	if w.sched.paced() {
		// Warmup still unsent catchUp into the window: the peer keeps it
		// back (a connection that merely started late has caught up by
		// then), and sending it would fill the window with messages due
		// before it, none of them measured. Drop it.
		if p.known && p.warmupLeft == 0 && now >= p.from+int64(catchUp) {
			w.sched.skipTo(w.sent, p.from)
		}
		room = min(room, int64(w.sched.due(now))-int64(w.sent))
	}
	switch {
	case p.warmupLeft > 0:
	case !p.known:
		return nil // warmup share sent: wait for the window
	case p.quota >= 0:
		room = min(room, p.quota)
	}
	// A batch is what the send buffer holds: one write, at one time.
	room = min(room, int64(w.c.Sender.room()/wire.FrameLen))
	if room <= 0 {
		return nil
	}
	if w.sched.paced() {
		return w.sendPaced(room, now)
	}
	// Closed loop: warmup is decided at send time, by count or by the
	// current time against the window, so it changes at most twice in a
	// batch: send runs of warmup or measured messages.
	first, batch := w.sent, w.ring.batches
	var err error
	var meas int64
	for room > 0 && err == nil {
		n, measured := room, false
		switch {
		case p.warmupLeft > 0:
			n = min(n, p.warmupLeft)
		case !p.known:
			room = 0 // the window has not started: send no more
			continue
		case now >= p.from:
			if p.quota == 0 {
				room = 0
				continue
			}
			measured = true
			if p.quota > 0 {
				n = min(n, p.quota)
			}
		}
		var k int64
		k, err = w.appendRun(n, measured, batch)
		room -= n
		switch {
		case measured:
			meas += k
			if p.quota > 0 {
				p.quota -= k
			}
		case p.warmupLeft > 0:
			p.warmupLeft -= k // at 0, run waits for the share's replies
		}
	}
	if w.sent == first {
		return err
	}
	// The batch's time is set before the write: flush may read replies to
	// it.
	t := w.now()
	w.ring.sentAt[uint64(batch)&w.ring.mask] = t
	w.ring.batches++
	if err == nil {
		err = w.flush()
	}
	if meas > 0 {
		w.tally.measSent += meas
		if w.tally.firstMeas == 0 {
			w.tally.firstMeas = t
		}
	}
	w.tally.warmSent += int64(w.sent-first) - meas
	w.live.sent.Add(int64(w.sent - first))
	return err
}

// flush writes the send buffer. Whenever the socket takes no more, it
// reads and handles the replies that have arrived, or waits until some
// arrive or there is room again, as tokio's ready(READ | WRITE) loop does:
// a peer that cannot write its replies, because this connection does not
// read them, stops reading in turn, so a window larger than the socket
// buffers would never be written otherwise. It gives up at the write
// deadline (writeBy). When the read deadline (the window's end, or the
// reply timeout) passes first, it leaves the rest buffered for the loop's
// receive to decide: the drain writes it.
func (w *worker) flush() error {
	for {
		err := w.c.Sender.flushNow()
		if err != sock.ErrWouldBlock {
			return err
		}
		got, err := w.c.Poll()
		switch {
		case err != nil && !w.stopped && errors.Is(err, os.ErrDeadlineExceeded):
			return nil
		case err != nil:
			return err
		case got:
			w.batch.t = 0
			_, err = w.recvBuffered()
			w.endBatch()
			if err != nil {
				return err
			}
			continue
		}
		left := w.writeBy - w.now()
		if left <= 0 || w.rs.stop.Load() {
			return fmt.Errorf("send: %w", os.ErrDeadlineExceeded)
		}
		w.c.waitReadWrite(min(time.Duration(left), sock.Tick))
	}
}

// appendRun writes n messages to the send buffer, flushing it when full,
// and puts them in flight in send batch batch. It returns how many it
// wrote: fewer than n after a failed flush.
func (w *worker) appendRun(n int64, measured bool, batch uint32) (int64, error) {
	if w.replay != nil {
		return w.appendReplay(n, measured, batch, w.now())
	}
	s := &w.c.Sender
	kinds := w.kinds
	done := int64(0)
	for done < n {
		buf := s.Reserve(int(n-done) * wire.FrameLen)
		m := len(buf) / wire.FrameLen
		if m == 0 {
			if err := s.Flush(); err != nil {
				return done, err
			}
			continue
		}
		seq := w.sent
		slots, mask, base := w.ring.slots, w.ring.mask, w.idBase
		for i := range m {
			k := kinds[seq%kindPeriod]
			id := base + seq
			f2, f3, f4, f5 := fieldsOf(k, id)
			wire.PutFrame((*[wire.FrameLen]byte)(buf[i*wire.FrameLen:]), k, id, f2, f3, f4, f5)
			slots[seq&mask] = slot{pending: true, kind: k, batch: batch, measured: measured}
			seq++
		}
		if w.ord != nil {
			t := w.now()
			for i := range m {
				w.exchangeFrame((*[wire.FrameLen]byte)(buf[i*wire.FrameLen:]), w.sent+uint64(i), t, measured)
			}
		}
		s.Commit(m * wire.FrameLen)
		w.sent = seq
		done += int64(m)
	}
	return done, nil
}

// sendPaced is sendBatch in rate-limited mode: warmup is decided per
// message, by its intended time against the window.
func (w *worker) sendPaced(room, now int64) error {
	p := &w.phase
	first, batch := w.sent, w.ring.batches
	s := &w.c.Sender
	var err error
fill:
	for range room {
		seq := w.sent
		t := w.sched.at(seq)
		measured := false
		switch {
		case p.warmupLeft > 0:
			p.warmupLeft--
			if p.warmupLeft == 0 {
				w.rs.win.warmedUp(now)
				w.updatePhase(now)
			}
		case !p.known:
			break fill // the window has not started: send no more
		case t >= p.from:
			if p.quota == 0 {
				break fill
			}
			measured = true
			if p.quota > 0 {
				p.quota--
			}
		}
		buf := s.Reserve(wire.FrameLen)
		if len(buf) < wire.FrameLen {
			if err = s.Flush(); err != nil {
				break
			}
			buf = s.Reserve(wire.FrameLen)
		}
		var k wire.Kind
		if w.replay != nil {
			k = w.putReplay((*[wire.FrameLen]byte)(buf), seq, t, measured)
		} else {
			k = w.kinds[seq%kindPeriod]
			id := w.idBase + seq
			f2, f3, f4, f5 := fieldsOf(k, id)
			wire.PutFrame((*[wire.FrameLen]byte)(buf), k, id, f2, f3, f4, f5)
			if w.ord != nil {
				w.exchangeFrame((*[wire.FrameLen]byte)(buf), seq, t, measured)
			}
		}
		s.Commit(wire.FrameLen)
		*w.ring.at(seq) = slot{pending: true, kind: k, batch: batch, measured: measured}
		w.ring.intended[seq&w.ring.mask] = t
		w.sent++
	}
	if w.sent == first {
		return err
	}
	t := w.now()
	if int64(first) == w.acked {
		// Nothing was in flight: replies are awaited from now on, and the
		// reply timeout runs from here, not from a reply before the wait.
		w.lastReply = t
	}
	w.ring.sentAt[uint64(batch)&w.ring.mask] = t
	w.ring.batches++
	if err == nil {
		err = w.flush()
	}
	for seq := first; seq < w.sent; seq++ {
		sl := w.ring.at(seq)
		if !sl.measured {
			w.tally.warmSent++
			continue
		}
		w.lags.RecordValue(max(w.sched.lag(seq, t), 0))
		w.tally.measSent++
		if w.tally.firstMeas == 0 {
			w.tally.firstMeas = t
		}
	}
	w.live.sent.Add(int64(w.sent - first))
	return err
}

// recvBatch handles every whole reply buffered, reading from the network
// once first when none is: RecvBatch(w.handle) with the common case, a
// valid and right reply to a message in flight, checked in place.
func (w *worker) recvBatch() error {
	r := &w.c.Receiver
	for {
		n, err := w.recvBuffered()
		if n > 0 || err != nil {
			return err
		}
		if err := r.fill(); err != nil {
			return err
		}
	}
}

// recvBuffered is RecvBuffered(w.handle) without a call per reply: a reply
// that answers a message in flight rightly (which makes it a valid frame)
// is accounted for here; any other goes through ParseFrame and handle.
func (w *worker) recvBuffered() (int, error) {
	r := &w.c.Receiver
	if w.sched.paced() || w.replay != nil {
		return r.RecvBuffered(w.handleFn)
	}
	ring := &w.ring
	mode := w.cfg.Reply
	tags := &w.cfg.Mix.tag
	base := w.idBase
	b := &w.batch
	buf := r.Peek()
	i, n := 0, 0
	for ; len(buf)-i >= wire.FrameLen; n++ {
		f := (*[wire.FrameLen]byte)(buf[i:])
		p := (*[wire.PayloadSize]byte)(f[wire.LengthPrefixSize:])
		id := binary.LittleEndian.Uint64(p[wire.Field1Offset:])
		seq := id - base
		sl := ring.at(seq)
		k := sl.kind
		var bad bool
		if answeredByAck(k, mode) {
			bad = !isReplyPayload(p, k, id, mode)
		} else {
			f2, f3, f4, f5 := fieldsOf(k, id)
			bad = wire.PayloadDiff(p, k, id, f2, f3, f4, f5) != 0
		}
		if bad || binary.LittleEndian.Uint32(f[:]) != wire.PayloadSize || !ring.holds(seq, w.sent) || !sl.pending {
			v, k, err := wire.ParseFrame(buf[i:])
			if err != nil {
				r.Consume(i)
				return n, r.fail(err)
			}
			i += k
			w.handle(v)
			continue
		}
		i += wire.FrameLen
		if b.t == 0 {
			b.t = w.now()
		}
		sl.pending = false
		w.acked++
		w.obs.answered[k]++
		if !sl.measured {
			w.tally.warmRecv++
			continue
		}
		w.tally.measRecv++
		w.tally.lastMeas = b.t
		// Replies of one send batch read in one batch share their rtt:
		// count them per tag and record each count with one update.
		if sl.batch != b.send || !b.any {
			w.startRun(sl, b.t)
		}
		b.n[tags[k]]++
	}
	r.Consume(i)
	if n == 0 {
		return 0, r.checkPartial()
	}
	return n, nil
}

// handle checks and records one reply, or counts an unsolicited message.
func (w *worker) handle(v wire.View) {
	if w.batch.t == 0 {
		w.batch.t = w.now()
	}
	seq := requestSeq(v) - w.idBase
	cancelled, isCancel := uint64(0), false
	if k := v.Kind(); w.ord != nil && (k == wire.KindCancelAck || k == wire.KindCancelOrder) {
		// A CancelOrder names the Order it cancels, not itself.
		if c, ok := w.ord.cancelOf(seq); ok {
			cancelled, isCancel, seq = seq, true, c
		}
	}
	sl, ok := w.ring.match(v, seq, w.sent, w.cfg.Reply)
	if sl != nil && w.replay != nil {
		ok = w.replay.check(v, sl.kind, seq, w.cfg.Reply)
	}
	if sl == nil {
		if k := v.Kind(); unsolicitedKind(k) && !(w.ring.holds(seq, w.sent) && w.ring.at(seq).kind == k) {
			// Not a second copy of a reply: the peer's own message.
			w.unsolicited(v)
			return
		}
		w.tally.errors++
		w.tally.mismatched++
		w.noteError(fmt.Sprintf("conn %d: unexpected or duplicated reply %s", w.id, describe(v)))
		return
	}
	w.acked++
	w.obs.recv[v.Kind()]++
	switch {
	case !ok:
		w.tally.errors++
		w.tally.mismatched++
		if w.cfg.Reply == wire.ReplyEcho && sl.kind == wire.KindOrder && v.Kind() == wire.KindOrderAck {
			w.tally.ackedOrders++
		}
		w.noteError(fmt.Sprintf("conn %d: reply to %s was %s", w.id, describe(w.sentMessage(sl.kind, seq, cancelled, isCancel)), describe(v)))
	case isCancel:
		w.ord.cancelled(cancelled)
	}
	if !sl.measured {
		w.tally.warmRecv++
		return
	}
	w.tally.measRecv++
	t := w.batch.t
	w.tally.lastMeas = t
	tag := w.cfg.Mix.tag[sl.kind]
	if w.sched.paced() {
		w.recordRuns()
		w.rec.RecordPair(tag, w.rs.base.Add(time.Duration(t)), t-w.ring.intended[seq&w.ring.mask], t-w.ring.actual(sl))
		return
	}
	// Replies of one send batch read in one batch share their rtt: record
	// such runs with one histogram update per tag.
	b := &w.batch
	if sl.batch != b.send || !b.any {
		w.startRun(sl, t)
	}
	b.n[tag]++
}

// sentMessage returns message seq of kind k as it was sent, for an error
// that quotes it: a replayed message as it went out; a mix message with, on
// an exchange, its Order's price from the walk and, for a CancelOrder that
// named Order target (named), that Order's id.
func (w *worker) sentMessage(k wire.Kind, seq, target uint64, named bool) wire.View {
	if w.replay != nil {
		v, _, _ := wire.ParseFrame(w.replay.sent[seq&w.replay.mask][:])
		return v
	}
	f := (*[wire.FrameLen]byte)(appendMessage(w.scratch[:0], k, w.idBase+seq))
	if w.ord != nil {
		p := f[wire.LengthPrefixSize:]
		switch {
		case k == wire.KindOrder:
			binary.LittleEndian.PutUint64(p[wire.Field2Offset:], w.ord.price(seq, wire.Side(p[wire.SideOffset])))
		case k == wire.KindCancelOrder && named:
			binary.LittleEndian.PutUint64(p[wire.Field1Offset:], w.idBase+target)
		}
	}
	v, _, _ := wire.ParseFrame(f[:])
	return v
}

// unsolicited counts a message the peer sent on its own: a Trade, or a
// Heartbeat that answers nothing in flight. A Trade that names one of this
// connection's Orders, as maker or taker, fills it: its first fill is
// timed from the Order's send.
func (w *worker) unsolicited(v wire.View) {
	w.obs.unsol[v.Kind()]++
	t := w.batch.t
	inWindow := w.phase.known && t >= w.phase.from
	if v.Kind() == wire.KindHeartbeat {
		w.peerBeat(t, inWindow)
	}
	if !inWindow {
		return // the warmup's
	}
	k := v.Kind()
	w.tally.unsolicited[k]++
	if w.cfg.Strict && w.tally.strict == nil {
		w.tally.strict = fmt.Errorf("%w: %s", ErrUnsolicited, describe(v))
		w.tally.errors++
		w.noteError(fmt.Sprintf("conn %d: unsolicited %s", w.id, describe(v)))
	}
	tr, ok := v.Trade()
	if !ok || w.ord == nil {
		return
	}
	for _, id := range [2]uint64{tr.MakerID(), tr.TakerID()} {
		if sentAt, ok := w.ord.trade(id-w.idBase, tr.Quantity()); ok && w.rec != nil {
			w.recordRuns()
			w.rec.RecordFill(w.rs.base.Add(time.Duration(t)), t-sentAt)
			w.tally.fills++
		}
	}
}

// peerBeat notes a Heartbeat of the peer's own, received at t, and in the
// measured window the gap since the previous one.
func (w *worker) peerBeat(t int64, inWindow bool) {
	if inWindow && w.lastBeat != 0 && t > w.lastBeat {
		if w.gaps == nil {
			w.gaps = report.NewPackedHistogram()
		}
		w.gaps.RecordValue(t - w.lastBeat)
	}
	w.lastBeat = t
}

// heartbeatLate returns ErrHeartbeat when LoadConfig.HeartbeatTimeout is
// set and the peer has sent no Heartbeat for that long since the last one
// or since the connection opened. It is checked once per pass of the loop,
// whose reads the reply timeout bounds, so it fires within that of the
// limit at the latest.
//
// Before it says so, it reads what has arrived: Heartbeats that wait unread
// in the socket, because this process was paused or busy, came in time.
func (w *worker) heartbeatLate(now int64) error {
	d := int64(w.cfg.HeartbeatTimeout)
	if d <= 0 || w.stopped || now-max(w.lastBeat, w.upSince) < d {
		return nil
	}
	// The read deadline may have passed while this process did not run:
	// move it on first, or the read would fail with it.
	w.armedAt = -1
	w.armDeadlines(now)
	for range maxDrainReads {
		// Until nothing is left: TLS returns one record a read.
		read, err := w.readArrived()
		if err != nil {
			return err
		}
		if !read || w.stopped {
			break
		}
	}
	now = w.now()
	if since := max(w.lastBeat, w.upSince); !w.stopped && now-since >= d {
		late := time.Duration(now - since).Round(time.Millisecond)
		if w.lastBeat == 0 {
			return fmt.Errorf("%w: none in the %v since the connection opened", ErrHeartbeat, late)
		}
		return fmt.Errorf("%w: none for %v", ErrHeartbeat, late)
	}
	return nil
}

// maxDrainReads bounds the reads heartbeatLate makes of what has arrived.
const maxDrainReads = 64

// afterHeartbeatError handles an error of heartbeatLate and reports whether
// the loop goes on: a peer whose Heartbeats stopped fails the connection,
// and an error of the read before that is a receive's.
func (w *worker) afterHeartbeatError(err error) bool {
	if errors.Is(err, ErrHeartbeat) {
		return w.recover(err)
	}
	return w.afterRecvError(err)
}

// appendReplay is appendRun for a replay: n messages of the list, sent at
// t, with one call each.
func (w *worker) appendReplay(n int64, measured bool, batch uint32, t int64) (int64, error) {
	s := &w.c.Sender
	for done := int64(0); done < n; done++ {
		buf := s.Reserve(wire.FrameLen)
		if len(buf) < wire.FrameLen {
			if err := s.Flush(); err != nil {
				return done, err
			}
			buf = s.Reserve(wire.FrameLen)
		}
		seq := w.sent
		k := w.putReplay((*[wire.FrameLen]byte)(buf), seq, t, measured)
		s.Commit(wire.FrameLen)
		*w.ring.at(seq) = slot{pending: true, kind: k, batch: batch, measured: measured}
		w.sent++
	}
	return n, nil
}

// putReplay writes replayed message seq, sent at t, to f and tracks its
// Orders and what its CancelOrders name; it returns the message's kind.
func (w *worker) putReplay(f *[wire.FrameLen]byte, seq uint64, t int64, measured bool) wire.Kind {
	k, target, named := w.replay.put(f, seq, w.idBase)
	switch {
	case k == wire.KindOrder:
		w.ord.track(f, seq, t, measured)
	case named:
		w.ord.cancelBy(target, seq)
	}
	return k
}

// exchangeFrame makes message seq, just written to f and sent at t, part
// of the order flow an exchange reacts to: an Order gets a price from the
// walk (crossing the book for a share of them) and is tracked until it is
// filled or cancelled; a CancelOrder names a live Order.
func (w *worker) exchangeFrame(f *[wire.FrameLen]byte, seq uint64, t int64, measured bool) {
	switch wire.Kind(f[wire.LengthPrefixSize+wire.TagOffset]) {
	case wire.KindOrder:
		w.ord.sendOrder(f, seq, t, measured)
	case wire.KindCancelOrder:
		target := w.ord.sendCancel(seq)
		binary.LittleEndian.PutUint64(f[wire.LengthPrefixSize+wire.Field1Offset:], w.idBase+target)
	}
}

// startRun records the pending run and starts one for the replies to sl's
// send batch read at t. endBatch ends the last run of a batch of replies.
func (w *worker) startRun(sl *slot, t int64) {
	w.flushRun()
	b := &w.batch
	b.send, b.rtt, b.at, b.any = sl.batch, t-w.ring.actual(sl), t, true
}

// flushRun records the pending run of equal rtts.
func (w *worker) flushRun() {
	b := &w.batch
	if !b.any {
		return
	}
	b.any = false
	for tag, n := range b.n {
		if n > 0 {
			w.keepRun(tag, b.at, b.rtt, n)
			b.n[tag] = 0
		}
	}
}

// runBuffer holds runs of equal rtts not yet handed to the recorder. With
// many connections, handing each batch's run over at once would reach
// into the recorder's histograms, far from this connection's hot state,
// once per batch of a few replies; a full buffer hands them over in one
// go. The first run of each second of the recorder's is handed over at
// once, so that seconds are closed and published when they would be
// without the buffer, and the runs it holds fall in one second.
type runBuffer struct {
	n     int
	until int64 // the end of the recorder's second of the last run handed over at once, ns since base
	runs  [32]keptRun
}

type keptRun struct {
	at, rtt int64
	n       int64
	tag     int
}

// keepRun puts n rtts of rtt ns, of tag tag, received at at (ns since
// base) in the run buffer.
func (w *worker) keepRun(tag int, at, rtt, n int64) {
	rb := &w.runs
	next := at >= rb.until // the first run of a later second (or the first of all)
	if next || rb.n == len(rb.runs) {
		w.recordRuns()
	}
	if next {
		from := w.phase.from
		rb.until = from + (max(at-from, 0)/int64(time.Second)+1)*int64(time.Second)
	}
	rb.runs[rb.n] = keptRun{at: at, rtt: rtt, n: n, tag: tag}
	rb.n++
	if next {
		w.recordRuns()
	}
}

// recordRuns hands the run buffer to the recorder. Anything else recorded
// (a fill, a paced reply) calls it first, so that the recorder sees every
// value in the order they were read.
func (w *worker) recordRuns() {
	rb := &w.runs
	for i := range rb.runs[:rb.n] {
		r := &rb.runs[i]
		w.rec.RecordN(r.tag, w.rs.base.Add(time.Duration(r.at)), r.rtt, r.n)
	}
	rb.n = 0
}

// endBatch records what a batch of replies left pending and publishes the
// live counters.
func (w *worker) endBatch() {
	if w.batch.t != 0 {
		w.lastReply = w.batch.t
	}
	w.flushRun()
	w.live.recv.Store(w.acked)
	w.live.errs.Store(w.tally.errors)
}

func (w *worker) noteError(s string) {
	if len(w.tally.samples) < maxErrSamples {
		w.tally.samples = append(w.tally.samples, s)
	}
}

// recover handles a failed connection: with Reconnect it redials, after a
// backoff, and carries on, counting the gap; otherwise it ends the worker.
func (w *worker) recover(err error) bool {
	err = explainRecv(err, &w.c.Receiver, w.cfg.tls)
	w.obs.up.Store(false)
	w.tally.errors++
	w.live.errs.Add(1)
	lost := int64(w.sent) - w.acked
	w.noteError(fmt.Sprintf("conn %d: %v (%s in flight lost)", w.id, err, plural(lost, "reply")))
	w.tally.lost += lost
	if !w.cfg.Reconnect || w.stopped || w.rs.stop.Load() {
		w.tally.fatal = err
		return false
	}
	start := w.now()
	w.back.lived(time.Duration(start - w.upSince))
	// A connection lost in the warmup holds the window back no longer, and
	// learns while it reconnects when the window ends, which bounds that.
	w.leaveWarmup()
	var last error
	for w.updatePhase(w.now()); w.pause(w.back.next()); w.updatePhase(w.now()) {
		var end time.Time
		if lim := w.phase.limit(); lim > 0 {
			end = w.rs.base.Add(time.Duration(lim))
		}
		c, derr := w.cfg.dial(w.rs.ctx, end, true)
		if derr != nil {
			if last == nil || derr.Error() != last.Error() {
				w.noteError(fmt.Sprintf("conn %d: reconnecting: %v", w.id, derr))
			}
			last = derr
			continue
		}
		w.mu.Lock()
		w.c.Close()
		w.c.replace(c)
		w.mu.Unlock()
		w.ring.clear()
		if w.ord != nil {
			w.ord.forget()
		}
		w.acked = int64(w.sent)
		now := w.now()
		w.upSince, w.lastReply, w.armedAt, w.lastBeat = now, now, -1, 0
		w.tally.reconnects++
		w.obs.up.Store(true)
		w.tally.gap += now - start
		return true
	}
	w.tally.fatal = err
	return false
}

// pause waits d, or less at the end of the window, and reports whether the
// run goes on.
func (w *worker) pause(d time.Duration) bool {
	if lim := w.phase.limit(); lim > 0 {
		d = min(d, time.Duration(lim-w.now()))
		if d <= 0 {
			return false
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return !w.rs.stop.Load() && w.rs.ctx.Err() == nil
	case <-w.rs.ctx.Done():
		return false
	}
}
