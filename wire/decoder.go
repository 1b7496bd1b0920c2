package wire

import "io"

// Decoder parses a stream of frames that arrives in chunks of any size,
// down to one byte at a time. Whole frames inside a chunk are read in place;
// only a frame split across chunks is copied, into a fixed buffer inside the
// Decoder. It never allocates except to report a malformed frame.
//
// The zero Decoder is ready to use. A Decoder is not safe for concurrent use.
type Decoder struct {
	off     int64 // stream offset of the next byte to arrive
	n       int   // bytes of a split frame held in partial
	partial [FrameLen]byte
	err     error
}

// Offset returns the number of bytes fed so far that belong to whole frames
// or to the frame in progress.
func (d *Decoder) Offset() int64 { return d.off }

// Buffered reports how many bytes of an incomplete frame the Decoder holds.
func (d *Decoder) Buffered() int { return d.n }

// Feed parses p, calling fn with each complete frame in order. The View
// passed to fn is valid only until fn returns. Feed stops at the first error:
// a [*FrameError] (whose Offset counts from the start of the stream), or the
// error returned by fn. After a FrameError the Decoder keeps returning it.
func (d *Decoder) Feed(p []byte, fn func(View) error) error {
	if d.err != nil {
		return d.err
	}
	if d.n > 0 {
		k, err := d.fill(p)
		if err != nil {
			return d.fail(err)
		}
		p = p[k:]
		if d.n < FrameLen {
			return nil
		}
		d.n = 0
		if err := fn(View{(*[PayloadSize]byte)(d.partial[LengthPrefixSize:])}); err != nil {
			return err
		}
	}
	for len(p) >= FrameLen {
		v, n, err := ParseFrame(p)
		if err != nil {
			return d.fail(err)
		}
		d.off += int64(n)
		p = p[n:]
		if err := fn(v); err != nil {
			return err
		}
	}
	if len(p) > 0 {
		if len(p) >= LengthPrefixSize {
			if err := checkLength(le.Uint32(p), 0); err != nil {
				return d.fail(err)
			}
		}
		d.n = copy(d.partial[:], p)
		d.off += int64(d.n)
	}
	return nil
}

// fill tops up the split frame from p and returns how many bytes it took.
// It validates the frame as soon as the prefix, then the payload, is whole.
func (d *Decoder) fill(p []byte) (int, error) {
	start := d.n
	k := copy(d.partial[d.n:], p)
	d.n += k
	d.off += int64(k)
	if start < LengthPrefixSize && d.n >= LengthPrefixSize {
		if err := checkLength(le.Uint32(d.partial[:]), 0); err != nil {
			return k, err
		}
	}
	if d.n == FrameLen {
		if err := validate((*[PayloadSize]byte)(d.partial[LengthPrefixSize:]), 0); err != nil {
			return k, err
		}
	}
	return k, nil
}

// fail records a frame error, rebasing its offset onto the stream.
func (d *Decoder) fail(err error) error {
	if fe, ok := err.(*FrameError); ok {
		fe.Offset += d.frameStart()
	}
	d.err = err
	return err
}

// frameStart is the stream offset of the frame being parsed when an error is
// found: the frame in partial, or the next frame in the chunk.
func (d *Decoder) frameStart() int64 {
	if d.n > 0 {
		return d.off - int64(d.n)
	}
	return d.off
}

// Close reports [io.ErrUnexpectedEOF] when the stream ended inside a frame,
// and the Decoder's error if it has one.
func (d *Decoder) Close() error {
	if d.err != nil {
		return d.err
	}
	if d.n > 0 {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// Reset clears the Decoder for a new stream.
func (d *Decoder) Reset() { *d = Decoder{} }
