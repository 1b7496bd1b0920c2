package wire_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

type golden struct {
	Name       string          `json:"name"`
	Message    json.RawMessage `json:"message"`
	PayloadHex string          `json:"payload_hex"`
	FrameHex   string          `json:"frame_hex"`
}

func loadGolden(t testing.TB) []golden {
	t.Helper()
	f, err := os.Open("testdata/golden.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []golden
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var g golden
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		out = append(out, g)
	}
	if len(out) != 7 {
		t.Fatalf("got %d golden vectors, want 7", len(out))
	}
	return out
}

func dhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.Name, func(t *testing.T) {
			m, err := wire.ParseJSON(g.Message)
			if err != nil {
				t.Fatal(err)
			}
			frame := dhex(t, g.FrameHex)
			if got := wire.AppendFrame(nil, m); !bytes.Equal(got, frame) {
				t.Errorf("AppendFrame(%v)\n got %x\nwant %x", m, got, frame)
			}
			if want := "30000000" + g.PayloadHex; want != g.FrameHex {
				t.Errorf("frame_hex is not the prefix plus payload_hex")
			}
			v, n, err := wire.ParseFrame(frame)
			if err != nil || n != wire.FrameLen {
				t.Fatalf("ParseFrame: n=%d err=%v", n, err)
			}
			if got := v.Message(); got != m {
				t.Errorf("decoded %#v, want %#v", got, m)
			}
			if got := string(wire.AppendJSON(nil, v.Message())); got != string(g.Message) {
				t.Errorf("AppendJSON = %s, want %s", got, g.Message)
			}
			pv, err := wire.ParsePayload(dhex(t, g.PayloadHex))
			if err != nil || !pv.Equal(v) {
				t.Errorf("ParsePayload: %v, equal=%v", err, err == nil && pv.Equal(v))
			}
		})
	}
}

func randMessage(r *rand.Rand) wire.Message {
	u := func() uint64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return ^uint64(0)
		}
		return r.Uint64()
	}
	switch wire.Kind(r.IntN(wire.NumKinds)) {
	case wire.KindHeartbeat:
		return wire.Heartbeat{Timestamp: u()}
	case wire.KindOrder:
		return wire.Order{ID: u(), Price: u(), Quantity: u(), Side: wire.Side(r.IntN(2))}
	case wire.KindOrderAck:
		return wire.OrderAck{ID: u(), Timestamp: u()}
	case wire.KindTrade:
		return wire.Trade{MakerID: u(), TakerID: u(), Price: u(), Quantity: u(), Timestamp: u()}
	case wire.KindCancelOrder:
		return wire.CancelOrder{ID: u()}
	}
	return wire.CancelAck{ID: u()}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		m := randMessage(r)
		b := wire.AppendFrame(nil, m)
		v, n, err := wire.ParseFrame(b)
		if err != nil || n != len(b) {
			t.Fatalf("ParseFrame(%v): n=%d err=%v", m, n, err)
		}
		if got := v.Message(); got != m {
			t.Fatalf("round trip: got %#v, want %#v", got, m)
		}
		j := wire.AppendJSON(nil, m)
		back, err := wire.ParseJSON(j)
		if err != nil || back != m {
			t.Fatalf("JSON round trip of %s: %#v, %v", j, back, err)
		}
		for _, pad := range []int{1, 7} {
			b[wire.LengthPrefixSize+pad] = 0xff
		}
		if v2, _, err := wire.ParseFrame(b); err != nil || !v2.Equal(v) {
			t.Fatalf("non-zero padding must be accepted and ignored: %v", err)
		}
	}
}

func TestVariantPointersEncodeLikeValues(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100; i++ {
		m := randMessage(r)
		p := reflect.New(reflect.TypeOf(m))
		p.Elem().Set(reflect.ValueOf(m))
		if a, b := wire.AppendFrame(nil, m), wire.AppendFrame(nil, p.Interface().(wire.Message)); !bytes.Equal(a, b) {
			t.Fatalf("%T: value %x, pointer %x", m, a, b)
		}
	}
}

func frameWith(mut func(f []byte)) []byte {
	f := wire.AppendOrder(nil, &wire.Order{ID: 1, Price: 2, Quantity: 3, Side: wire.Sell})
	mut(f)
	return f
}

func TestParseFrameErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		wantErr   error
		wantField string
		wantValue uint64
		wantText  string
	}{
		{"empty input", nil, io.ErrUnexpectedEOF, "", 0, ""},
		{"short prefix", []byte{48, 0}, io.ErrUnexpectedEOF, "", 0, ""},
		{"short payload", frameWith(func([]byte) {})[:30], io.ErrUnexpectedEOF, "", 0, ""},
		{"zero length", []byte{0, 0, 0, 0}, wire.ErrEmpty, "length", 0, "wire: frame at byte 0: field length: invalid value 0 (zero length prefix)"},
		{"oversized prefix", []byte{0xff, 0xff, 0xff, 0xff}, wire.ErrTooLarge, "length", 0xffffffff, ""},
		{"just over the limit", []byte{0x01, 0, 0, 0x01}, wire.ErrTooLarge, "length", 16<<20 + 1, ""},
		{"length 47", []byte{47, 0, 0, 0}, wire.ErrLength, "length", 47, ""},
		{"length 49 at the limit", []byte{0, 0, 0, 1}, wire.ErrLength, "length", 16 << 20, ""},
		{"tag 6", frameWith(func(f []byte) { f[4] = 6 }), wire.ErrTag, "tag", 6, "wire: frame at byte 0: field tag: invalid value 6 (invalid tag for enum)"},
		{"tag 255", frameWith(func(f []byte) { f[4] = 255 }), wire.ErrTag, "tag", 255, ""},
		{"side 2", frameWith(func(f []byte) { f[4+32] = 2 }), wire.ErrSide, "side", 2, "wire: frame at byte 0: field side: invalid value 2 (invalid side)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, err := wire.ParseFrame(tt.in)
			if !errors.Is(err, tt.wantErr) || n != 0 {
				t.Fatalf("got n=%d err=%v, want %v", n, err, tt.wantErr)
			}
			if tt.wantField == "" {
				return
			}
			var fe *wire.FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("got %T, want *wire.FrameError", err)
			}
			if fe.Field != tt.wantField || fe.Value != tt.wantValue {
				t.Errorf("got field %s value %d, want %s %d", fe.Field, fe.Value, tt.wantField, tt.wantValue)
			}
			if tt.wantText != "" && err.Error() != tt.wantText {
				t.Errorf("got %q, want %q", err, tt.wantText)
			}
		})
	}
}

func TestSideOnlyCheckedForOrders(t *testing.T) {
	for k := wire.Kind(0); k < wire.NumKinds; k++ {
		f := wire.AppendCancelAck(nil, 9)
		f[4] = byte(k)
		f[4+32] = 7
		_, _, err := wire.ParseFrame(f)
		if (k == wire.KindOrder) != errors.Is(err, wire.ErrSide) {
			t.Errorf("%v with byte 32 = 7: err %v", k, err)
		}
	}
}

func TestFrameSize(t *testing.T) {
	f := wire.AppendHeartbeat(nil, 5)
	for i := 0; i <= len(f); i++ {
		n, err := wire.FrameSize(f[:i])
		want := 0
		if i == len(f) {
			want = wire.FrameLen
		}
		if n != want || err != nil {
			t.Errorf("FrameSize(%d bytes) = %d, %v; want %d", i, n, err, want)
		}
	}
	if _, err := wire.FrameSize([]byte{0, 0, 0, 2}); !errors.Is(err, wire.ErrTooLarge) {
		t.Errorf("FrameSize of a 32 MiB prefix: %v", err)
	}
}

func stream(t testing.TB, n int, seed uint64) ([]byte, []wire.Message) {
	r := rand.New(rand.NewPCG(seed, seed))
	var b []byte
	var ms []wire.Message
	for i := 0; i < n; i++ {
		m := randMessage(r)
		ms = append(ms, m)
		b = wire.AppendFrame(b, m)
	}
	return b, ms
}

func feedAll(d *wire.Decoder, chunks [][]byte) ([]wire.Message, error) {
	var got []wire.Message
	for _, c := range chunks {
		if err := d.Feed(c, func(v wire.View) error { got = append(got, v.Message()); return nil }); err != nil {
			return got, err
		}
	}
	return got, d.Close()
}

