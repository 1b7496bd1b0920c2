package client

import (
	"testing"

	"github.com/gigadex/gigadex/wire"
)

func view(t *testing.T, frame []byte) wire.View {
	t.Helper()
	v, _, err := wire.ParseFrame(frame)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRequestSeqOfEveryKind(t *testing.T) {
	for k := wire.Kind(0); k < wire.NumKinds; k++ {
		const seq = 123456789
		if got := requestSeq(view(t, appendMessage(nil, k, seq))); got != seq {
			t.Errorf("%v: requestSeq = %d, want %d", k, got, seq)
		}
	}
}

func TestRingMatch(t *testing.T) {
	const sent = 10
	type req struct {
		seq  uint64
		kind wire.Kind
	}
	tests := []struct {
		name      string
		mode      wire.Reply
		inflight  []req
		reply     []byte
		wantSlot  bool
		wantOK    bool
		wantFound uint64
	}{
		{"echo of a heartbeat", wire.ReplyEcho, []req{{7, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, 7), true, true, 7},
		{"echo of an order", wire.ReplyEcho, []req{{3, wire.KindOrder}}, appendMessage(nil, wire.KindOrder, 3), true, true, 3},
		{"order with another price", wire.ReplyEcho, []req{{3, wire.KindOrder}},
			wire.AppendOrder(nil, &wire.Order{ID: 3, Price: 1, Quantity: orderFor(3).Quantity, Side: orderFor(3).Side}), true, false, 3},
		{"ack where an echo is expected", wire.ReplyEcho, []req{{4, wire.KindOrder}}, wire.AppendOrderAck(nil, 4, 99), true, false, 4},
		{"ack of an order", wire.ReplyExchange, []req{{4, wire.KindOrder}}, wire.AppendOrderAck(nil, 4, 99), true, true, 4},
		{"ack of a cancel", wire.ReplyExchange, []req{{5, wire.KindCancelOrder}}, wire.AppendCancelAck(nil, 5), true, true, 5},
		{"exchange echoes heartbeats", wire.ReplyExchange, []req{{6, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, 6), true, true, 6},
		{"echo where an ack is expected", wire.ReplyExchange, []req{{4, wire.KindOrder}}, appendMessage(nil, wire.KindOrder, 4), true, false, 4},
		{"answers nothing in flight", wire.ReplyEcho, []req{{2, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, 3), false, false, 0},
		{"answers a message not sent yet", wire.ReplyEcho, []req{{2, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, sent), false, false, 0},
		{"same slot, older message", wire.ReplyEcho, []req{{9, wire.KindHeartbeat}}, wire.AppendHeartbeat(nil, 1), false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRing(8)
			for _, q := range tt.inflight {
				*r.at(q.seq) = slot{seq: q.seq, kind: q.kind, pending: true}
			}
			sl, ok := r.match(view(t, tt.reply), sent, tt.mode)
			if (sl != nil) != tt.wantSlot || ok != tt.wantOK {
				t.Fatalf("match: slot %v, ok %v; want slot %v, ok %v", sl != nil, ok, tt.wantSlot, tt.wantOK)
			}
			if sl == nil {
				return
			}
			if sl.seq != tt.wantFound || sl.pending {
				t.Errorf("matched message %d (pending %v), want %d answered", sl.seq, sl.pending, tt.wantFound)
			}
			if again, _ := r.match(view(t, tt.reply), sent, tt.mode); again != nil {
				t.Error("a second copy of the reply matched again, want a duplicate")
			}
		})
	}
}

func TestRingSize(t *testing.T) {
	for _, tt := range []struct{ window, want int }{{1, 1}, {2, 2}, {3, 4}, {256, 256}, {257, 512}} {
		if r := newRing(tt.window); len(r.slots) != tt.want || r.mask != uint64(tt.want-1) {
			t.Errorf("newRing(%d): %d slots, mask %d; want %d", tt.window, len(r.slots), r.mask, tt.want)
		}
	}
}

func TestParseExpectIsParseReply(t *testing.T) {
	for in, want := range map[string]wire.Reply{"": wire.ReplyEcho, "echo": wire.ReplyEcho, "exchange": wire.ReplyExchange} {
		if got, err := ParseExpect(in); err != nil || got != want {
			t.Errorf("ParseExpect(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseExpect("pong"); err == nil {
		t.Error(`ParseExpect("pong"): no error`)
	}
}
