package echo

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// TestServiceTimeCapacity checks the known answer of WithServiceTime:
// messages pipelined from two connections at once are answered at 1/d
// messages a second in all, not per connection. The replies can leave no
// earlier than their departures, so the bound below is exact; the bound
// above is generous (a late timer delays the last reply, but lateness does
// not add up, since departures are computed from the clock, not from the
// previous write), and fails if the service time is applied per batch, per
// connection, or twice.
func TestServiceTimeCapacity(t *testing.T) {
	const d = 200 * time.Microsecond
	const perConn = 500
	for _, r := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange, wire.ReplyBook} {
		t.Run(r.String(), func(t *testing.T) {
			ts := startServer(t, WithReply(r), WithServiceTime(d))
			cs := []net.Conn{ts.dial(t), ts.dial(t)}
			var frames []byte
			for i := range perConn {
				if i%2 == 0 {
					frames = wire.AppendHeartbeat(frames, uint64(i))
				} else { // orders that never cross
					frames = wire.AppendOrder(frames, &wire.Order{ID: uint64(i), Price: 1, Quantity: 1})
				}
			}
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, len(cs))
			for i, c := range cs {
				wg.Go(func() {
					if _, err := c.Write(frames); err != nil {
						errs[i] = err
						return
					}
					_, errs[i] = io.ReadFull(c, make([]byte, len(frames)))
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			want := time.Duration(len(cs)*perConn) * d // 200 ms
			if elapsed < want || elapsed > want*3/2+250*time.Millisecond {
				t.Errorf("%d messages took %v, want %v (and at most %v)", len(cs)*perConn, elapsed, want, want*3/2+250*time.Millisecond)
			}
			t.Logf("%d messages in %v: %.0f msgs/s (capacity %.0f)", len(cs)*perConn, elapsed, float64(len(cs)*perConn)/elapsed.Seconds(), 1/d.Seconds())
		})
	}
}

// TestServiceTimeDelaysALoneReply checks that a lone message, arriving at
// an idle server, is answered no sooner than d later.
func TestServiceTimeDelaysALoneReply(t *testing.T) {
	const d = 20 * time.Millisecond
	ts := startServer(t, WithServiceTime(d))
	c := ts.dial(t)
	buf := make([]byte, 2*wire.FrameLen)
	for i := range 3 {
		start := time.Now()
		if err := pingPong(c, uint64(i), buf); err != nil {
			t.Fatal(err)
		}
		if rtt := time.Since(start); rtt < d {
			t.Errorf("round trip %d: %v, want at least %v", i, rtt, d)
		}
	}
}

// TestServiceTimeBacksPressure checks that a client sending far more than
// the server's capacity is slowed down (the server stops reading) rather
// than dropped, and gets every reply.
func TestServiceTimeBacksPressure(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 0.5 s of work at the service time")
	}
	const d = 50 * time.Microsecond
	const n = MaxPendingReplies * 5 / 2 // 10240 messages, 0.5 s of service
	ts := startServer(t, WithServiceTime(d))
	c := ts.dial(t)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	var frames []byte
	for i := range n {
		frames = wire.AppendHeartbeat(frames, uint64(i))
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(frames)
		errc <- err
	}()
	got := make([]byte, len(frames))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if string(got) != string(frames) {
		t.Error("replies differ from requests")
	}
	ts.mu.Lock()
	for sc := range ts.conns {
		sc.out.mu.Lock()
		// At most a batch (one read) more than the limit is queued.
		if limit := MaxPendingReplies + DefaultReadBufferSize/wire.FrameLen; sc.out.peak > limit {
			t.Errorf("%d replies were waiting at once, want at most %d", sc.out.peak, limit)
		} else if sc.out.peak < MaxPendingReplies/2 {
			t.Errorf("at most %d replies were waiting: the test did not come near the limit of %d", sc.out.peak, MaxPendingReplies)
		}
		sc.out.mu.Unlock()
	}
	ts.mu.Unlock()
	if lines := ts.log.Lines(); len(lines) != 0 {
		t.Errorf("log: %q", lines)
	}
}
