package wire

// PutPayload writes a whole payload of variant k: the tag with zero
// padding, then f1 to f5 in the field slots at [Field1Offset] to
// [Field5Offset]. Pass the variant's fields in declaration order and zero
// for the slots it does not use; an Order's side goes in the low byte of
// f4. The result is byte for byte what the Append functions write for the
// same message, in one store per slot: for load drivers that encode frames
// in place (see package client's Sender.Reserve). It does not validate.
func PutPayload(p *[PayloadSize]byte, k Kind, f1, f2, f3, f4, f5 uint64) {
	le.PutUint64(p[TagOffset:], uint64(k))
	le.PutUint64(p[Field1Offset:], f1)
	le.PutUint64(p[Field2Offset:], f2)
	le.PutUint64(p[Field3Offset:], f3)
	le.PutUint64(p[Field4Offset:], f4)
	le.PutUint64(p[Field5Offset:], f5)
}

// PutFrame writes a whole frame of variant k to f: the length prefix, then
// the payload as [PutPayload] writes it.
func PutFrame(f *[FrameLen]byte, k Kind, f1, f2, f3, f4, f5 uint64) {
	le.PutUint32(f[:], PayloadSize)
	PutPayload((*[PayloadSize]byte)(f[LengthPrefixSize:]), k, f1, f2, f3, f4, f5)
}

// FieldMasks returns, for variant k, the bits of the field slots 1 to 5
// (indexes 0 to 4) that carry a field: all 64 for a uint64 field, the low
// byte for an Order's side, none for a slot the variant does not use.
// Two payloads of variant k hold the same message when their slots agree
// on these bits, padding aside (the comparison [View.Equal] makes).
func FieldMasks(k Kind) [5]uint64 {
	if k >= NumKinds {
		return [5]uint64{}
	}
	return fieldMasks[k]
}

var fieldMasks = [NumKinds][5]uint64{
	KindHeartbeat:   {all},
	KindOrder:       {all, all, all, 0xff},
	KindOrderAck:    {all, all},
	KindTrade:       {all, all, all, all, all},
	KindCancelOrder: {all},
	KindCancelAck:   {all},
}

const all = ^uint64(0)

// PayloadDiff compares payload p with the message of variant k whose
// field slots hold f1 to f5 (as [PutPayload] takes them). It returns zero
// when they hold the same message, comparing the tag and the bits of
// [FieldMasks] only (padding and unused bytes aside, as [View.Equal]
// does), and non-zero otherwise: a check of an echoed frame in place,
// without a call per field. k must be below [NumKinds]; it allocates
// nothing.
func PayloadDiff(p *[PayloadSize]byte, k Kind, f1, f2, f3, f4, f5 uint64) uint64 {
	m := &fieldMasks[k]
	// Every variant has a whole uint64 in slot 1: no mask there.
	return uint64(p[TagOffset]^byte(k)) | (le.Uint64(p[Field1Offset:]) ^ f1) | (le.Uint64(p[Field2Offset:])^f2)&m[1] |
		(le.Uint64(p[Field3Offset:])^f3)&m[2] | (le.Uint64(p[Field4Offset:])^f4)&m[3] | (le.Uint64(p[Field5Offset:])^f5)&m[4]
}
