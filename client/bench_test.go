package client_test

import (
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
		{"blocking", []client.Option{client.WithBlockingIO(true)}},
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

// BenchmarkPipelined sends and receives on one connection with 256 frames
// in flight: batches of sends, one write each, and batched receives.
func BenchmarkPipelined(b *testing.B) {
	addr := startEcho(b)
	c, err := client.Dial(testCtx(b), addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	const window, batch = 256, 64
	var sink uint64
	handle := func(v wire.View) { sink += v.Field(8) }
	b.ReportAllocs()
	b.SetBytes(wire.FrameLen)
	sent, recv := 0, 0
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
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
