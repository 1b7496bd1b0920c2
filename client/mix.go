package client

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gigadex/gigadex/wire"
)

// Mix is the proportion of message types a load driver sends. The type of
// every message is a pure function of the seed, the connection and the
// message's sequence number, so a run is reproducible and a reply can be
// checked against what was sent without storing it. A connection's
// sequence of types repeats every 4096 messages.
type Mix struct {
	table [100]wire.Kind
	kinds []wire.Kind // kinds with a non-zero weight, in tag order
	tag   [wire.NumKinds]int
}

// ParseMix parses "order=90,cancel=10": percentages that add up to 100,
// over the names heartbeat, order, order_ack, trade, cancel (or
// cancel_order) and cancel_ack. A single name ("order") means 100%.
func ParseMix(s string) (Mix, error) {
	weights := map[wire.Kind]int{}
	total := 0
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, pct, hasPct := strings.Cut(part, "=")
		k, err := wire.ParseKind(strings.TrimSpace(name))
		if err != nil {
			return Mix{}, fmt.Errorf("mix %q: unknown message type %q (want heartbeat, order, order_ack, trade, cancel, cancel_ack)", s, name)
		}
		w := 100
		if hasPct {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(pct), "%"))
			if err != nil || n < 0 || n > 100 {
				return Mix{}, fmt.Errorf("mix %q: %q is not a percentage from 0 to 100", s, pct)
			}
			w = n
		}
		weights[k] += w
		total += w
	}
	if total != 100 {
		return Mix{}, fmt.Errorf("mix %q: percentages add up to %d, not 100", s, total)
	}
	return newMix(weights), nil
}

// mixOfMessages returns the Mix of a replayed list: its kinds, in the
// proportions they have in it (rounded to whole percents, at least 1 each).
func mixOfMessages(msgs []wire.Message) Mix {
	var n [wire.NumKinds]int
	for _, m := range msgs {
		n[m.Kind()]++
	}
	weights := map[wire.Kind]int{}
	total := 0
	for k, c := range n {
		if c > 0 {
			weights[wire.Kind(k)] = max(1, c*100/len(msgs))
			total += weights[wire.Kind(k)]
		}
	}
	for k := range weights { // make the table add up to at most 100
		for total > 100 && weights[k] > 1 {
			weights[k]--
			total--
		}
	}
	return newMix(weights)
}

// MixOf returns a Mix that sends only k.
func MixOf(k wire.Kind) Mix { return newMix(map[wire.Kind]int{k: 100}) }

func newMix(weights map[wire.Kind]int) Mix {
	var m Mix
	i := 0
	for k := wire.Kind(0); k < wire.NumKinds; k++ {
		w := weights[k]
		if w == 0 {
			continue
		}
		m.tag[k] = len(m.kinds)
		m.kinds = append(m.kinds, k)
		for j := 0; j < w; j++ {
			m.table[i] = k
			i++
		}
	}
	return m
}

// Tags returns the names of the message types the mix sends, in the order
// of the histogram tags.
func (m Mix) Tags() []string {
	out := make([]string, len(m.kinds))
	for i, k := range m.kinds {
		out[i] = k.Label()
	}
	return out
}

