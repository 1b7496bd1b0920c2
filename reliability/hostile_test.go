package reliability_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// verdict is what the server must do with a stream of bytes.
type verdict struct {
	replies int    // bytes of whole valid frames at the start: echoed back
	open    bool   // the rest is an incomplete frame, not yet invalid: keep the connection
	fault   string // otherwise, the fault the server logs ("" if the stream ended between frames)
}

// judge returns the verdict on data, sent whole; closed says whether the
// client then ends its stream. It follows package wire: the server checks
// each frame as a whole, and a length prefix as soon as it has its 4 bytes.
func judge(data []byte, closed bool) verdict {
	n := 0
	for {
		_, k, err := wire.ParseFrame(data[n:])
		switch {
		case err == nil:
			n += k
			continue
		case errors.Is(err, io.ErrUnexpectedEOF) && n == len(data):
			return verdict{replies: n, open: !closed}
		case errors.Is(err, io.ErrUnexpectedEOF) && !closed:
			return verdict{replies: n, open: true}
		case errors.Is(err, io.ErrUnexpectedEOF):
			return verdict{replies: n, fault: fmt.Sprintf("connection closed inside the frame at byte %d (%d of %d bytes received)", n, len(data)-n, wire.FrameLen)}
		}
		var fe *wire.FrameError
		if !errors.As(err, &fe) {
			panic(err)
		}
		fe.Offset += int64(n)
		return verdict{replies: n, fault: fe.Error()}
	}
}

func withLength(n uint32, rest ...byte) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, n), rest...)
}

// badFrame returns a valid frame of kind k changed by fn.
func badFrame(k wire.Kind, fn func(payload []byte)) []byte {
	var f []byte
	if k == wire.KindOrder {
		f = wire.AppendOrder(nil, &wire.Order{ID: 9, Price: 1, Quantity: 1})
	} else {
		f = wire.AppendHeartbeat(nil, 9)
	}
	fn(f[wire.LengthPrefixSize:])
	return f
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// hostileCase is one stream of bytes sent to the server.
type hostileCase struct {
	name        string
	in          []byte
	closeWrite  bool   // end the stream after in
	byteAtATime bool   // write in one byte at a time, with pauses
	fault       string // the fault the server must log; "" if it keeps the connection
}

func hostileCases() []hostileCase {
	rng := rand.New(rand.NewPCG(6, 6))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	valid := mixedFrames(6) // 312 bytes
	const (
		tagPos  = 0  // payload offset of the tag
		sidePos = 32 // payload offset of an Order's side
	)
	return []hostileCase{
		{name: "random bytes", in: random, fault: "wire: frame at byte 0: field length"},
		{name: "random bytes after valid frames", in: cat(valid, random[:1000]), fault: "wire: frame at byte 312: field length"},
		{name: "truncated frame then close", in: valid[:134], closeWrite: true,
			fault: "connection closed inside the frame at byte 104 (30 of 52 bytes received)"},
		{name: "truncated length prefix then close", in: valid[:54], closeWrite: true,
			fault: "connection closed inside the frame at byte 52 (2 of 52 bytes received)"},
		{name: "length prefix 2^32-1", in: cat(valid[:52], withLength(1<<32-1), make([]byte, 1<<20)),
			fault: "wire: frame at byte 52: field length: invalid value 4294967295 (length prefix exceeds MaxMessageSize)"},
		{name: "length prefix 16 MiB + 1", in: cat(valid[:104], withLength(16<<20+1, 1, 2, 3)),
			fault: "wire: frame at byte 104: field length: invalid value 16777217 (length prefix exceeds MaxMessageSize)"},
		{name: "length prefix 16 MiB", in: withLength(16 << 20),
			fault: "wire: frame at byte 0: field length: invalid value 16777216 (payload length is not 48)"},
		{name: "length prefix 49", in: cat(valid[:52], withLength(49)),
			fault: "wire: frame at byte 52: field length: invalid value 49 (payload length is not 48)"},
		{name: "length prefix 0", in: cat(valid[:52], withLength(0), valid),
			fault: "wire: frame at byte 52: field length: invalid value 0 (zero length prefix)"},
		{name: "valid frames one byte at a time", in: valid, byteAtATime: true},
		{name: "valid frames then close", in: valid, closeWrite: true},
		{name: "valid frames and half a frame", in: valid[:286]},
		{name: "bad tag one byte at a time", in: cat(valid[:104], badFrame(wire.KindHeartbeat, func(p []byte) { p[tagPos] = 6 })), byteAtATime: true,
			fault: "wire: frame at byte 104: field tag: invalid value 6 (invalid tag for enum)"},
		{name: "bad tag 255", in: cat(valid, badFrame(wire.KindHeartbeat, func(p []byte) { p[tagPos] = 255 }), valid),
			fault: "wire: frame at byte 312: field tag: invalid value 255 (invalid tag for enum)"},
		{name: "bad tag first", in: cat(badFrame(wire.KindHeartbeat, func(p []byte) { p[tagPos] = 7 }), valid),
			fault: "wire: frame at byte 0: field tag: invalid value 7 (invalid tag for enum)"},
		{name: "bad side 2", in: cat(valid[:156], badFrame(wire.KindOrder, func(p []byte) { p[sidePos] = 2 })),
			fault: "wire: frame at byte 156: field side: invalid value 2 (invalid side)"},
		{name: "bad side 255 one byte at a time", in: cat(valid[:52], badFrame(wire.KindOrder, func(p []byte) { p[sidePos] = 255 }), valid), byteAtATime: true,
			fault: "wire: frame at byte 52: field side: invalid value 255 (invalid side)"},
	}
}

// TestHostileInput sends each hostile stream on its own connection, all at
// once, while another client pings. The server must echo exactly the valid
// frames before the fault, then end the stream (the client reads EOF, not
// a reset) and log one line naming the client's address and the fault; a
// stream that is only valid frames, or valid frames and an incomplete
// frame, keeps its connection, and one that ends between frames is closed
// without a word. The pinging client must see no error.
func TestHostileInput(t *testing.T) {
	srv := startServer(t)
	p := startPinger(t, srv.addr, 100*time.Microsecond)
	cases := hostileCases()
	bad := 0
	t.Run("streams", func(t *testing.T) {
		for _, tc := range cases {
			if tc.fault != "" {
				bad++
			}
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				sendHostile(t, srv, tc)
			})
		}
	})
	p.halt()
	rtts, errs := p.phase()
	if len(errs) > 0 || len(rtts) == 0 {
		t.Errorf("pinging client: %d round trips, errors %v; want no error", len(rtts), errs)
	}
	if st := srv.Stats(); st.BadFrames != int64(bad) {
		t.Errorf("stats %+v: want %d bad frames", st, bad)
	}
}

