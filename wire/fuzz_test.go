package wire_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

func seedFrames(f *testing.F) {
	for _, g := range loadGolden(f) {
		fr := dhex(f, g.FrameHex)
		f.Add(fr, uint16(7))
		f.Add(append(fr, fr[:9]...), uint16(30))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f}, uint16(1))
	f.Add([]byte{0, 0, 0, 0}, uint16(2))
}

// FuzzParseFrame: never panics; an accepted frame re-encodes to the same
// bytes once padding is cleared, and a rejected one is a FrameError or a
// short read.
func FuzzParseFrame(f *testing.F) {
	seedFrames(f)
	f.Fuzz(func(t *testing.T, b []byte, _ uint16) {
		v, n, err := wire.ParseFrame(b)
		if err != nil {
			var fe *wire.FrameError
			if !errors.As(err, &fe) && err != io.ErrUnexpectedEOF {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if n != wire.FrameLen {
			t.Fatalf("n = %d", n)
		}
		re := wire.AppendFrame(nil, v.Message())
		rv, _, err := wire.ParseFrame(re)
		if err != nil || !rv.Equal(v) {
			t.Fatalf("re-encoded frame differs: %x vs %x (%v)", re, b[:n], err)
		}
		if got, want := re, canonical(b[:n], v.Kind()); !bytes.Equal(got, want) {
			t.Fatalf("re-encoding %x gave %x, want %x", b[:n], got, want)
		}
	})
}

// canonical is the frame as this package writes it: padding and the unused
// trailing bytes of smaller variants cleared.
func canonical(frame []byte, k wire.Kind) []byte {
	used := [wire.NumKinds]int{16, 33, 24, 48, 16, 16}[k]
	c := append([]byte{}, frame...)
	clear(c[wire.LengthPrefixSize+1 : wire.LengthPrefixSize+8])
	clear(c[wire.LengthPrefixSize+used:])
	return c
}

// FuzzDecoderFeed: feeding the input whole, split at a fuzzed point, or a byte
// at a time yields the same frames and the same error, and the Decoder never
// holds more than one frame however large a prefix claims to be.
func FuzzDecoderFeed(f *testing.F) {
	seedFrames(f)
	f.Fuzz(func(t *testing.T, b []byte, split uint16) {
		run := func(chunks [][]byte) ([]string, string) {
			var d wire.Decoder
			var got []string
			var errText string
			for _, c := range chunks {
				err := d.Feed(c, func(v wire.View) error {
					got = append(got, string(wire.AppendPayload(nil, v)))
					return nil
				})
				if err != nil {
					errText = err.Error()
					break
				}
				if d.Buffered() >= wire.FrameLen {
					t.Fatalf("decoder buffers %d bytes", d.Buffered())
				}
			}
			return got, errText
		}
		s := int(split) % (len(b) + 1)
		whole, e1 := run([][]byte{b})
		parts, e2 := run([][]byte{b[:s], b[s:]})
		var bytewise [][]byte
		for i := range b {
			bytewise = append(bytewise, b[i:i+1])
		}
		single, e3 := run(bytewise)
		if e1 != e2 || e1 != e3 || len(whole) != len(parts) || len(whole) != len(single) {
			t.Fatalf("whole %d/%q, split@%d %d/%q, bytewise %d/%q", len(whole), e1, s, len(parts), e2, len(single), e3)
		}
		for i := range whole {
			if whole[i] != parts[i] || whole[i] != single[i] {
				t.Fatalf("frame %d differs", i)
			}
		}
	})
}
