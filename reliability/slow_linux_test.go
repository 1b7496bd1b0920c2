package reliability_test

import (
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gigadex/gigadex/echo"
)

// memPeak samples the Go heap in use and the process's RSS until stopped
// and keeps the highest values.
type memPeak struct {
	heap, rss atomic.Uint64
	stop      chan struct{}
	done      chan struct{}
}

func sampleMem(every time.Duration) *memPeak {
	m := &memPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			m.heap.Store(max(m.heap.Load(), ms.HeapInuse))
			if r, err := procStatus("self", "VmRSS"); err == nil {
				m.rss.Store(max(m.rss.Load(), r))
			}
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memPeak) halt() (heap, rss uint64) {
	close(m.stop)
	<-m.done
	return m.heap.Load(), m.rss.Load()
}

// slowConsumer floods a connection without ever reading it and records
// when its writes last made progress and when the server dropped it.
type slowConsumer struct {
	addr         string
	lastProgress atomic.Int64 // Unix ns
	dropped      time.Time
	sent         int64
	err          error
}

func (s *slowConsumer) run(c net.Conn, frames []byte, giveUp time.Time) {
	pos := 0 // offset in frames, so that the stream stays a sequence of whole frames
	for time.Now().Before(giveUp) {
		c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := c.Write(frames[pos:])
		if n > 0 {
			s.sent += int64(n)
			s.lastProgress.Store(time.Now().UnixNano())
			pos = (pos + n) % len(frames)
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			s.dropped, s.err = time.Now(), err
			return
		}
	}
	s.err = errors.New("never dropped")
}

// stalled reports whether the consumer's writes have made no progress for d.
func (s *slowConsumer) stalled(d time.Duration) bool {
	last := s.lastProgress.Load()
	return last != 0 && time.Since(time.Unix(0, last)) >= d
}

// TestSlowConsumer floods the server from 8 connections that never read
// their replies, with a write timeout of 500 ms, while 2 other clients
// ping. Each flooding connection must be dropped within 1.25 times the
// write timeout (plus 750 ms of slack) of its writes stalling, with one log
// line naming it; the server's heap in use and the process's RSS must not
// grow by 64 MiB or more; and the pinging clients must see no error, and a
// p99 within p99Bound of the one they measured just before while the
// stalled connections wait to be dropped. (Until the socket buffers fill,
// the flood is ordinary load on the same two CPUs; it is not measured.)
func TestSlowConsumer(t *testing.T) {
	const (
		writeTimeout = 500 * time.Millisecond
		consumers    = 8
		memBound     = 64 << 20
	)
	srv := startServer(t, echo.WithWriteTimeout(writeTimeout))
	pingers := []*pinger{startPinger(t, srv.addr, 200*time.Microsecond), startPinger(t, srv.addr, 200*time.Microsecond)}
	time.Sleep(time.Second)
	var baseline []time.Duration
	for _, p := range pingers {
		r, _ := p.phase()
		baseline = append(baseline, r...)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap0, rss0 := ms.HeapInuse, rss(t, "self")
	peak := sampleMem(20 * time.Millisecond)

	frames := mixedFrames(64 << 10 / 52)
	cs := make([]slowConsumer, consumers)
	var wg sync.WaitGroup
	giveUp := time.Now().Add(15 * time.Second)
	for i := range cs {
		c := dialRaw(t, srv.addr)
		cs[i].addr = c.LocalAddr().String()
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs[i].run(c, frames, giveUp)
		}()
	}
	allStalled := waitFor(10*time.Second, func() bool {
		for i := range cs {
			if !cs[i].stalled(100 * time.Millisecond) {
				return false
			}
		}
		return true
	})
	for _, p := range pingers {
		p.phase()
	}
	wg.Wait()
	heap1, rss1 := peak.halt()
	var during []time.Duration
	var errs []error
	for _, p := range pingers {
		r, e := p.phase()
		during, errs = append(during, r...), append(errs, e...)
	}
	if !allStalled {
		t.Errorf("the flooding connections never all stalled")
	}

	for i := range cs {
		c := &cs[i]
		if c.dropped.IsZero() {
			t.Errorf("consumer %d (%s): %v after sending %d bytes", i, c.addr, c.err, c.sent)
			continue
		}
		if d := c.dropped.Sub(time.Unix(0, c.lastProgress.Load())); d > writeTimeout*5/4+750*time.Millisecond {
			t.Errorf("consumer %d dropped %v after its writes stalled, want within %v", i, d.Round(time.Millisecond), writeTimeout*5/4)
		}
		lines := srv.log.LinesWith(c.addr + ":")
		if len(lines) != 1 || !strings.Contains(lines[0], "client stopped reading") {
			t.Errorf("consumer %d (%s): log %q, want one line saying it stopped reading", i, c.addr, lines)
		}
	}
	if st := srv.Stats(); st.Timeouts != consumers || st.BadFrames != 0 {
		t.Errorf("stats %+v: want %d timeouts and no bad frames", st, consumers)
	}
	if heap1 > heap0+memBound || rss1 > rss0+memBound {
		t.Errorf("memory grew from heap %d MiB, RSS %d MiB to peaks of %d MiB and %d MiB; want less than %d MiB more",
			heap0>>20, rss0>>20, heap1>>20, rss1>>20, memBound>>20)
	}
	if len(errs) > 0 {
		t.Errorf("pinging clients failed: %v", errs)
	}
	base, got := p99(baseline), p99(during)
	if len(during) < 10 || got > p99Bound(base) {
		t.Errorf("pinging clients: p99 %v over %d pings while the flooders were stalled, baseline %v over %d; want at most %v",
			got, len(during), base, len(baseline), p99Bound(base))
	}
	st := srv.Stats()
	t.Logf("dropped %d consumers (each sent %.1f MiB); heap %d -> %d KiB peak, RSS %d -> %d KiB peak; ping p99 %v (%d pings while stalled) vs baseline %v (%d); stats %+v",
		consumers, float64(cs[0].sent)/(1<<20), heap0>>10, max(heap0, heap1)>>10, rss0>>10, max(rss0, rss1)>>10,
		got, len(during), base, len(baseline), st)
}