// String returns the mix in the form ParseMix takes.
func (m Mix) String() string {
	var b strings.Builder
	for _, k := range m.kinds {
		n := 0
		for _, t := range m.table {
			if t == k {
				n++
			}
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%d", k.Label(), n)
	}
	return b.String()
}

// kindAt returns the type of message seq of a connection's stream.
func (m *Mix) kindAt(key, seq uint64) wire.Kind {
	if len(m.kinds) == 1 {
		return m.kinds[0]
	}
	return m.table[splitmix(key^seq*0x9e3779b97f4a7c15)%100]
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// kindPeriod is the period of a connection's sequence of message types:
// the types of its first kindPeriod messages repeat (see kindTable).
const kindPeriod = 4096

// kindTable returns the types of a connection's first kindPeriod messages,
// which then repeat: message seq has type t[seq%kindPeriod]. Looking the
// type up costs less than hashing each sequence number, and over a period
// the mix's proportions are those of kindAt.
func (m *Mix) kindTable(key uint64) *[kindPeriod]wire.Kind {
	if len(m.kinds) == 1 {
		// One type: every connection shares one table, which stays in
		// cache however many connections look it up.
		return uniformKinds(m.kinds[0])
	}
	t := new([kindPeriod]wire.Kind)
	for i := range t {
		t[i] = m.kindAt(key, uint64(i))
	}
	return t
}

// uniformTables are the kind tables of single-type mixes, by type.
var uniformTables [wire.NumKinds]struct {
	once sync.Once
	t    [kindPeriod]wire.Kind
}

// uniformKinds returns the shared kind table of a mix of k alone.
func uniformKinds(k wire.Kind) *[kindPeriod]wire.Kind {
	u := &uniformTables[k]
	u.once.Do(func() {
		for i := range u.t {
			u.t[i] = k
		}
	})
	return &u.t
}

// appendMessage appends message seq of kind k. Every variant carries seq in
// its first field (a Heartbeat's timestamp, an Order's id, a Trade's
// maker_id), so a reply, echoed or acknowledged, names its request. The
// load drivers write a frame in place the same way: fieldsOf, then
// wire.PutFrame.
func appendMessage(b []byte, k wire.Kind, seq uint64) []byte {
	n := len(b)
	if cap(b)-n < wire.FrameLen {
		b = append(b, make([]byte, wire.FrameLen)...)
	} else {
		b = b[:n+wire.FrameLen]
	}
	f2, f3, f4, f5 := fieldsOf(k, seq)
	wire.PutFrame((*[wire.FrameLen]byte)(b[n:]), k, seq, f2, f3, f4, f5)
	return b
}

// fieldsOf returns the payload words in field slots 2 to 5 of message seq of
// kind k (its first field is seq, and its tag k): zero where the variant
// has no field, and an Order's side in the low byte of its word.
func fieldsOf(k wire.Kind, seq uint64) (f2, f3, f4, f5 uint64) {
	switch k {
	case wire.KindOrder:
		return 100_000 + seq&1023, 1 + seq&127, seq & 1, 0
	case wire.KindOrderAck:
		return seq, 0, 0, 0
	case wire.KindTrade:
		return ^seq, 100_000 + seq&1023, 1 + seq&127, seq
	}
	return 0, 0, 0, 0
}

// isEchoPayload reports whether payload p is message seq of kind k sent
// back unchanged (padding aside): isEcho on the raw bytes. A payload it
// accepts is a valid one.
func isEchoPayload(p *[wire.PayloadSize]byte, k wire.Kind, seq uint64) bool {
	f2, f3, f4, f5 := fieldsOf(k, seq)
	return wire.PayloadDiff(p, k, seq, f2, f3, f4, f5) == 0
}

// answeredByAck reports whether, under mode, message kind k is answered by
// an acknowledgement rather than an echo.
func answeredByAck(k wire.Kind, mode wire.Reply) bool {
	return mode != wire.ReplyEcho && (k == wire.KindOrder || k == wire.KindCancelOrder)
}

// isReplyPayload reports whether payload p is the right answer under mode
// to message seq of kind k: checkReply on the raw bytes. A payload it
// accepts is a valid one.
func isReplyPayload(p *[wire.PayloadSize]byte, k wire.Kind, seq uint64, mode wire.Reply) bool {
	if mode != wire.ReplyEcho {
		switch k {
		case wire.KindOrder:
			return p[wire.TagOffset] == byte(wire.KindOrderAck) && binary.LittleEndian.Uint64(p[wire.Field1Offset:]) == seq
		case wire.KindCancelOrder:
			return p[wire.TagOffset] == byte(wire.KindCancelAck) && binary.LittleEndian.Uint64(p[wire.Field1Offset:]) == seq
		}
	}
	return isEchoPayload(p, k, seq)
}

func orderFor(seq uint64) wire.Order {
	return wire.Order{ID: seq, Price: 100_000 + seq&1023, Quantity: 1 + seq&127, Side: wire.Side(seq & 1)}
}

func tradeFor(seq uint64) wire.Trade {
	return wire.Trade{MakerID: seq, TakerID: ^seq, Price: 100_000 + seq&1023, Quantity: 1 + seq&127, Timestamp: seq}
}
