package wire

import "encoding/binary"

var le = binary.LittleEndian

// grow extends b by one zeroed frame with its length prefix written, and
// returns the payload to fill in.
func grow(b []byte) ([]byte, *[PayloadSize]byte) {
	n := len(b)
	if cap(b)-n < FrameLen {
		nb := make([]byte, n, 2*cap(b)+FrameLen)
		copy(nb, b)
		b = nb
	}
	b = b[:n+FrameLen]
	f := (*[FrameLen]byte)(b[n:])
	*f = [FrameLen]byte{}
	le.PutUint32(f[:], PayloadSize)
	return b, (*[PayloadSize]byte)(f[LengthPrefixSize:])
}

// AppendHeartbeat appends a Heartbeat frame carrying ts (ns) to b. It
// allocates only when b lacks room for [FrameLen] more bytes.
func AppendHeartbeat(b []byte, ts uint64) []byte {
	b, p := grow(b)
	p[TagOffset] = byte(KindHeartbeat)
	le.PutUint64(p[Field1Offset:], ts)
	return b
}

// AppendOrder appends an Order frame to b. It allocates only when b lacks
// room for [FrameLen] more bytes. It does not check o.Side: a side other than
// Buy or Sell makes a frame that decoders reject ([Validate] checks it).
func AppendOrder(b []byte, o *Order) []byte {
	b, p := grow(b)
	p[TagOffset] = byte(KindOrder)
	le.PutUint64(p[Field1Offset:], o.ID)
	le.PutUint64(p[Field2Offset:], o.Price)
	le.PutUint64(p[Field3Offset:], o.Quantity)
	p[SideOffset] = byte(o.Side)
	return b
}

// AppendOrderAck appends an OrderAck frame to b.
func AppendOrderAck(b []byte, id, ts uint64) []byte {
	b, p := grow(b)
	p[TagOffset] = byte(KindOrderAck)
	le.PutUint64(p[Field1Offset:], id)
	le.PutUint64(p[Field2Offset:], ts)
	return b
}

// AppendTrade appends a Trade frame to b.
func AppendTrade(b []byte, t *Trade) []byte {
	b, p := grow(b)
	p[TagOffset] = byte(KindTrade)
	le.PutUint64(p[Field1Offset:], t.MakerID)
	le.PutUint64(p[Field2Offset:], t.TakerID)
	le.PutUint64(p[Field3Offset:], t.Price)
	le.PutUint64(p[Field4Offset:], t.Quantity)
	le.PutUint64(p[Field5Offset:], t.Timestamp)
	return b
}

// AppendCancelOrder appends a CancelOrder frame to b.
func AppendCancelOrder(b []byte, id uint64) []byte {
	b, p := grow(b)
	p[TagOffset] = byte(KindCancelOrder)
	le.PutUint64(p[Field1Offset:], id)
	return b
}

// AppendCancelAck appends a CancelAck frame to b.
func AppendCancelAck(b []byte, id uint64) []byte {
	b, p := grow(b)
	p[TagOffset] = byte(KindCancelAck)
	le.PutUint64(p[Field1Offset:], id)
	return b
}

// AppendFrame appends the frame of m to b. It panics if m is nil or not one
// of the six variant types (a programmer error), and does not check an
// Order's side; call [Validate] first for a message of unknown origin. Passing a value through the Message
// interface may allocate; hot paths call the per-variant functions.
func AppendFrame(b []byte, m Message) []byte {
	switch m := m.(type) {
	case Heartbeat:
		return AppendHeartbeat(b, m.Timestamp)
	case *Heartbeat:
		return AppendHeartbeat(b, m.Timestamp)
	case Order:
		return AppendOrder(b, &m)
	case *Order:
		return AppendOrder(b, m)
	case OrderAck:
		return AppendOrderAck(b, m.ID, m.Timestamp)
	case *OrderAck:
		return AppendOrderAck(b, m.ID, m.Timestamp)
	case Trade:
		return AppendTrade(b, &m)
	case *Trade:
		return AppendTrade(b, m)
	case CancelOrder:
		return AppendCancelOrder(b, m.ID)
	case *CancelOrder:
		return AppendCancelOrder(b, m.ID)
	case CancelAck:
		return AppendCancelAck(b, m.ID)
	case *CancelAck:
		return AppendCancelAck(b, m.ID)
	}
	panic("wire: AppendFrame of a non-variant type")
}

// AppendPayload appends a frame whose payload is a copy of v's. Re-sending a
// received view this way keeps every byte, padding included.
func AppendPayload(b []byte, v View) []byte {
	n := len(b)
	b, _ = grow(b)
	copy(b[n+LengthPrefixSize:], v.p[:])
	return b
}
