package echo

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

// BenchmarkHandleBatch measures the CPU cost of answering a full 64 KiB
// batch (1260 frames of every kind), without sockets. One op is one batch.
func BenchmarkHandleBatch(b *testing.B) {
	for _, r := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange} {
		b.Run(r.String(), func(b *testing.B) {
			src := mixedFrames(DefaultReadBufferSize / wire.FrameLen)
			buf := make([]byte, len(src))
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				copy(buf, src)
				if n, err := handleBatch(buf, r, 1); err != nil || n != len(src) {
					b.Fatalf("handleBatch: %d, %v", n, err)
				}
			}
			b.ReportMetric(float64(b.N)*float64(len(src)/wire.FrameLen)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkEcho measures throughput over loopback: 4 connections, each
// keeping up to 1024 frames in flight, written 256 frames (13 KB) at a time
// by one goroutine and read back by another. One op is one message; msgs/s
// counts replies received by the clients, which share the machine with the
// server. It uses b.N rather than b.Loop because the work is spread over
// goroutines. The -detailed variants turn WithDetailedStats on.
func BenchmarkEcho(b *testing.B) {
	for _, r := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange} {
		b.Run(r.String(), func(b *testing.B) { benchFlood(b, 4, 1024, 256, WithReply(r)) })
		b.Run(r.String()+"-detailed", func(b *testing.B) { benchFlood(b, 4, 1024, 256, WithReply(r), WithDetailedStats(true)) })
	}
}

// benchFlood runs conns pipelined clients, each writing batch frames at a
// time and keeping at most window frames in flight.
func benchFlood(b *testing.B, conns, window, batch int, opts ...Option) {
	ts := startServer(b, opts...)
	cs := make([]net.Conn, conns)
	for i := range cs {
		cs[i] = ts.dial(b)
		cs[i].SetDeadline(time.Time{})
	}
	frames := mixedFrames(batch)
	b.ReportAllocs()
	b.SetBytes(wire.FrameLen)
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range cs {
		total := b.N / conns
		if i < b.N%conns {
			total++
		}
		tokens := make(chan struct{}, window/batch)
		for range cap(tokens) {
			tokens <- struct{}{}
		}
		wg.Go(func() {
			for sent := 0; sent < total; sent += batch {
				<-tokens
				k := min(batch, total-sent)
				if _, err := c.Write(frames[:k*wire.FrameLen]); err != nil {
					b.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			buf := make([]byte, 64<<10)
			want := int64(total) * wire.FrameLen
			var got int64
			returned := 0
			for got < want {
				n, err := c.Read(buf)
				got += int64(n)
				if err != nil {
					b.Error(err)
					return
				}
				for ; int(got/wire.FrameLen)/batch > returned; returned++ {
					tokens <- struct{}{}
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPingPong measures the round trip of one frame at a time over
// loopback: one op is one RTT. The baseline is a bare read-write loop that
// neither validates nor counts, so the difference is what the server adds;
// echo-detailed is echo with WithDetailedStats.
func BenchmarkPingPong(b *testing.B) {
	b.Run("echo", func(b *testing.B) { benchPingPong(b, startServer(b).addr) })
	b.Run("exchange", func(b *testing.B) { benchPingPong(b, startServer(b, WithReply(wire.ReplyExchange)).addr) })
	b.Run("echo-detailed", func(b *testing.B) { benchPingPong(b, startServer(b, WithDetailedStats(true)).addr) })
	b.Run("baseline", func(b *testing.B) { benchPingPong(b, startBareEcho(b)) })
}

func benchPingPong(b *testing.B, addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	frame := wire.AppendOrder(nil, &wire.Order{ID: 1, Price: 2, Quantity: 3})
	in := make([]byte, wire.FrameLen)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(frame); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, in); err != nil {
			b.Fatal(err)
		}
	}
}

// startBareEcho runs a minimal echo loop, one goroutine per connection.
func startBareEcho(b *testing.B) string {
	addr, _ := testutil.Listen(b, func(c net.Conn) {
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
	})
	return addr
}