func sendHostile(t *testing.T, srv *server, tc hostileCase) {
	v := judge(tc.in, tc.closeWrite)
	if (v.fault == "") != (tc.fault == "") || !strings.HasPrefix(v.fault, tc.fault) {
		t.Fatalf("case expects fault %q, package wire says %q", tc.fault, v.fault)
	}
	c := dialRaw(t, srv.addr)
	peer := c.LocalAddr().String()
	wrote := make(chan error, 1)
	go func() { wrote <- writeHostile(c, tc) }()
	got := make([]byte, v.replies)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading the %d bytes of replies: %v", v.replies, err)
	}
	if !bytes.Equal(got, tc.in[:v.replies]) {
		t.Fatalf("the replies differ from the %d bytes of valid frames sent", v.replies)
	}
	if v.open {
		if err := <-wrote; err != nil {
			t.Fatalf("writing: %v", err)
		}
		if k := len(tc.in) - v.replies; k > 0 { // complete the frame
			frame := wire.AppendHeartbeat(nil, 1)
			copy(frame, tc.in[v.replies:])
			if _, _, err := wire.ParseFrame(frame); err != nil {
				t.Fatalf("bad test: completing the last frame gives %v", err)
			}
			if _, err := c.Write(frame[k:]); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, wire.FrameLen)
			if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, frame) {
				t.Fatalf("after completing the last frame: reply %x, %v; want %x", got, err, frame)
			}
		}
		if err := roundTrip(c, 42); err != nil {
			t.Fatalf("the connection did not stay usable: %v", err)
		}
		if lines := srv.log.LinesWith(peer + ":"); len(lines) > 0 {
			t.Errorf("log: %q, want nothing about %s", lines, peer)
		}
		return
	}
	rest, err := io.ReadAll(c)
	if err != nil || len(rest) > 0 {
		t.Fatalf("after the replies: %d more bytes, error %v; want a clean end of stream", len(rest), err)
	}
	if v.fault == "" { // the client ended the stream between frames
		if lines := srv.log.LinesWith(peer + ":"); len(lines) > 0 {
			t.Errorf("log: %q, want nothing about %s", lines, peer)
		}
		return
	}
	var lines []string
	waitFor(2*time.Second, func() bool { lines = srv.log.LinesWith(peer + ":"); return len(lines) > 0 })
	if len(lines) != 1 || !strings.Contains(lines[0], v.fault) {
		t.Errorf("log: %q, want one line about %s with %q", lines, peer, v.fault)
	}
}

