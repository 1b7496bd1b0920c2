package echo

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
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

// connShare returns connection i's share of n messages over conns.
func connShare(n, conns, i int) int {
	if i < n%conns {
		return n/conns + 1
	}
	return n / conns
}

// windowTokens returns the tokens of a window of in-flight frames, one per batch,
// all available.
func windowTokens(frames, batch int) chan struct{} {
	tokens := make(chan struct{}, frames/batch)
	for range cap(tokens) {
		tokens <- struct{}{}
	}
	return tokens
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
		total, tokens := connShare(b.N, conns, i), windowTokens(window, batch)
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

// BenchmarkOrderFlood compares --reply book with --reply exchange under the
// same order flow over loopback: 4 connections, each keeping up to 1024
// requests in flight, 90% Orders (half of them crossing the book, at 21
// prices around a mid) and 10% CancelOrders of recent ids, written 256
// frames at a time. One op is one request; msgs/s counts requests
// answered (acks: Trades come on top). Run both and compare them side by
// side: the machine is shared.
func BenchmarkOrderFlood(b *testing.B) {
	for _, r := range []wire.Reply{wire.ReplyExchange, wire.ReplyBook} {
		b.Run(r.String(), func(b *testing.B) { benchOrderFlood(b, 4, 1024, 256, WithReply(r)) })
	}
}

// orderFlow returns n frames of the flow of BenchmarkOrderFlood, with ids
// from 1; patchIDs renumbers them.
func orderFlow(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	var b []byte
	for i := range n {
		id := uint64(i + 1)
		if rng.IntN(10) == 0 {
			b = wire.AppendCancelOrder(b, id-min(id-1, 1+rng.Uint64N(32)))
			continue
		}
		side := wire.Side(rng.IntN(2))
		price := 10_000 + 1 + rng.Uint64N(10) // a passive sell
		switch aggressive := rng.IntN(2) == 0; {
		case aggressive && side == wire.Buy:
			price = 10_000 + 10
		case aggressive:
			price = 10_000 - 10
		case side == wire.Buy:
			price = 10_000 - 1 - rng.Uint64N(10)
		}
		b = wire.AppendOrder(b, &wire.Order{ID: id, Price: price, Quantity: 1 + rng.Uint64N(100), Side: side})
	}
	return b
}

// patchIDs adds base to the id of every frame of b (the first field of
// Orders and CancelOrders).
func patchIDs(b []byte, base uint64) {
	for off := 0; off+wire.FrameLen <= len(b); off += wire.FrameLen {
		p := b[off+wire.LengthPrefixSize+8:]
		binary.LittleEndian.PutUint64(p, binary.LittleEndian.Uint64(p)+base)
	}
}

func benchOrderFlood(b *testing.B, conns, window, batch int, opts ...Option) {
	ts := startServer(b, opts...)
	b.ReportAllocs()
	var wg sync.WaitGroup
	var trades atomic.Int64
	b.ResetTimer()
	for i := range conns {
		c := ts.dial(b)
		c.SetDeadline(time.Time{})
		total, tokens := connShare(b.N, conns, i), windowTokens(window, batch)
		const flowLen = 1 << 14 // a multiple of batch
		flow := orderFlow(flowLen, uint64(i))
		out := make([]byte, batch*wire.FrameLen)
		wg.Go(func() {
			for sent := 0; sent < total; sent += batch {
				<-tokens
				k := min(batch, total-sent)
				at := sent % flowLen * wire.FrameLen
				copy(out, flow[at:at+k*wire.FrameLen])
				patchIDs(out[:k*wire.FrameLen], uint64(sent-sent%flowLen))
				if _, err := c.Write(out[:k*wire.FrameLen]); err != nil {
					b.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			buf := make([]byte, 64<<10)
			have, acks, returned := 0, 0, 0
			for acks < total {
				n, err := c.Read(buf[have:])
				if err != nil {
					b.Error(err)
					return
				}
				have += n
				off := 0
				for ; have-off >= wire.FrameLen; off += wire.FrameLen {
					if wire.Kind(buf[off+wire.LengthPrefixSize]) == wire.KindTrade {
						trades.Add(1)
					} else {
						acks++
					}
				}
				have = copy(buf, buf[off:have])
				for ; acks/batch > returned; returned++ {
					tokens <- struct{}{}
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(trades.Load())/float64(b.N), "trades/msg")
	if st := ts.Stats().Book; st.Orders > 0 {
		b.ReportMetric(float64(st.Resting), "resting")
	}
}
