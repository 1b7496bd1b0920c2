package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by [FrameError]. Returning them allocates nothing.
var (
	// ErrEmpty is a length prefix of zero.
	ErrEmpty = errors.New("wire: zero length prefix")
	// ErrTooLarge is a length prefix above MaxMessageSize.
	ErrTooLarge = errors.New("wire: length prefix exceeds MaxMessageSize")
	// ErrLength is a length prefix other than PayloadSize (48).
	ErrLength = errors.New("wire: payload length is not 48")
	// ErrTag is a variant tag above 5 (rkyv: "invalid tag for enum").
	ErrTag = errors.New("wire: invalid tag for enum")
	// ErrSide is an Order side byte other than 0 (Buy) or 1 (Sell).
	ErrSide = errors.New("wire: invalid side")
)

// FrameError describes a malformed frame: where it starts, which field is
// wrong and its value. It wraps one of the sentinel errors.
type FrameError struct {
	Offset int64  // byte offset of the frame in the stream or buffer
	Field  string // "length", "tag" or "side"
	Value  uint64 // the bad value
	Err    error  // ErrEmpty, ErrTooLarge, ErrLength, ErrTag or ErrSide
}

// Error reads like "wire: frame at byte 1040: field side: invalid value 7
// (invalid side)".
func (e *FrameError) Error() string {
	reason := e.Err.Error()
	if len(reason) > 6 && reason[:6] == "wire: " {
		reason = reason[6:]
	}
	return fmt.Sprintf("wire: frame at byte %d: field %s: invalid value %d (%s)", e.Offset, e.Field, e.Value, reason)
}

// Unwrap returns the sentinel error.
func (e *FrameError) Unwrap() error { return e.Err }

func frameError(off int64, field string, v uint64, err error) *FrameError {
	return &FrameError{Offset: off, Field: field, Value: v, Err: err}
}

// ErrNotMessage is returned by [Validate] for a nil Message, a nil pointer
// to a variant, or a type that is not one of the six variants.
var ErrNotMessage = errors.New("wire: not a message variant")

// Validate reports whether m can be sent: it returns [ErrNotMessage] when m
// is nil, a nil pointer or not one of the six variant types, and a
// [*FrameError] wrapping [ErrSide] (field "side", Offset 0) for an Order
// whose side is neither Buy nor Sell, the error a decoder gives for that
// frame. Every other value of the variants is valid. Validate allocates
// nothing for a valid message.
//
// The Append functions do not validate, so that they stay as cheap as a
// copy: a frame they write with a bad side is rejected by every decoder.
// Package client's Sender validates every message before buffering it.
func Validate(m Message) error {
	switch m := m.(type) {
	case Order:
		return checkSide(m.Side)
	case *Order:
		if m == nil {
			return ErrNotMessage
		}
		return checkSide(m.Side)
	case Heartbeat, OrderAck, Trade, CancelOrder, CancelAck:
		return nil
	case *Heartbeat:
		return notNil(m == nil)
	case *OrderAck:
		return notNil(m == nil)
	case *Trade:
		return notNil(m == nil)
	case *CancelOrder:
		return notNil(m == nil)
	case *CancelAck:
		return notNil(m == nil)
	}
	return ErrNotMessage
}

func checkSide(s Side) error {
	if s > Sell {
		return frameError(0, "side", uint64(s), ErrSide)
	}
	return nil
}

func notNil(isNil bool) error {
	if isNil {
		return ErrNotMessage
	}
	return nil
}
