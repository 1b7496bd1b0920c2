package wire_test

import (
	"testing"

	"github.com/gigadex/gigadex/wire"
)

func TestHotPathsDoNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked in full runs")
	}
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	buf := make([]byte, 0, 16*wire.FrameLen)
	o := wire.Order{ID: 1, Price: 2, Quantity: 3, Side: wire.Sell}
	tr := wire.Trade{MakerID: 1}
	stream := wire.AppendOrder(nil, &o)
	stream = wire.AppendTrade(stream, &tr)
	var sink uint64
	var d wire.Decoder
	cb := func(v wire.View) error { sink += v.Field(8); return nil }
	tests := []struct {
		name string
		fn   func()
	}{
		{"AppendOrder", func() { buf = wire.AppendOrder(buf[:0], &o) }},
		{"AppendTrade", func() { buf = wire.AppendTrade(buf[:0], &tr) }},
		{"AppendHeartbeat", func() { buf = wire.AppendHeartbeat(buf[:0], 7) }},
		{"AppendFrame value", func() { buf = wire.AppendFrame(buf[:0], wire.CancelOrder{ID: 3}) }},
		{"Validate", func() {
			if wire.Validate(o) != nil {
				sink++
			}
		}},
		{"ParseFrame", func() {
			v, _, _ := wire.ParseFrame(stream)
			ov, _ := v.Order()
			sink += ov.Price()
		}},
		{"Decoder.Feed split", func() {
			_ = d.Feed(stream[:30], cb)
			_ = d.Feed(stream[30:], cb)
		}},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(200, tt.fn); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tt.name, n)
		}
	}
	_ = sink
}