func TestDecoderEverySplit(t *testing.T) {
	b, want := stream(t, 3, 7)
	for i := 0; i <= len(b); i++ {
		for j := i; j <= len(b); j++ {
			var d wire.Decoder
			got, err := feedAll(&d, [][]byte{b[:i], b[i:j], b[j:]})
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("split at %d,%d: got %v, %v", i, j, got, err)
			}
		}
	}
}

func TestDecoderByteAtATime(t *testing.T) {
	b, want := stream(t, 50, 8)
	var d wire.Decoder
	var chunks [][]byte
	for i := range b {
		chunks = append(chunks, b[i:i+1])
	}
	got, err := feedAll(&d, chunks)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d messages, %v; want %d", len(got), err, len(want))
	}
	if d.Offset() != int64(len(b)) {
		t.Errorf("Offset = %d, want %d", d.Offset(), len(b))
	}
}

func TestDecoderErrorOffsets(t *testing.T) {
	good, _ := stream(t, 3, 9)
	for _, bad := range [][]byte{
		frameWith(func(f []byte) { f[4] = 9 }),
		frameWith(func(f []byte) { f[36] = 3 }),
		{0, 0, 0, 0x10},
	} {
		b := append(append([]byte{}, good...), bad...)
		for split := 0; split <= len(b); split++ {
			var d wire.Decoder
			got, err := feedAll(&d, [][]byte{b[:split], b[split:]})
			var fe *wire.FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("split %d: err %v, want a FrameError", split, err)
			}
			if fe.Offset != int64(len(good)) || len(got) != 3 {
				t.Fatalf("split %d: offset %d after %d frames, want %d after 3", split, fe.Offset, len(got), len(good))
			}
			if err2 := d.Feed(good, func(wire.View) error { return nil }); err2 != err {
				t.Fatalf("decoder did not keep its error: %v", err2)
			}
		}
	}
}

func TestDecoderTruncated(t *testing.T) {
	b, _ := stream(t, 2, 10)
	var d wire.Decoder
	got, err := feedAll(&d, [][]byte{b[:len(b)-1]})
	if len(got) != 1 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %d messages, %v; want 1 and io.ErrUnexpectedEOF", len(got), err)
	}
}

func TestDecoderCallbackError(t *testing.T) {
	b, _ := stream(t, 4, 11)
	stop := errors.New("stop")
	var d wire.Decoder
	n := 0
	err := d.Feed(b, func(wire.View) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("got %v after %d calls", err, n)
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"Quote":{"id":1}}`, `unknown variant "Quote"`},
		{`{"Order":{"id":1,"price":2,"quantity":3}}`, `missing field "side"`},
		{`{"CancelAck":{"id":1,"extra":2}}`, `unknown field "extra" (CancelAck has id)`},
		{`{"CancelAck":{"id":18446744073709551616}}`, `out of range for u64`},
		{`{"CancelAck":{"id":-1}}`, `is not a u64`},
		{`{"CancelAck":{"id":1.5}}`, `is not a u64`},
		{`{"Order":{"id":1,"price":2,"quantity":3,"side":"Hold"}}`, `is not "Buy" or "Sell"`},
		{`{"Order":{"id":1,"price":2,"quantity":3,"side":1}}`, `is not "Buy" or "Sell"`},
		{`{}`, `want one variant key`},
		{`not json`, `bad message JSON`},
		{`{"Heartbeat":5}`, `body is not an object`},
	}
	for _, tt := range tests {
		_, err := wire.ParseJSON([]byte(tt.in))
		if !errors.Is(err, wire.ErrJSON) || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
			t.Errorf("ParseJSON(%s) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestKindAndSideStrings(t *testing.T) {
	if got := wire.KindCancelAck.String(); got != "CancelAck" {
		t.Errorf("got %q", got)
	}
	if got := wire.Kind(9).String(); got != "Kind(9)" {
		t.Errorf("got %q", got)
	}
	if got := wire.Sell.String() + wire.Side(4).String(); got != "SellSide(4)" {
		t.Errorf("got %q", got)
	}
}
