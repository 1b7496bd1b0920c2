package wire_test

import (
	"errors"
	"io"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

func TestDecode(t *testing.T) {
	order := wire.Order{ID: 1, Price: 5_000_000_000_000, Quantity: 100_000_000, Side: wire.Sell}
	frame := wire.AppendFrame(nil, order)
	two := wire.AppendCancelAck(append([]byte{}, frame...), 9)
	badSide := append([]byte{}, frame...)
	badSide[wire.LengthPrefixSize+32] = 2
	badTag := append([]byte{}, frame...)
	badTag[wire.LengthPrefixSize] = 6
	tests := []struct {
		name    string
		in      []byte
		want    wire.Message
		wantN   int
		wantErr error
	}{
		{"one frame", frame, order, wire.FrameLen, nil},
		{"first of two", two, order, wire.FrameLen, nil},
		{"second of two", two[wire.FrameLen:], wire.CancelAck{ID: 9}, wire.FrameLen, nil},
		{"empty", nil, nil, 0, io.ErrUnexpectedEOF},
		{"prefix only", frame[:wire.LengthPrefixSize], nil, 0, io.ErrUnexpectedEOF},
		{"one byte short", frame[:wire.FrameLen-1], nil, 0, io.ErrUnexpectedEOF},
		{"bad side", badSide, nil, 0, wire.ErrSide},
		{"bad tag", badTag, nil, 0, wire.ErrTag},
		{"zero prefix", []byte{0, 0, 0, 0}, nil, 0, wire.ErrEmpty},
		{"huge prefix, short input", []byte{0xff, 0xff, 0xff, 0x7f}, nil, 0, wire.ErrTooLarge},
		{"wrong length", []byte{49, 0, 0, 0, 1}, nil, 0, wire.ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, n, err := wire.Decode(tt.in)
			if !errors.Is(err, tt.wantErr) || m != tt.want || n != tt.wantN {
				t.Fatalf("Decode = %#v, %d, %v; want %#v, %d, %v", m, n, err, tt.want, tt.wantN, tt.wantErr)
			}
			if tt.wantErr != nil && tt.wantErr != io.ErrUnexpectedEOF {
				var fe *wire.FrameError
				if !errors.As(err, &fe) || fe.Offset != 0 {
					t.Errorf("error %v is not a FrameError at offset 0", err)
				}
			}
		})
	}
}

// The decoded message is a copy: overwriting the input does not change it.
func TestDecodeCopies(t *testing.T) {
	b := wire.AppendOrderAck(nil, 42, 7)
	m, _, err := wire.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if m != (wire.OrderAck{ID: 42, Timestamp: 7}) {
		t.Fatalf("message changed with its input: %#v", m)
	}
}

// FuzzDecode: Decode agrees with ParseFrame, and what it decodes encodes
// back to a frame that decodes to the same message.
func FuzzDecode(f *testing.F) {
	seedFrames(f)
	f.Fuzz(func(t *testing.T, b []byte, _ uint16) {
		m, n, err := wire.Decode(b)
		v, pn, perr := wire.ParseFrame(b)
		if (err == nil) != (perr == nil) || n != pn {
			t.Fatalf("Decode: %d, %v; ParseFrame: %d, %v", n, err, pn, perr)
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) != errors.Is(perr, io.ErrUnexpectedEOF) {
				t.Fatalf("Decode: %v; ParseFrame: %v", err, perr)
			}
			if m != nil || n != 0 {
				t.Fatalf("error %v with message %#v, n %d", err, m, n)
			}
			return
		}
		if m != v.Message() {
			t.Fatalf("Decode %#v, View %#v", m, v.Message())
		}
		if err := wire.Validate(m); err != nil {
			t.Fatalf("decoded message %#v does not validate: %v", m, err)
		}
		m2, n2, err := wire.Decode(wire.AppendFrame(nil, m))
		if err != nil || m2 != m || n2 != wire.FrameLen {
			t.Fatalf("round trip: %#v, %d, %v; want %#v", m2, n2, err, m)
		}
	})
}

