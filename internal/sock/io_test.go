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

// open opens a in mode m and checks the mode it got: m where the system
// has raw modes, Poller elsewhere.
func open(t *testing.T, a net.Conn, m sock.Mode) sock.IO {
	t.Helper()
	x, err := sock.Open(a, m)
	if err != nil {
		t.Fatal(err)
	}
	want := m
	if !sock.Raw {
		want = sock.Poller
	}
	if x.Mode() != want {
		t.Fatalf("Open(%v): mode %v, want %v", m, x.Mode(), want)
	}
	return x
}

var modes = []sock.Mode{sock.Poller, sock.Blocking, sock.BusyPoll}

// TestIO: in every mode, reads and writes behave as net.Conn's: data both
// ways, a large write that waits for room, ReadNow with and without data,
// the read deadline (also one closer than a Tick), io.EOF at the end of
// the stream, Close, and errors named like net.Conn's.
func TestIO(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			a, b := pair(t)
			x := open(t, a, m)

			// 4 MiB one way while the peer reads slowly: the write waits.
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

			buf := make([]byte, 16)
			if n, err := x.ReadNow(buf); n != 0 || err != sock.ErrWouldBlock {
				t.Fatalf("ReadNow with nothing sent: %d, %v; want ErrWouldBlock", n, err)
			}
			go b.Write([]byte("pong"))
			if n, err := x.Read(buf); err != nil || string(buf[:n]) != "pong" {
				t.Fatalf("Read: %q, %v", buf[:n], err)
			}
			b.Write([]byte("more"))
			if !x.WaitReadable(5 * time.Second) {
				t.Fatal("WaitReadable: not readable")
			}
			if n, err := x.ReadNow(buf); err != nil || string(buf[:n]) != "more" {
				t.Fatalf("ReadNow: %q, %v", buf[:n], err)
			}

			for _, d := range []time.Duration{5 * time.Millisecond, 3 * sock.Tick} {
				x.SetReadDeadline(time.Now().Add(d))
				start := time.Now()
				_, err := x.Read(buf)
				var ne net.Error
				if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() || !strings.HasPrefix(err.Error(), "read tcp 127.0.0.1:") {
					t.Fatalf("Read past a deadline %v ahead: %v", d, err)
				}
				if el := time.Since(start); el < d || el > d+2*time.Second {
					t.Fatalf("Read past a deadline %v ahead returned after %v", d, el)
				}
			}
			x.SetReadDeadline(time.Time{})

			b.(*net.TCPConn).CloseWrite()
			if n, err := x.Read(buf); n != 0 || err != io.EOF {
				t.Fatalf("Read at the end of the stream: %d, %v; want io.EOF", n, err)
			}
			x.Close()
			if _, err := x.Read(buf); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Read after Close: %v, want net.ErrClosed", err)
			}
			if _, err := x.Write(buf); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Write after Close: %v, want net.ErrClosed", err)
			}
		})
	}
}

// TestIOCloseWakesRead: Close from another goroutine ends a Read that
// waits, in every mode, with net.ErrClosed; Wake ends it with io.EOF in
// Blocking mode (the others end it with a past deadline).
func TestIOCloseWakesRead(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			a, _ := pair(t)
			x := open(t, a, m)
			time.AfterFunc(20*time.Millisecond, func() { x.Close() })
			if _, err := x.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Read ended by Close: %v, want net.ErrClosed", err)
			}
		})
	}
	a, _ := pair(t)
	x := open(t, a, sock.Blocking)
	time.AfterFunc(20*time.Millisecond, func() {
		x.SetReadDeadline(time.Unix(1, 0))
		x.Wake()
	})
	if _, err := x.Read(make([]byte, 8)); err != io.EOF && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read ended by Wake: %v, want io.EOF or a deadline", err)
	}
}

// TestIOReset: a reset by the peer is ECONNRESET, named like net.Conn's
// errors.
func TestIOReset(t *testing.T) {
	if !sock.Raw {
		t.Skip("net.Conn's own errors")
	}
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			a, b := pair(t)
			x := open(t, a, m)
			x.Write([]byte("x"))
			io.ReadFull(b, make([]byte, 1))
			b.(*net.TCPConn).SetLinger(0)
			b.Close()
			_, err := x.Read(make([]byte, 8))
			if !errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), "->127.0.0.1:") {
				t.Fatalf("Read after a reset: %v", err)
			}
		})
	}
}