func writeHostile(c *net.TCPConn, tc hostileCase) error {
	var err error
	if tc.byteAtATime {
		for i := range tc.in {
			if _, err = c.Write(tc.in[i : i+1]); err != nil {
				break
			}
			time.Sleep(100 * time.Microsecond)
		}
	} else {
		_, err = c.Write(tc.in)
	}
	if tc.closeWrite {
		c.CloseWrite()
	}
	return err
}

// roundTrip sends one heartbeat on c and checks that it comes back.
func roundTrip(c net.Conn, ts uint64) error {
	out := wire.AppendHeartbeat(nil, ts)
	if _, err := c.Write(out); err != nil {
		return err
	}
	in := make([]byte, wire.FrameLen)
	if _, err := io.ReadFull(c, in); err != nil {
		return err
	}
	if !bytes.Equal(in, out) {
		return fmt.Errorf("reply %x to heartbeat %x", in, out)
	}
	return nil
}

// FuzzEchoNetwork writes the fuzzer's bytes to a live echo server over
// loopback. The server must not panic; it must echo exactly the longest
// prefix of valid frames; if the rest is an incomplete frame that is not
// yet invalid, the connection must stay open (completing that frame gets
// it echoed, or the connection closed if the completed frame is bad, and a
// heartbeat then makes a round trip), and otherwise the server must end
// the stream after the replies and log the fault with the client's
// address. Another connection, open throughout, must keep answering pings.
func FuzzEchoNetwork(f *testing.F) {
	valid := mixedFrames(6)
	f.Add([]byte{})
	f.Add(valid)
	f.Add(valid[:100])
	f.Add(cat(valid[:52], withLength(1<<32-1)))
	f.Add(cat(valid[:104], badFrame(wire.KindOrder, func(p []byte) { p[32] = 7 })))
	f.Add(cat(valid[:52], []byte{48, 0, 0, 0, 6}))

	srv := startServer(f, echo.WithIdleTimeout(30*time.Second))
	other := dialRaw(f, srv.addr)
	var ts uint64
	f.Fuzz(func(t *testing.T, data []byte) {
		v := judge(data, false)
		c := dialRaw(t, srv.addr)
		peer := c.LocalAddr().String()
		wrote := make(chan error, 1)
		go func() {
			_, err := c.Write(data)
			wrote <- err
		}()
		got := make([]byte, v.replies)
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("reading the %d bytes of replies: %v", v.replies, err)
		}
		if !bytes.Equal(got, data[:v.replies]) {
			t.Fatalf("the replies differ from the %d bytes of valid frames sent", v.replies)
		}
		if v.open {
			if err := <-wrote; err != nil {
				t.Fatalf("writing: %v", err)
			}
			fuzzCompleteFrame(t, c, data[v.replies:])
		} else {
			rest, err := io.ReadAll(c)
			if err != nil || len(rest) > 0 {
				t.Fatalf("after the replies: %d more bytes, error %v; want a clean end of stream after %q", len(rest), err, v.fault)
			}
			var lines []string
			waitFor(2*time.Second, func() bool { lines = srv.log.LinesWith(peer + ":"); return len(lines) > 0 })
			if !slicesContain(lines, v.fault) {
				t.Errorf("log: %q, want a line about %s with %q", lines, peer, v.fault)
			}
		}
		c.Close()
		ts++
		if err := roundTrip(other, ts); err != nil {
			// An idle timeout between inputs (the fuzzer can pause for
			// long) is no failure of the server.
			if st := srv.Stats(); st.Timeouts == 0 {
				t.Fatalf("the other connection: %v", err)
			}
			other = dialRaw(t, srv.addr)
		}
	})
}

// fuzzCompleteFrame completes the incomplete frame part with zero bytes
// and checks the server's answer: the frame's echo if it is valid, the end
// of the stream if not; then a heartbeat round trip if still open.
func fuzzCompleteFrame(t *testing.T, c net.Conn, part []byte) {
	if len(part) > 0 {
		frame := make([]byte, wire.FrameLen)
		copy(frame, part)
		if _, err := c.Write(frame[len(part):]); err != nil {
			t.Fatalf("the connection did not stay open after %d bytes of an incomplete frame: %v", len(part), err)
		}
		_, _, err := wire.ParseFrame(frame)
		if err != nil {
			rest, rerr := io.ReadAll(c)
			if rerr != nil || len(rest) > 0 {
				t.Fatalf("completed frame (%v): %d bytes back, error %v; want a clean end of stream", err, len(rest), rerr)
			}
			return
		}
		got := make([]byte, wire.FrameLen)
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, frame) {
			t.Fatalf("completed frame: reply %x, %v; want %x: the connection did not stay open", got, err, frame)
		}
	}
	if err := roundTrip(c, 7); err != nil {
		t.Fatalf("the connection did not stay open: %v", err)
	}
}

func slicesContain(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}
