package echo

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// validPrefix returns the length of the whole valid frames at the start of
// data, and whether they make up all of it.
func validPrefix(data []byte) (int, bool) {
	n := 0
	for n < len(data) {
		_, k, err := wire.ParseFrame(data[n:])
		if err != nil {
			return n, false
		}
		n += k
	}
	return n, true
}

// FuzzEchoConn sends arbitrary bytes to a live echo server. The server must
// answer exactly the valid frames at the start; then it must keep the
// connection open if that was all of the input, and close it otherwise.
// Another connection must keep working throughout.
func FuzzEchoConn(f *testing.F) {
	valid := mixedFrames(6)
	badSide := wire.AppendOrder(nil, &wire.Order{ID: 1})
	badSide[wire.LengthPrefixSize+32] = 7
	f.Add([]byte{})
	f.Add(valid)
	f.Add(append(bytes.Clone(valid[:104]), badSide...))
	f.Add(valid[:100])
	f.Add(append(bytes.Clone(valid[:52]), 0xff, 0xff, 0xff, 0xff))
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{48, 0, 0, 0, 9})

	ts := startServer(f, WithLogger(nil))
	other := ts.dial(f)
	scratch := make([]byte, 2*wire.FrameLen)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, complete := validPrefix(data)
		c := ts.dial(t)
		werr := make(chan error, 1)
		go func() {
			_, err := c.Write(data)
			if !complete {
				c.CloseWrite()
			}
			werr <- err
		}()
		var got []byte
		var err error
		if complete {
			got = make([]byte, n)
			_, err = io.ReadFull(c, got)
		} else {
			got, err = io.ReadAll(c) // until the server closes
		}
		if err != nil {
			t.Fatalf("reading the replies: %v", err)
		}
		if !bytes.Equal(got, data[:n]) {
			t.Fatalf("got %d bytes of replies, want the %d bytes of the valid frames", len(got), n)
		}
		if err := <-werr; complete && err != nil {
			t.Fatalf("writing: %v", err)
		}
		if complete {
			if err := pingPong(c, 1, scratch); err != nil {
				t.Fatalf("the connection did not stay open after valid frames: %v", err)
			}
		}
		c.Close()
		other.SetDeadline(time.Now().Add(10 * time.Second))
		if err := pingPong(other, 2, scratch); err != nil {
			t.Fatalf("another connection: %v", err)
		}
	})
}
