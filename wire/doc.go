// Package wire encodes and decodes gigadex-events frames, byte for byte as
// the Rust crate gigadex-events writes them with rkyv.
//
// A frame is a 4-byte little-endian payload length followed by the payload.
// The payload is the rkyv archived form of the crate's Message enum: exactly
// [PayloadSize] (48) bytes for every variant. Byte 0 is the variant tag, bytes
// 1..7 are padding, and the fields are little-endian uint64 values at
// 8-byte-aligned offsets; an Order's side is one byte at offset 32 (Buy=0,
// Sell=1). Unused trailing bytes of smaller variants are written as zero.
//
//	tag  variant      fields (offset: name)
//	0    Heartbeat    8: timestamp (ns)
//	1    Order        8: id, 16: price, 24: quantity, 32: side
//	2    OrderAck     8: id, 16: timestamp (ns)
//	3    Trade        8: maker_id, 16: taker_id, 24: price, 32: quantity, 40: timestamp (ns)
//	4    CancelOrder  8: id
//	5    CancelAck    8: id
//
// Validation follows rkyv's check_archived_root: a tag above 5 and a side
// other than 0 or 1 are rejected, while padding bytes and the unused trailing
// bytes of smaller variants are ignored (rkyv accepts them non-zero, and so
// does this package). A payload length other than 48 is rejected, and a length
// prefix of 0 or above [MaxMessageSize] is rejected before anything is
// allocated.
//
// The package follows encoding/protowire: the caller owns the memory.
// The Append functions ([AppendFrame], [AppendOrder], ...) write into a
// caller's slice and allocate nothing when it has room. [ParseFrame] parses one
// frame in place and returns a [View], which reads fields straight out of the
// caller's buffer (the Go counterpart of rkyv's archived access); a View is
// valid only as long as that buffer is not overwritten. [Decoder] takes a
// stream in chunks of any size, down to one byte, and yields views without
// allocating. [View.Message] copies a view out into a [Message] value, and
// [Decode] does both at once, like the crate's decode: it returns a copy of
// the first frame's message and the bytes it took.
//
// The layout is exported for code that encodes or checks frames in place:
// [TagOffset], [Field1Offset] to [Field5Offset] and [SideOffset] name the
// bytes, [PutFrame] and [PutPayload] write a frame from its field slots,
// [PayloadDiff] compares a payload with one, and [FieldMasks] says which
// bits of each slot carry a field. [Kind.Label] and [ParseKind] give the
// lower-case names gigadex's flags and results use.
//
// Incomplete input is not a malformed frame: ParseFrame and Decode return
// [io.ErrUnexpectedEOF] when the buffer ends inside a frame that is valid so
// far (read more and try again), and [Decoder.Close] returns it when a stream
// ended inside a frame.
//
// The Append functions do not validate what they encode, so that encoding
// stays a copy: [Validate] checks a Message before it is sent (package
// client's Sender calls it), with the same errors a decoder gives.
//
// Errors are [*FrameError] values that name the byte offset, the field and
// the bad value, and wrap one of the sentinel errors ([ErrTag], [ErrSide],
// [ErrLength], [ErrEmpty], [ErrTooLarge]) for use with errors.Is. Validate
// also returns [ErrNotMessage] for a nil Message.
//
// Package client, above this one, sends and receives frames over TCP.
package wire
