package wire

// FirstField returns the first field of the payload, whatever the variant:
// a Heartbeat's timestamp, the id of an Order, OrderAck, CancelOrder or
// CancelAck, a Trade's maker_id. Load drivers put a message's sequence
// number there, so a reply names its request whether it is an echo or an
// acknowledgement. It reads 8 bytes in place and allocates nothing.
func (v View) FirstField() uint64 { return le.Uint64(v.p[Field1Offset:]) }
