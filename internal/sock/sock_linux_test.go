//go:build linux

package sock_test

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/sock"
)

func TestBlockingReadWrite(t *testing.T) {
	a, b := pair(t)
	if err := sock.SetBlocking(a, time.Second, time.Second); err != nil {
		t.Fatal(err)
	}
	go b.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(a, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v", buf, err)
	}
}

func TestRecvTimeoutEndsABlockedRead(t *testing.T) {
	a, _ := pair(t)
	if err := sock.SetBlocking(a, 50*time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	a.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	start := time.Now()
	_, err := a.Read(make([]byte, 1))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("read returned after %v", d)
	}
}

func TestWakeReader(t *testing.T) {
	a, _ := pair(t)
	if err := sock.SetBlocking(a, 0, 0); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, func() { sock.WakeReader(a) })
	if _, err := a.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
}

func TestNotASocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if err := sock.SetBlocking(a, 0, 0); !errors.Is(err, sock.ErrNotSocket) {
		t.Fatalf("got %v", err)
	}
}
