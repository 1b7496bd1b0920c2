package wire_test

import (
	"testing"

	"github.com/gigadex/gigadex/wire"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		in      string
		want    wire.Reply
		wantErr bool
	}{
		{"echo", wire.ReplyEcho, false},
		{"exchange", wire.ReplyExchange, false},
		{"pong", 0, true},
		{"book", wire.ReplyBook, false}, // clients check it as exchange, Trades unsolicited
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := wire.ParseReply(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseReply(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tt.in)
		}
	}
}

func TestReplyBookString(t *testing.T) {
	if got := wire.ReplyBook.String(); got != "book" {
		t.Errorf("got %q, want book", got)
	}
}

func TestFirstField(t *testing.T) {
	const id = 0x0102030405060708
	frames := map[string][]byte{
		"heartbeat":    wire.AppendHeartbeat(nil, id),
		"order":        wire.AppendOrder(nil, &wire.Order{ID: id, Price: 1, Quantity: 2, Side: wire.Sell}),
		"order_ack":    wire.AppendOrderAck(nil, id, 9),
		"trade":        wire.AppendTrade(nil, &wire.Trade{MakerID: id, TakerID: 3}),
		"cancel_order": wire.AppendCancelOrder(nil, id),
		"cancel_ack":   wire.AppendCancelAck(nil, id),
	}
	for name, f := range frames {
		v, _, err := wire.ParseFrame(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := v.FirstField(); got != id {
			t.Errorf("%s: FirstField() = %#x, want %#x", name, got, uint64(id))
		}
	}
}
