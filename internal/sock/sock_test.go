package sock_test

import (
	"errors"
	"net"
	"testing"

	"github.com/gigadex/gigadex/internal/sock"
)

// pair returns the two ends of a loopback TCP connection, closed when the
// test ends.
func pair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// TestSupported: where the fast path is missing, every call says so with
// ErrUnsupported, so that callers fall back to Go's network poller.
func TestSupported(t *testing.T) {
	a, _ := pair(t)
	err := sock.SetBlocking(a, sock.Tick, 0)
	if sock.Supported != (err == nil) || (!sock.Supported && !errors.Is(err, sock.ErrUnsupported)) {
		t.Fatalf("Supported %v, SetBlocking: %v", sock.Supported, err)
	}
	if _, err := sock.FD(a); err != nil {
		t.Fatalf("FD: %v", err)
	}
}
