package wire

import (
	"fmt"
	"strings"
)

// Sizes of the wire format, in bytes.
const (
	// LengthPrefixSize is the size of the little-endian uint32 length that
	// starts every frame.
	LengthPrefixSize = 4
	// PayloadSize is the size of every archived Message: the size of its
	// largest variant, Trade.
	PayloadSize = 48
	// FrameLen is the size of one whole frame: prefix plus payload.
	FrameLen = LengthPrefixSize + PayloadSize
	// MaxMessageSize is the largest length prefix accepted (16 MiB), as in
	// the original crate. Any length other than PayloadSize is rejected, but
	// a prefix above this limit is reported as [ErrTooLarge].
	MaxMessageSize = 16 << 20
	// DefaultSendBufferSize is the default capacity of a send buffer: 64
	// KiB, where the Rust crate uses 4096 bytes. A larger buffer sends more
	// frames per write system call in a flood and costs nothing in latency;
	// package client's documentation gives the measurement.
	DefaultSendBufferSize = 64 << 10
	// DefaultRecvBufferSize is the default capacity of a receive buffer:
	// 64 KiB, where the Rust crate uses 4096 bytes, for the same reason: up
	// to 1260 frames per read system call instead of 78.
	DefaultRecvBufferSize = 64 << 10
)

// Byte offsets inside a payload (after the length prefix). The tag is one
// byte followed by 7 bytes of padding; each variant's fields fill the
// 8-byte slots 1 to 5 in the order the package documentation's table gives
// (an Order's side is the one byte at SideOffset, the start of slot 4).
const (
	TagOffset    = 0
	Field1Offset = 8
	Field2Offset = 16
	Field3Offset = 24
	Field4Offset = 32
	Field5Offset = 40
	SideOffset   = 32
)

// Kind is the variant tag of a Message: byte 0 of the payload.
type Kind uint8

// The variants, in the order of the Rust enum.
const (
	KindHeartbeat Kind = iota
	KindOrder
	KindOrderAck
	KindTrade
	KindCancelOrder
	KindCancelAck

	// NumKinds is the number of variants; valid tags are below it.
	NumKinds = 6
)

var (
	kindNames  = [NumKinds]string{"Heartbeat", "Order", "OrderAck", "Trade", "CancelOrder", "CancelAck"}
	kindLabels = [NumKinds]string{"heartbeat", "order", "order_ack", "trade", "cancel", "cancel_ack"}
)

// String returns the variant's name as the Rust enum spells it.
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Label returns the variant's name as gigadex's flags, results and logs
// spell it: "heartbeat", "order", "order_ack", "trade", "cancel",
// "cancel_ack".
func (k Kind) Label() string {
	if k < NumKinds {
		return kindLabels[k]
	}
	return k.String()
}

// ParseKind parses a variant's name in either spelling: the Rust enum's
// ("CancelOrder") or the label ("cancel"), case-insensitively, with
// "cancel_order" also accepted for CancelOrder.
func ParseKind(s string) (Kind, error) {
	for k := Kind(0); k < NumKinds; k++ {
		if strings.EqualFold(s, kindNames[k]) || strings.EqualFold(s, kindLabels[k]) {
			return k, nil
		}
	}
	if strings.EqualFold(s, "cancel_order") {
		return KindCancelOrder, nil
	}
	return 0, fmt.Errorf("wire: unknown message type %q (want %s)", s, strings.Join(kindLabels[:], ", "))
}

// Side is the side of an Order: one byte, Buy=0, Sell=1.
type Side uint8

// The two sides.
const (
	Buy  Side = 0
	Sell Side = 1
)

// String returns "Buy" or "Sell".
func (s Side) String() string {
	switch s {
	case Buy:
		return "Buy"
	case Sell:
		return "Sell"
	}
	return fmt.Sprintf("Side(%d)", uint8(s))
}

// Message is one of the six variants: [Heartbeat], [Order], [OrderAck],
// [Trade], [CancelOrder] or [CancelAck], as values. Putting a variant into a
// Message may allocate; hot paths use the per-variant Append functions and
// [View] instead.
type Message interface {
	Kind() Kind
}

// Heartbeat carries a timestamp in nanoseconds.
type Heartbeat struct {
	Timestamp uint64 // ns
}

// Order is a new order.
type Order struct {
	ID       uint64
	Price    uint64
	Quantity uint64
	Side     Side
}

// OrderAck acknowledges an Order.
type OrderAck struct {
	ID        uint64
	Timestamp uint64 // ns
}

// Trade is an execution between a maker and a taker order.
type Trade struct {
	MakerID   uint64
	TakerID   uint64
	Price     uint64
	Quantity  uint64
	Timestamp uint64 // ns
}

// CancelOrder asks to cancel an order.
type CancelOrder struct {
	ID uint64
}

// CancelAck acknowledges a CancelOrder.
type CancelAck struct {
	ID uint64
}

// Kind reports KindHeartbeat.
func (Heartbeat) Kind() Kind { return KindHeartbeat }

// Kind reports KindOrder.
func (Order) Kind() Kind { return KindOrder }

// Kind reports KindOrderAck.
func (OrderAck) Kind() Kind { return KindOrderAck }

// Kind reports KindTrade.
func (Trade) Kind() Kind { return KindTrade }

// Kind reports KindCancelOrder.
func (CancelOrder) Kind() Kind { return KindCancelOrder }

// Kind reports KindCancelAck.
func (CancelAck) Kind() Kind { return KindCancelAck }
