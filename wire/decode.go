package wire

// Decode decodes the frame at the start of b into a Message value, the
// counterpart of the crate's one-shot decode: it returns a copy of the
// message, which does not refer to b, and the number of bytes the frame
// takes ([FrameLen]), so that the next frame starts at b[n:].
//
// Errors are the same as [ParseFrame]'s: [io.ErrUnexpectedEOF] when b holds
// less than a whole frame and what it holds is not already invalid (read
// more and call again), and a [*FrameError] (Offset 0) for a malformed frame,
// which no amount of further input can fix. On error n is 0.
//
// Decode allocates the Message; [ParseFrame] reads the same frame in place
// without allocating.
func Decode(b []byte) (Message, int, error) {
	v, n, err := ParseFrame(b)
	if err != nil {
		return nil, 0, err
	}
	return v.Message(), n, nil
}
