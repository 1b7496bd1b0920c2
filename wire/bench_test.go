package wire_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

var sinkU64 uint64

func BenchmarkAppendOrder(b *testing.B) {
	buf := make([]byte, 0, wire.FrameLen)
	o := wire.Order{ID: 1, Price: 5_000_000_000_000, Quantity: 100_000_000, Side: wire.Buy}
	b.ReportAllocs()
	b.SetBytes(wire.FrameLen)
	for b.Loop() {
		o.ID++
		buf = wire.AppendOrder(buf[:0], &o)
	}
	sinkU64 += uint64(buf[5])
}

func BenchmarkAppendFrame(b *testing.B) {
	buf := make([]byte, 0, wire.FrameLen)
	b.ReportAllocs()
	b.SetBytes(wire.FrameLen)
	var id uint64
	for b.Loop() {
		id++
		buf = wire.AppendFrame(buf[:0], wire.Order{ID: id, Price: 5, Quantity: 1})
	}
	sinkU64 += uint64(buf[5])
}

// BenchmarkParseFrame parses and validates an Order and reads every field
// in place (rkyv's archived access).
func BenchmarkParseFrame(b *testing.B) {
	frame := wire.AppendOrder(nil, &wire.Order{ID: 1, Price: 5_000_000_000_000, Quantity: 100_000_000, Side: wire.Sell})
	b.ReportAllocs()
	b.SetBytes(wire.FrameLen)
	var s uint64
	for b.Loop() {
		v, _, err := wire.ParseFrame(frame)
		if err != nil {
			b.Fatal(err)
		}
		o, _ := v.Order()
		s += o.ID() + o.Price() + o.Quantity() + uint64(o.Side())
	}
	sinkU64 += s
}

// BenchmarkDecodeOrder parses, validates and copies an Order out into a
// struct (rkyv's deserialize).
func BenchmarkDecodeOrder(b *testing.B) {
	frame := wire.AppendOrder(nil, &wire.Order{ID: 1, Price: 5_000_000_000_000, Quantity: 100_000_000, Side: wire.Sell})
	b.ReportAllocs()
	b.SetBytes(wire.FrameLen)
	var o wire.Order
	for b.Loop() {
		v, _, err := wire.ParseFrame(frame)
		if err != nil || !v.CopyOrder(&o) {
			b.Fatal(err)
		}
	}
	sinkU64 += o.ID
}

// BenchmarkDecoderFeed feeds a 64 KiB stream of mixed messages in 64 KiB
// chunks, as a socket read would deliver it.
func BenchmarkDecoderFeed(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	var stream []byte
	for len(stream)+wire.FrameLen <= 64<<10 {
		stream = wire.AppendFrame(stream, randMessage(r))
	}
	n := len(stream) / wire.FrameLen
	var d wire.Decoder
	var s uint64
	cb := func(v wire.View) error { s += v.Field(8); return nil }
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		if err := d.Feed(stream, cb); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	sinkU64 += s
}