// TestToPoller: a Blocking or BusyPoll connection moved to the poller
// keeps its read deadline and reads through Go's poller after.
func TestToPoller(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			a, b := pair(t)
			x := open(t, a, m)
			x.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
			p, err := sock.ToPoller(x)
			if err != nil || p.Mode() != sock.Poller {
				t.Fatalf("ToPoller: %v, %v", p.Mode(), err)
			}
			if _, err := p.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Read past the deadline kept: %v", err)
			}
			p.SetReadDeadline(time.Time{})
			go b.Write([]byte("ok"))
			buf := make([]byte, 8)
			if n, err := p.Read(buf); err != nil || string(buf[:n]) != "ok" {
				t.Fatalf("Read: %q, %v", buf[:n], err)
			}
		})
	}
}

// TestOpenWrapper: a connection that wraps a socket keeps its own Read and
// Write (Poller mode), whatever the mode asked.
func TestOpenWrapper(t *testing.T) {
	a, _ := pair(t)
	x, err := sock.Open(struct{ net.Conn }{a}, sock.Blocking)
	if err != nil || x.Mode() != sock.Poller {
		t.Fatalf("Open(wrapper, Blocking): %v, %v", x.Mode(), err)
	}
}

// TestModeNames: every mode's name parses back to it; others are errors.
func TestModeNames(t *testing.T) {
	for i, name := range []string{"auto", "poller", "blocking", "busy-poll"} {
		if got := sock.Mode(i).String(); got != name {
			t.Errorf("Mode(%d).String() = %q, want %q", i, got, name)
		}
		if m, err := sock.ParseMode(name); err != nil || m != sock.Mode(i) {
			t.Errorf("ParseMode(%q) = %v, %v; want %d", name, m, err, i)
		}
	}
	if got := sock.Mode(9).String(); got != "IOMode(9)" {
		t.Errorf("Mode(9).String() = %q", got)
	}
	for _, bad := range []string{"", "Auto", "block", "busypoll", "epoll"} {
		if _, err := sock.ParseMode(bad); err == nil || !strings.Contains(err.Error(), "unknown I/O mode") {
			t.Errorf("ParseMode(%q): %v", bad, err)
		}
	}
}

// TestPending counts the bytes waiting in the receive queue.
func TestPending(t *testing.T) {
	if !sock.Raw {
		t.Skip("no FIONREAD here")
	}
	a, b := pair(t)
	b.Write([]byte("12345"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := sock.Pending(a)
		if err != nil {
			t.Fatal(err)
		}
		if n == 5 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Pending = %d, want 5", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWriteNow: WriteNow writes what the socket takes and says when it
// takes no more, without waiting; WaitReadWrite then waits until the peer
// sends something (a peer blocked on its own writes is what it is for).
func TestWriteNow(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			a, b := pair(t)
			x := open(t, a, m)
			chunk := make([]byte, 64<<10)
			total := 0
			for range 4096 { // 256 MiB: more than any socket buffer
				n, err := x.WriteNow(chunk)
				total += n
				if err == sock.ErrWouldBlock {
					break
				}
				if err != nil || n != len(chunk) {
					t.Fatalf("WriteNow: %d, %v", n, err)
				}
			}
			if !sock.Raw {
				return // WriteNow waits as Write does
			}
			if total == 4096*len(chunk) {
				t.Fatal("WriteNow never found the socket full")
			}
			start := time.Now()
			x.WaitReadWrite(30 * time.Millisecond)
			if el := time.Since(start); el < 25*time.Millisecond {
				t.Fatalf("WaitReadWrite with nothing to read and no room returned after %v", el)
			}
			time.AfterFunc(20*time.Millisecond, func() { b.Write([]byte("r")) })
			start = time.Now()
			x.WaitReadWrite(10 * time.Second)
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("WaitReadWrite returned after %v with data to read", el)
			}
			buf := make([]byte, 1)
			if n, err := x.ReadNow(buf); n != 1 || err != nil {
				t.Fatalf("ReadNow after WaitReadWrite: %d, %v", n, err)
			}
		})
	}
}
