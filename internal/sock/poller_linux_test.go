//go:build linux

package sock_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/sock"
)

// TestPollerIO: reads and writes through PollerIO behave as net.Conn's: data
// both ways, a large write that waits for room, io.EOF at the end of the
// stream, the read deadline, Close, and errors named like net.Conn's.
func TestPollerIO(t *testing.T) {
	if sock.NewPollerIO(struct{ net.Conn }{}) != nil {
		t.Error("a wrapper got a PollerIO")
	}
	a, b := pair(t)
	x := sock.NewPollerIO(a)
	if x == nil {
		t.Fatal("no PollerIO for a *net.TCPConn")
	}

	// 4 MiB one way while the peer reads slowly: the write waits for room.
	big := bytes.Repeat([]byte("gigadex!"), 512<<10)
	got := make(chan []byte, 1)
	go func() {
		var buf bytes.Buffer
		io.CopyN(&buf, b, int64(len(big)))
		got <- buf.Bytes()
	}()
	if n, err := x.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if g := <-got; !bytes.Equal(g, big) {
		t.Fatalf("the peer read %d bytes, not what was written", len(g))
	}

	// A read that waits for data, then one that meets the deadline.
	go b.Write([]byte("pong"))
	buf := make([]byte, 16)
	if n, err := x.Read(buf); err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("Read: %q, %v", buf[:n], err)
	}
	a.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := x.Read(buf)
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.HasPrefix(err.Error(), "read tcp 127.0.0.1:") {
		t.Fatalf("Read past the deadline: %v", err)
	}
	a.SetReadDeadline(time.Time{})

	// The end of the stream, then Close.
	b.(*net.TCPConn).CloseWrite()
	if n, err := x.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end of the stream: %d, %v; want io.EOF", n, err)
	}
	a.Close()
	if _, err := x.Read(buf); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v, want net.ErrClosed", err)
	}
	if _, err := x.Write(buf); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v, want net.ErrClosed", err)
	}
}

// TestPollerIOReset: a reset by the peer is ECONNRESET, named like
// net.Conn's errors.
func TestPollerIOReset(t *testing.T) {
	a, b := pair(t)
	x := sock.NewPollerIO(a)
	x.Write([]byte("x"))
	io.ReadFull(b, make([]byte, 1))
	b.(*net.TCPConn).SetLinger(0)
	b.Close()
	_, err := x.Read(make([]byte, 8))
	if !errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), "->127.0.0.1:") {
		t.Fatalf("Read after a reset: %v", err)
	}
}
