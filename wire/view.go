package wire

import "io"

// View reads the fields of one validated payload in place, without copying:
// the Go counterpart of rkyv's archived access. A View points into the buffer
// it was parsed from and is valid only until that buffer is overwritten (for
// a [Decoder], until the callback returns; for a client connection, until the
// next receive). The zero View is invalid; use only views returned by
// [ParseFrame], [ParsePayload] or a [Decoder].
type View struct {
	p *[PayloadSize]byte
}

// FrameSize returns the size of the frame at the start of buf, prefix
// included, when buf holds all of it, and 0 when buf holds less than a whole
// frame. It returns an error for a length prefix that can never be valid.
func FrameSize(buf []byte) (int, error) {
	if len(buf) < LengthPrefixSize {
		return 0, nil
	}
	if err := checkLength(le.Uint32(buf), 0); err != nil {
		return 0, err
	}
	if len(buf) < FrameLen {
		return 0, nil
	}
	return FrameLen, nil
}

func checkLength(n uint32, off int64) error {
	switch {
	case n == PayloadSize:
		return nil
	case n == 0:
		return frameError(off, "length", 0, ErrEmpty)
	case n > MaxMessageSize:
		return frameError(off, "length", uint64(n), ErrTooLarge)
	}
	return frameError(off, "length", uint64(n), ErrLength)
}

// ParseFrame parses and validates the frame at the start of b. It returns a
// View into b and the number of bytes the frame takes. When b holds less than
// a whole frame, and what it holds is not already invalid, it returns
// [io.ErrUnexpectedEOF]. A malformed frame gives a [*FrameError] with offset
// 0. ParseFrame allocates nothing except on a malformed frame.
func ParseFrame(b []byte) (View, int, error) {
	if len(b) >= FrameLen && le.Uint32(b) == PayloadSize {
		p := (*[PayloadSize]byte)(b[LengthPrefixSize:FrameLen])
		if err := validate(p, 0); err != nil {
			return View{}, 0, err
		}
		return View{p}, FrameLen, nil
	}
	return parseSlow(b)
}

// ValidFrames returns the length of the run of whole, valid frames at the
// start of b: a multiple of [FrameLen], len(b) rounded down when every
// whole frame is valid. It is ParseFrame for a batch, at about a nanosecond
// a frame, for servers that validate what they pass on without reading it;
// ParseFrame at the returned offset tells what ended the run (an
// incomplete frame, or the malformed one's error).
func ValidFrames(b []byte) int {
	n := 0
	for len(b)-n >= FrameLen {
		f := (*[FrameLen]byte)(b[n:])
		t := f[LengthPrefixSize+TagOffset]
		if le.Uint32(f[:]) != PayloadSize || t >= NumKinds ||
			(t == byte(KindOrder) && f[LengthPrefixSize+SideOffset] > byte(Sell)) {
			break
		}
		n += FrameLen
	}
	return n
}

func parseSlow(b []byte) (View, int, error) {
	if len(b) < LengthPrefixSize {
		return View{}, 0, io.ErrUnexpectedEOF
	}
	if err := checkLength(le.Uint32(b), 0); err != nil {
		return View{}, 0, err
	}
	return View{}, 0, io.ErrUnexpectedEOF
}

// ParsePayload validates a 48-byte payload (without its length prefix) and
// returns a View of it.
func ParsePayload(p []byte) (View, error) {
	if len(p) != PayloadSize {
		return View{}, frameError(0, "length", uint64(len(p)), ErrLength)
	}
	a := (*[PayloadSize]byte)(p)
	if err := validateAt(a, -LengthPrefixSize); err != nil {
		return View{}, err
	}
	return View{a}, nil
}

// validate applies rkyv's checks to a payload whose frame starts at off.
func validate(p *[PayloadSize]byte, off int64) error {
	t := p[TagOffset]
	if t >= NumKinds || (t == byte(KindOrder) && p[SideOffset] > byte(Sell)) {
		return validateAt(p, off)
	}
	return nil
}

func validateAt(p *[PayloadSize]byte, off int64) error {
	t := p[TagOffset]
	if t >= NumKinds {
		return frameError(off, "tag", uint64(t), ErrTag)
	}
	if t == byte(KindOrder) && p[SideOffset] > byte(Sell) {
		return frameError(off, "side", uint64(p[SideOffset]), ErrSide)
	}
	return nil
}

// Kind returns the variant tag.
func (v View) Kind() Kind { return Kind(v.p[TagOffset]) }

// Payload returns the 48 payload bytes the view reads. The slice aliases the
// parsed buffer.
func (v View) Payload() []byte { return v.p[:] }

// Field reads the little-endian uint64 at a payload offset (8, 16, 24, 32 or
// 40) whatever the variant: a fast, untyped accessor for hot paths that have
// already checked Kind.
func (v View) Field(off int) uint64 { return le.Uint64(v.p[off&^7%PayloadSize:]) }

// Heartbeat returns the view as a HeartbeatView; ok is false for another variant.
func (v View) Heartbeat() (HeartbeatView, bool) {
	return HeartbeatView(v), v.Kind() == KindHeartbeat
}

// Order returns the view as an OrderView; ok is false for another variant.
func (v View) Order() (OrderView, bool) { return OrderView(v), v.Kind() == KindOrder }

// OrderAck returns the view as an OrderAckView; ok is false for another variant.
func (v View) OrderAck() (OrderAckView, bool) { return OrderAckView(v), v.Kind() == KindOrderAck }

// Trade returns the view as a TradeView; ok is false for another variant.
func (v View) Trade() (TradeView, bool) { return TradeView(v), v.Kind() == KindTrade }

