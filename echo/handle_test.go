package echo

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

func TestHandleBatch(t *testing.T) {
	valid := mixedFrames(4)
	badSide := wire.AppendOrder(nil, &wire.Order{ID: 1})
	badSide[wire.LengthPrefixSize+32] = 2
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name    string
		in      []byte
		want    int // bytes of whole valid frames
		wantErr error
	}{
		{"empty", nil, 0, nil},
		{"whole frames", valid, len(valid), nil},
		{"one byte of the next frame", cat(valid, []byte{48}), len(valid), nil},
		{"51 bytes of the next frame", cat(valid, valid[:51]), len(valid), nil},
		{"incomplete frame, prefix already wrong", cat(valid, []byte{49, 0, 0, 0, 1}), len(valid), wire.ErrLength},
		{"bad frame after valid ones", cat(valid, badSide, valid), len(valid), wire.ErrSide},
		{"bad frame first", cat(badSide, valid), 0, wire.ErrSide},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bytes.Clone(tt.in)
			n, err := handleBatch(in, wire.ReplyEcho, 0)
			if n != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("got %d, %v; want %d, %v", n, err, tt.want, tt.wantErr)
			}
			if !bytes.Equal(in, tt.in) {
				t.Error("echo mode changed the buffer")
			}
			var fe *wire.FrameError
			if errors.As(err, &fe) && fe.Offset != 0 {
				t.Errorf("FrameError offset %d, want 0 (relative to the bad frame)", fe.Offset)
			}
		})
	}
}

func TestHandleBatchExchangeInPlace(t *testing.T) {
	in := wire.AppendHeartbeat(nil, 1)
	in = wire.AppendOrder(in, &wire.Order{ID: 7, Price: 8, Quantity: 9, Side: wire.Sell})
	in = wire.AppendCancelOrder(in, 10)
	in = wire.AppendTrade(in, &wire.Trade{MakerID: 11})
	in = append(in, 48, 0) // the start of the next frame, kept as it is
	want := wire.AppendHeartbeat(nil, 1)
	want = wire.AppendOrderAck(want, 7, 12345)
	want = wire.AppendCancelAck(want, 10)
	want = wire.AppendTrade(want, &wire.Trade{MakerID: 11})
	want = append(want, 48, 0)
	n, err := handleBatch(in, wire.ReplyExchange, 12345)
	if err != nil || n != 4*wire.FrameLen {
		t.Fatalf("got %d, %v; want %d, nil", n, err, 4*wire.FrameLen)
	}
	if !bytes.Equal(in, want) {
		t.Errorf("got  % x\nwant % x", in, want)
	}
}

func TestHandleBatchDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	src := mixedFrames(DefaultReadBufferSize / wire.FrameLen)
	src = append(src, 48, 0, 0) // and an incomplete frame
	buf := bytes.Clone(src)
	for _, r := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange} {
		allocs := testing.AllocsPerRun(100, func() {
			copy(buf, src)
			if _, err := handleBatch(buf, r, 1); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per batch, want 0", r, allocs)
		}
	}
}

// TestServeDoesNotAllocatePerBatch checks the whole per-connection path
// (read, validate, write, counters) over loopback.
func TestServeDoesNotAllocatePerBatch(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; run without -race")
	}
	for _, r := range []wire.Reply{wire.ReplyEcho, wire.ReplyExchange} {
		ts := startServer(t, WithReply(r))
		c := ts.dial(t)
		buf := make([]byte, 2*wire.FrameLen)
		if err := pingPong(c, 0, buf); err != nil { // the connection's buffer
			t.Fatal(err)
		}
		// Counts the allocations of the whole process: the client's
		// round trips allocate nothing either.
		allocs := testing.AllocsPerRun(200, func() {
			if err := pingPong(c, 1, buf); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per round trip, want 0", r, allocs)
		}
	}
}
