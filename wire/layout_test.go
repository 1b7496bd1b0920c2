package wire_test

import (
	"bytes"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

// layoutCases are messages with the field slots PutPayload takes for them.
var layoutCases = []struct {
	m wire.Message
	f [5]uint64
}{
	{wire.Heartbeat{Timestamp: 7}, [5]uint64{7}},
	{wire.Order{ID: 1, Price: 2, Quantity: 3, Side: wire.Sell}, [5]uint64{1, 2, 3, 1}},
	{wire.OrderAck{ID: 4, Timestamp: 5}, [5]uint64{4, 5}},
	{wire.Trade{MakerID: 6, TakerID: 7, Price: 8, Quantity: 9, Timestamp: 10}, [5]uint64{6, 7, 8, 9, 10}},
	{wire.CancelOrder{ID: 11}, [5]uint64{11}},
	{wire.CancelAck{ID: 12}, [5]uint64{12}},
}

func TestPutFrameIsAppendFrame(t *testing.T) {
	for _, tc := range layoutCases {
		var f [wire.FrameLen]byte
		for i := range f {
			f[i] = 0xee // PutFrame writes every byte
		}
		wire.PutFrame(&f, tc.m.Kind(), tc.f[0], tc.f[1], tc.f[2], tc.f[3], tc.f[4])
		if want := wire.AppendFrame(nil, tc.m); !bytes.Equal(f[:], want) {
			t.Errorf("%v: got %x, want %x", tc.m.Kind(), f, want)
		}
	}
}

func TestPayloadDiff(t *testing.T) {
	for _, tc := range layoutCases {
		k := tc.m.Kind()
		frame := wire.AppendFrame(nil, tc.m)
		masks := wire.FieldMasks(k)
		for bit := range wire.PayloadSize * 8 {
			b := bytes.Clone(frame)
			b[wire.LengthPrefixSize+bit/8] ^= 1 << (bit % 8)
			p := (*[wire.PayloadSize]byte)(b[wire.LengthPrefixSize:])
			got := wire.PayloadDiff(p, k, tc.f[0], tc.f[1], tc.f[2], tc.f[3], tc.f[4]) != 0
			v, err := wire.ParsePayload(p[:])
			orig, _, _ := wire.ParseFrame(frame)
			// Differs exactly when a decoder sees another message (or none).
			want := err != nil || !v.Equal(orig)
			if slot := bit/64 - 1; slot >= 0 && (masks[slot]&(1<<(bit%64)) != 0) != want {
				t.Errorf("%v, bit %d: FieldMasks disagrees with View.Equal", k, bit)
			}
			if got != want {
				t.Errorf("%v, bit %d flipped: differs %v, want %v", k, bit, got, want)
			}
		}
		p := (*[wire.PayloadSize]byte)(frame[wire.LengthPrefixSize:])
		if d := wire.PayloadDiff(p, k, tc.f[0], tc.f[1], tc.f[2], tc.f[3], tc.f[4]); d != 0 {
			t.Errorf("%v: diff with itself %x, want 0", k, d)
		}
	}
}

func TestParseKindBothSpellings(t *testing.T) {
	for k := range wire.Kind(wire.NumKinds) {
		for _, s := range []string{k.String(), k.Label()} {
			if got, err := wire.ParseKind(s); err != nil || got != k {
				t.Errorf("ParseKind(%q) = %v, %v; want %v", s, got, err, k)
			}
		}
	}
	if got, err := wire.ParseKind("cancel_order"); err != nil || got != wire.KindCancelOrder {
		t.Errorf("ParseKind(cancel_order) = %v, %v", got, err)
	}
	if _, err := wire.ParseKind("quote"); err == nil {
		t.Error("ParseKind(quote): no error")
	}
	if got := wire.KindCancelOrder.Label(); got != "cancel" {
		t.Errorf("Label = %q, want cancel", got)
	}
}