func TestValidate(t *testing.T) {
	var nilOrder *wire.Order
	var nilTrade *wire.Trade
	tests := []struct {
		name string
		m    wire.Message
		want error
	}{
		{"buy", wire.Order{Side: wire.Buy}, nil},
		{"sell pointer", &wire.Order{Side: wire.Sell}, nil},
		{"heartbeat", wire.Heartbeat{Timestamp: 1}, nil},
		{"trade pointer", &wire.Trade{MakerID: 1}, nil},
		{"cancel ack", wire.CancelAck{}, nil},
		{"side 2", wire.Order{Side: 2}, wire.ErrSide},
		{"side 255 pointer", &wire.Order{Side: 255}, wire.ErrSide},
		{"nil", nil, wire.ErrNotMessage},
		{"nil *Order", nilOrder, wire.ErrNotMessage},
		{"nil *Trade", nilTrade, wire.ErrNotMessage},
		{"other type", otherKind{}, wire.ErrNotMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wire.Validate(tt.m)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
			var fe *wire.FrameError
			if tt.want == wire.ErrSide && (!errors.As(err, &fe) || fe.Field != "side") {
				t.Errorf("%v is not a side FrameError", err)
			}
		})
	}
}

// Validate rejects exactly what a decoder rejects.
func TestValidateMatchesDecoder(t *testing.T) {
	for s := 0; s < 256; s++ {
		o := wire.Order{ID: 1, Side: wire.Side(s)}
		_, _, perr := wire.ParseFrame(wire.AppendFrame(nil, o))
		verr := wire.Validate(o)
		if (perr == nil) != (verr == nil) || (perr != nil && perr.Error() != verr.Error()) {
			t.Fatalf("side %d: ParseFrame %v, Validate %v", s, perr, verr)
		}
	}
}

type otherKind struct{}

func (otherKind) Kind() wire.Kind { return wire.KindHeartbeat }

// FuzzValidFrames checks ValidFrames against ParseFrame frame by frame, on
// arbitrary bytes and on runs of valid frames with one byte changed.
func FuzzValidFrames(f *testing.F) {
	seedFrames(f)
	f.Fuzz(func(t *testing.T, b []byte, at uint16) {
		// A run of valid frames followed by b, and b alone.
		run := wire.AppendFrame(nil, wire.Order{ID: 1, Price: 2, Quantity: 3, Side: wire.Sell})
		run = wire.AppendFrame(run, wire.Heartbeat{Timestamp: 9})
		for _, in := range [][]byte{b, append(run, b...)} {
			want := 0
			for {
				_, n, err := wire.ParseFrame(in[want:])
				if err != nil {
					break
				}
				want += n
			}
			if got := wire.ValidFrames(in); got != want {
				t.Fatalf("ValidFrames(%x) = %d; ParseFrame accepts %d bytes", in, got, want)
			}
		}
		// One byte of the run changed.
		if len(b) > 0 {
			bad := append([]byte(nil), run...)
			bad[int(at)%len(bad)] = b[0]
			_, n1, err1 := wire.ParseFrame(bad)
			want := 0
			if err1 == nil {
				want = n1
				if _, n2, err2 := wire.ParseFrame(bad[n1:]); err2 == nil {
					want += n2
				}
			}
			if got := wire.ValidFrames(bad); got != want {
				t.Fatalf("ValidFrames(%x) = %d, want %d", bad, got, want)
			}
		}
	})
}

func TestValidFrames(t *testing.T) {
	ok := wire.AppendFrame(nil, wire.Order{ID: 1, Price: 2, Quantity: 3, Side: wire.Buy})
	// The side's byte is the one where a Buy and a Sell Order differ.
	badSide := append([]byte(nil), ok...)
	sell := wire.AppendFrame(nil, wire.Order{ID: 1, Price: 2, Quantity: 3, Side: wire.Sell})
	for i := range ok {
		if ok[i] != sell[i] {
			badSide[i] = 7
		}
	}
	badTag := append([]byte(nil), ok...)
	badTag[wire.LengthPrefixSize] = 0xff
	badLen := append([]byte(nil), ok...)
	badLen[0] = 47
	for _, tc := range []struct {
		name string
		in   []byte
		want int
	}{
		{"empty", nil, 0},
		{"partial", ok[:30], 0},
		{"one", ok, wire.FrameLen},
		{"two and a partial", append(append(append([]byte(nil), ok...), ok...), ok[:10]...), 2 * wire.FrameLen},
		{"bad side second", append(append([]byte(nil), ok...), badSide...), wire.FrameLen},
		{"bad tag first", append(append([]byte(nil), badTag...), ok...), 0},
		{"bad length second", append(append([]byte(nil), ok...), badLen...), wire.FrameLen},
	} {
		if got := wire.ValidFrames(tc.in); got != tc.want {
			t.Errorf("%s: ValidFrames = %d, want %d", tc.name, got, tc.want)
		}
	}
}