// CancelOrder returns the view as a CancelOrderView; ok is false for another variant.
func (v View) CancelOrder() (CancelOrderView, bool) {
	return CancelOrderView(v), v.Kind() == KindCancelOrder
}

// CancelAck returns the view as a CancelAckView; ok is false for another variant.
func (v View) CancelAck() (CancelAckView, bool) {
	return CancelAckView(v), v.Kind() == KindCancelAck
}

// HeartbeatView reads a Heartbeat in place; valid as long as its [View].
type HeartbeatView struct{ p *[PayloadSize]byte }

// Timestamp returns the heartbeat's timestamp (ns).
func (v HeartbeatView) Timestamp() uint64 { return le.Uint64(v.p[Field1Offset:]) }

// OrderView reads an Order in place; valid as long as its [View].
type OrderView struct{ p *[PayloadSize]byte }

// ID returns the order id.
func (v OrderView) ID() uint64 { return le.Uint64(v.p[Field1Offset:]) }

// Price returns the order price.
func (v OrderView) Price() uint64 { return le.Uint64(v.p[Field2Offset:]) }

// Quantity returns the order quantity.
func (v OrderView) Quantity() uint64 { return le.Uint64(v.p[Field3Offset:]) }

// Side returns the order side.
func (v OrderView) Side() Side { return Side(v.p[SideOffset]) }

// OrderAckView reads an OrderAck in place; valid as long as its [View].
type OrderAckView struct{ p *[PayloadSize]byte }

// ID returns the acknowledged order id.
func (v OrderAckView) ID() uint64 { return le.Uint64(v.p[Field1Offset:]) }

// Timestamp returns the acknowledgement's timestamp (ns).
func (v OrderAckView) Timestamp() uint64 { return le.Uint64(v.p[Field2Offset:]) }

// TradeView reads a Trade in place; valid as long as its [View].
type TradeView struct{ p *[PayloadSize]byte }

// MakerID returns the maker order id.
func (v TradeView) MakerID() uint64 { return le.Uint64(v.p[Field1Offset:]) }

// TakerID returns the taker order id.
func (v TradeView) TakerID() uint64 { return le.Uint64(v.p[Field2Offset:]) }

// Price returns the trade price.
func (v TradeView) Price() uint64 { return le.Uint64(v.p[Field3Offset:]) }

// Quantity returns the trade quantity.
func (v TradeView) Quantity() uint64 { return le.Uint64(v.p[Field4Offset:]) }

// Timestamp returns the trade timestamp (ns).
func (v TradeView) Timestamp() uint64 { return le.Uint64(v.p[Field5Offset:]) }

// CancelOrderView reads a CancelOrder in place; valid as long as its [View].
type CancelOrderView struct{ p *[PayloadSize]byte }

// ID returns the id of the order to cancel.
func (v CancelOrderView) ID() uint64 { return le.Uint64(v.p[Field1Offset:]) }

// CancelAckView reads a CancelAck in place; valid as long as its [View].
type CancelAckView struct{ p *[PayloadSize]byte }

// ID returns the id of the cancelled order.
func (v CancelAckView) ID() uint64 { return le.Uint64(v.p[Field1Offset:]) }

// Message copies the view out into a Message value (one of the six variant
// types, not a pointer). It may allocate.
func (v View) Message() Message {
	switch v.Kind() {
	case KindHeartbeat:
		return Heartbeat{Timestamp: le.Uint64(v.p[Field1Offset:])}
	case KindOrder:
		o, _ := v.Order()
		return Order{ID: o.ID(), Price: o.Price(), Quantity: o.Quantity(), Side: o.Side()}
	case KindOrderAck:
		a, _ := v.OrderAck()
		return OrderAck{ID: a.ID(), Timestamp: a.Timestamp()}
	case KindTrade:
		t, _ := v.Trade()
		return Trade{MakerID: t.MakerID(), TakerID: t.TakerID(), Price: t.Price(), Quantity: t.Quantity(), Timestamp: t.Timestamp()}
	case KindCancelOrder:
		return CancelOrder{ID: le.Uint64(v.p[Field1Offset:])}
	case KindCancelAck:
		return CancelAck{ID: le.Uint64(v.p[Field1Offset:])}
	}
	panic("wire: Message of an unvalidated View")
}

// CopyOrder copies the view into o when it is an Order; it never allocates.
func (v View) CopyOrder(o *Order) bool {
	ov, ok := v.Order()
	if ok {
		*o = Order{ID: ov.ID(), Price: ov.Price(), Quantity: ov.Quantity(), Side: ov.Side()}
	}
	return ok
}

// Equal reports whether two views hold the same message: the same tag and
// the same field values, ignoring padding and unused bytes as rkyv does.
func (v View) Equal(w View) bool {
	if v.p[TagOffset] != w.p[TagOffset] {
		return false
	}
	n := fieldBytes[v.p[TagOffset]]
	return string(v.p[Field1Offset:Field1Offset+n]) == string(w.p[Field1Offset:Field1Offset+n])
}

// EqualFrame reports whether v holds the same message as frame, a whole
// encoded frame such as the Append functions write, comparing the tag and
// the field bytes as Equal does. It does not validate frame.
func (v View) EqualFrame(frame []byte) bool {
	if len(frame) < FrameLen {
		return false
	}
	p := (*[PayloadSize]byte)(frame[LengthPrefixSize:FrameLen])
	return v.Equal(View{p})
}

// fieldBytes is the number of meaningful bytes after the 8-byte tag word of
// each variant.
var fieldBytes = [NumKinds]int{8, 25, 16, 40, 8, 8}
