package client_test

import (
	"fmt"
	"testing"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/wire"
)

// BenchmarkConnPing measures one ping-pong round trip over loopback against
// the in-process echo server (ns/op is the rtt).
func BenchmarkConnPing(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts []client.Option
	}{
		{"poller", nil},
		{"blocking", []client.Option{client.WithIOMode(client.IOBlocking)}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			addr := startEcho(b)
			ctx := testCtx(b)
			c, err := client.Dial(ctx, addr, mode.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Ping(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPipelined sends and receives on one connection with a window of
// frames in flight: batches of 64 sends, one write each, and batched
// receives. The sub-benchmarks compare the Rust crate's 4096-byte buffers
// with the default 64 KiB ones, for a window of 256 frames (13 KiB) and of
// 4096 frames (208 KiB, a flood).
func BenchmarkPipelined(b *testing.B) {
	for _, window := range []int{256, 4096} {
		for _, size := range []int{4096, 64 << 10} {
			b.Run(fmt.Sprintf("window=%d/buf=%d", window, size), func(b *testing.B) {
				pipelined(b, window, client.WithReadBufferSize(size), client.WithWriteBufferSize(size))
			})
		}
	}
}

func pipelined(b *testing.B, window int, opts ...client.Option) {
	addr := startEcho(b)
	c, err := client.Dial(testCtx(b), addr, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	const batch = 64
	var sink uint64
	handle := func(v wire.View) { sink += v.Field(8) }
	b.ReportAllocs()
	b.SetBytes(wire.FrameLen)
	sent, recv, calls := 0, 0, 0
	o := wire.Order{Price: 1, Quantity: 1}
	for sent < b.N {
		for i := 0; i < batch && sent < b.N && sent-recv < window; i++ {
			o.ID = uint64(sent)
			c.Send(o)
			sent++
		}
		if err := c.Flush(); err != nil {
			b.Fatal(err)
		}
		for sent-recv >= window || (sent == b.N && recv < sent) {
			n, err := c.RecvBatch(handle)
			if err != nil {
				b.Fatal(err)
			}
			recv += n
			calls++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	// Each RecvBatch call reads once: frames per read system call.
	b.ReportMetric(float64(recv)/float64(calls), "frames/read")
}
