package client

import (
	"net"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// loopConn is a net.Conn whose writes land in a Receiver's buffer: a peer
// that echoes everything at once, without a kernel in between.
type loopConn struct {
	net.Conn
	r *Receiver
}

func (c loopConn) Write(p []byte) (int, error) {
	if c.r.r == c.r.w {
		c.r.r, c.r.w = 0, 0
	}
	n := copy(c.r.buf[c.r.w:], p)
	c.r.w += n
	return n, nil
}

func (loopConn) SetWriteDeadline(time.Time) error { return nil }

// loopWorker returns a closed-loop worker, in its measured window, whose
// connection echoes every write at once.
func loopWorker(window int, mix Mix, mode wire.Reply) *worker {
	cfg := &LoadConfig{Window: window, Mix: mix, Reply: mode}
	rs := &runState{cfg: cfg, base: time.Now(), tags: mix.Tags()}
	c := &Conn{
		Sender:   Sender{buf: make([]byte, 0, 64<<10)},
		Receiver: Receiver{buf: make([]byte, 128<<10)},
	}
	c.Sender.nc = loopConn{r: &c.Receiver}
	c.Sender.io, _ = sock.Open(c.Sender.nc, IOPoller)
	w := &worker{rs: rs, cfg: cfg, c: c, key: splitmix(1), ring: newRing(window), phase: phase{quota: -1, known: true}}
	w.kinds = mix.kindTable(w.key)
	w.handleFn = w.handle
	w.rec = report.NewRecorder(rs.base, rs.base, rs.tags)
	return w
}

// BenchmarkFloodClientPath measures the flood client's own work per message
// (ns/msg): sending a window of messages in one batch, then checking and
// recording their echoes, with the system calls taken out. With conns > 1
// the batches go round that many connections, as a flood's do, so that
// each finds its connection's state where the others left the caches.
func BenchmarkFloodClientPath(b *testing.B) {
	for _, tc := range []struct {
		name          string
		mix           string
		mode          wire.Reply
		conns, window int
	}{
		{"echo/order=90,cancel=10", "order=90,cancel=10", wire.ReplyEcho, 1, 1024},
		{"echo/heartbeat", "heartbeat", wire.ReplyEcho, 1, 1024},
		// Small windows: what each batch costs besides its messages.
		{"echo/order=90,cancel=10/window=64", "order=90,cancel=10", wire.ReplyEcho, 1, 64},
		{"echo/heartbeat/window=64", "heartbeat", wire.ReplyEcho, 1, 64},
		{"echo/heartbeat/window=4", "heartbeat", wire.ReplyEcho, 1, 4},
		// Many connections: the loads of scripts/bench-peers.sh.
		{"echo/order=90,cancel=10/conns=64/window=64", "order=90,cancel=10", wire.ReplyEcho, 64, 64},
		{"echo/order=90,cancel=10/conns=1000/window=4", "order=90,cancel=10", wire.ReplyEcho, 1000, 4},
	} {
		b.Run(tc.name, func(b *testing.B) {
			mix, err := ParseMix(tc.mix)
			if err != nil {
				b.Fatal(err)
			}
			ws := make([]*worker, tc.conns)
			for i := range ws {
				ws[i] = loopWorker(tc.window, mix, tc.mode)
			}
			b.ReportAllocs()
			cpu := testutil.CPUTime()
			i := 0
			for b.Loop() {
				w := ws[i]
				if i++; i == len(ws) {
					i = 0
				}
				if err := w.sendBatch(w.now()); err != nil {
					b.Fatal(err)
				}
				w.batch.t = 0
				if _, err := w.recvBuffered(); err != nil {
					b.Fatal(err)
				}
				w.endBatch()
			}
			var sent int64
			for _, w := range ws {
				w.flushRun()
				w.recordRuns()
				if w.acked != int64(w.sent) || w.tally.measRecv != w.acked || w.rec.Count() != w.acked {
					b.Fatalf("%d sent, %d answered, %d measured, %d recorded", w.sent, w.acked, w.tally.measRecv, w.rec.Count())
				}
				if w.tally.errors != 0 {
					b.Fatalf("%d errors: %v", w.tally.errors, w.tally.samples)
				}
				sent += int64(w.sent)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(sent), "ns/msg")
			// On a shared machine the process's CPU time tells more.
			b.ReportMetric(float64(testutil.CPUTime()-cpu)/float64(sent), "cpu-ns/msg")
		})
	}
}
