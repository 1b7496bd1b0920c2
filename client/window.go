package client

import (
	"math"
	"sync/atomic"
)

// unknown is a window start not decided yet.
const unknown = math.MaxInt64

// window decides when a run's measured window starts: after the warmup,
// which is a number of messages (LoadConfig.WarmupCount), a time
// (LoadConfig.Warmup), or both, whichever comes first. Every connection
// measures from the same moment, so their per-second intervals line up.
//
// In open loop the start is known in advance: the warmup count N ends when
// message N of the whole schedule is due. In closed loop with a warmup
// count, each connection sends its share and waits for its replies (until
// none has come for warmupQuiet); the window starts when the last one has
// them, or when the warmup time has passed. So a closed-loop window opens
// with nothing of the warmup in flight: a peer slower than the warmup is
// deep would otherwise spend the window's first part answering it,
// uncounted.
type window struct {
	start    atomic.Int64  // ns since the base; unknown until decided
	waiting  atomic.Int64  // connections whose warmup share is not yet sent and answered
	deadline int64         // the warmup's time bound, ns since the base; 0: none
	decided  chan struct{} // closed when start is decided
}

// newWindow returns the window of cfg, whose connections owe the given
// warmup shares (closed loop only).
func newWindow(cfg *LoadConfig, shares []int64) *window {
	w := &window{decided: make(chan struct{})}
	w.start.Store(unknown)
	warmup := int64(cfg.Warmup)
	switch {
	case cfg.Rate > 0 && cfg.WarmupCount > 0:
		byCount := int64(float64(cfg.WarmupCount) * 1e9 / cfg.Rate)
		if warmup > 0 {
			byCount = min(byCount, warmup)
		}
		w.begin(byCount)
	case cfg.Rate <= 0 && cfg.WarmupCount > 0:
		var n int64
		for _, s := range shares {
			if s > 0 {
				n++
			}
		}
		w.waiting.Store(n)
		w.deadline = warmup
		if n == 0 {
			w.begin(0)
		}
	default:
		w.begin(warmup)
	}
	return w
}

// begin sets the start to t unless it is already decided.
func (w *window) begin(t int64) {
	if w.start.CompareAndSwap(unknown, t) {
		close(w.decided)
	}
}

// started returns the start if it is decided.
func (w *window) started() (int64, bool) {
	s := w.start.Load()
	return s, s != unknown
}

// startAt returns the start as seen at time now, deciding it if the
// warmup's time bound has passed: the window starts at that bound, also
// when no connection looked at the clock then (one waiting for a reply
// that does not come), so that the run still ends at the bound plus its
// duration.
func (w *window) startAt(now int64) (int64, bool) {
	if s := w.start.Load(); s != unknown {
		return s, true
	}
	if w.deadline > 0 && now >= w.deadline {
		w.begin(w.deadline)
		return w.start.Load(), true
	}
	return 0, false
}

// warmedUp records that a connection has its warmup share answered (or
// gave up) at time now; the last one starts the window.
func (w *window) warmedUp(now int64) {
	if w.waiting.Add(-1) == 0 {
		w.begin(now)
	}
}
