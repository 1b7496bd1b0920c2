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
