package client

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gigadex/gigadex/wire"
)

// Mix is the proportion of message types a load driver sends. The type of
// every message is a pure function of the seed, the connection and the
// message's sequence number, so a run is reproducible and a reply can be
// checked against what was sent without storing it.
type Mix struct {
	table [100]wire.Kind
	kinds []wire.Kind // kinds with a non-zero weight, in tag order
	tag   [wire.NumKinds]int
}

var mixNames = map[string]wire.Kind{
	"heartbeat":    wire.KindHeartbeat,
	"order":        wire.KindOrder,
	"order_ack":    wire.KindOrderAck,
	"trade":        wire.KindTrade,
	"cancel":       wire.KindCancelOrder,
	"cancel_order": wire.KindCancelOrder,
	"cancel_ack":   wire.KindCancelAck,
}

// TagName returns the name of a message type in results and logs:
// "heartbeat", "order", "order_ack", "trade", "cancel", "cancel_ack".
func TagName(k wire.Kind) string {
	return [wire.NumKinds]string{"heartbeat", "order", "order_ack", "trade", "cancel", "cancel_ack"}[k]
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
		k, ok := mixNames[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
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
		out[i] = TagName(k)
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
		fmt.Fprintf(&b, "%s=%d", TagName(k), n)
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

// appendMessage appends message seq of kind k. Every variant carries seq in
// its first field (a Heartbeat's timestamp, an Order's id, a Trade's
// maker_id), so a reply, echoed or acknowledged, names its request.
func appendMessage(b []byte, k wire.Kind, seq uint64) []byte {
	switch k {
	case wire.KindHeartbeat:
		return wire.AppendHeartbeat(b, seq)
	case wire.KindOrder:
		o := orderFor(seq)
		return wire.AppendOrder(b, &o)
	case wire.KindOrderAck:
		return wire.AppendOrderAck(b, seq, seq)
	case wire.KindTrade:
		t := tradeFor(seq)
		return wire.AppendTrade(b, &t)
	case wire.KindCancelOrder:
		return wire.AppendCancelOrder(b, seq)
	}
	return wire.AppendCancelAck(b, seq)
}

func orderFor(seq uint64) wire.Order {
	return wire.Order{ID: seq, Price: 100_000 + seq%1000, Quantity: 1 + seq%100, Side: wire.Side(seq & 1)}
}

func tradeFor(seq uint64) wire.Trade {
	return wire.Trade{MakerID: seq, TakerID: ^seq, Price: 100_000 + seq%1000, Quantity: 1 + seq%100, Timestamp: seq}
}
