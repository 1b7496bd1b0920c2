package echo_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/wire"
)

// TestBlockingIO serves blocking sockets: answers, idle timeouts and a
// graceful shutdown must work as with the network poller.
func TestBlockingIO(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithIOMode(echo.IOBlocking),
		echo.WithIdleTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(ctx, addr.String(), client.WithIOMode(client.IOBlocking), client.WithRecvTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 200; i++ {
		if _, err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Shutdown ends the pinging connection's blocked read promptly.
	c.SendFlush(wire.Heartbeat{Timestamp: 1})
	if _, err := c.Recv(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %v", d)
	}

	srv, addr, err = echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithIOMode(echo.IOBlocking),
		echo.WithIdleTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// A silent client is dropped after the idle timeout.
	idle, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle client: %v, want EOF", err)
	}
}

// TestBlockingIOLimit: past GOMAXPROCS-1 connections, the server falls back
// to the network poller, so every connection is still served.
func TestBlockingIOLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithIOMode(echo.IOBlocking))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var conns []*client.Conn
	for i := 0; i < 8; i++ {
		c, err := client.Dial(ctx, addr.String(), client.WithRecvTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for round := 0; round < 20; round++ {
		for i, c := range conns {
			if _, err := c.Ping(ctx); err != nil {
				t.Fatalf("round %d, connection %d: %v", round, i, err)
			}
		}
	}
}

// TestIOModes serves a few round trips in each I/O mode, and counts the
// connections read with raw calls in Stats.Raw.
func TestIOModes(t *testing.T) {
	for _, tc := range []struct {
		mode echo.IOMode
		raw  int64 // Stats.Raw with one connection
	}{
		{echo.IOAuto, 1},
		{echo.IOPoller, 0},
		{echo.IOBlocking, 1},
		{echo.IOBusyPoll, 1},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithLogger(nil), echo.WithIOMode(tc.mode))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			c, err := client.Dial(ctx, addr.String(), client.WithRecvTimeout(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for i := 0; i < 600; i++ { // past yieldEvery raw reads
				if _, err := c.Ping(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// The last reply is counted just after it is written.
			st := srv.Stats()
			for end := time.Now().Add(2 * time.Second); st.Replies < 600 && time.Now().Before(end); st = srv.Stats() {
				time.Sleep(time.Millisecond)
			}
			if st.Raw != tc.raw || st.Replies != 600 || st.BytesOut != 600*wire.FrameLen {
				t.Errorf("stats %+v: want Raw %d, 600 replies, %d bytes out", st, tc.raw, 600*wire.FrameLen)
			}
			start := time.Now()
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("shutdown took %v", d)
			}
		})
	}
}

// TestIOModeParse: every mode's name parses back to it; others are errors.
func TestIOModeParse(t *testing.T) {
	for m := echo.IOAuto; m <= echo.IOBusyPoll; m++ {
		if got, err := echo.ParseIOMode(m.String()); err != nil || got != m {
			t.Errorf("ParseIOMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	for _, bad := range []string{"", "block", "Poller", "busy"} {
		if _, err := echo.ParseIOMode(bad); err == nil {
			t.Errorf("ParseIOMode(%q): no error", bad)
		}
	}
}

// TestRawGivesWay: in auto mode a blocking connection keeps a P while it
// waits, so once more connections are open than GOMAXPROCS-1 (at least one)
// the blocking ones go back to the poller, and every connection is served;
// a connection that comes after the crowd has left is blocking again.
func TestRawGivesWay(t *testing.T) {
	for _, procs := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			raw := max(procs-1, 1) // connections that may be blocking at once
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			logger, logged := captureLog()
			srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithIOMode(echo.IOAuto), echo.WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			dial := func() *client.Conn {
				c, err := client.Dial(ctx, addr.String(), client.WithRecvTimeout(5*time.Second))
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			pingAll := func(conns []*client.Conn) {
				for i := 0; i < 50; i++ {
					for _, c := range conns {
						if _, err := c.Ping(ctx); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			var conns []*client.Conn
			for range raw {
				conns = append(conns, dial())
			}
			pingAll(conns)
			if st := srv.Stats(); st.Raw != int64(raw) {
				t.Fatalf("%d connections: Stats.Raw %d, want %d", raw, st.Raw, raw)
			}
			conns = append(conns, dial())
			pingAll(conns)
			if st := srv.Stats(); st.Raw != 0 {
				t.Errorf("%d connections: Stats.Raw %d, want 0", len(conns), st.Raw)
			}
			if l := logged(); l != "" {
				t.Errorf("log %q: auto mode changes mode without a log line", l)
			}
			for _, c := range conns {
				c.Close()
			}
			for st := srv.Stats(); st.Active > 0; st = srv.Stats() {
				if ctx.Err() != nil {
					t.Fatalf("connections still open: %+v", st)
				}
				time.Sleep(time.Millisecond)
			}
			last := dial()
			defer last.Close()
			pingAll([]*client.Conn{last})
			if st := srv.Stats(); st.Raw != 1 {
				t.Errorf("after the others left: Stats.Raw %d, want 1", st.Raw)
			}
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestRawRuleFollowsGOMAXPROCS: the auto rule reads GOMAXPROCS when it
// decides, not when the server was made (the runtime changes it when a
// container's CPU limit changes).
func TestRawRuleFollowsGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithIOMode(echo.IOAuto), echo.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	runtime.GOMAXPROCS(2) // one connection may be blocking now
	var conns []*client.Conn
	for range 3 {
		c, err := client.Dial(ctx, addr.String(), client.WithRecvTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for range 50 {
		for _, c := range conns {
			if _, err := c.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st := srv.Stats(); st.Raw != 0 {
		t.Errorf("3 connections at GOMAXPROCS=2: Stats.Raw %d, want 0", st.Raw)
	}
}

// TestExplicitModeGivesWayLogged: with GOMAXPROCS=1 a connection of an
// explicitly chosen blocking mode gives way to the poller when a second
// one opens, and says so once on the log.
func TestExplicitModeGivesWayLogged(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	logger, logged := captureLog()
	srv, addr, err := echo.Start(ctx, "127.0.0.1:0", echo.WithIOMode(echo.IOBlocking), echo.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var conns []*client.Conn
	for range 2 {
		c, err := client.Dial(ctx, addr.String(), client.WithRecvTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
		for range 20 {
			if _, err := c.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range conns {
		if _, err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if st := srv.Stats(); st.Raw != 0 {
		t.Errorf("two connections at GOMAXPROCS=1: Stats.Raw %d, want 0", st.Raw)
	}
	if l := logged(); strings.Count(l, "give way to the network poller") != 1 {
		t.Errorf("log %q: want one line about the change of mode", l)
	}
}

// captureLog returns a logger for a server, and a function that returns
// what it logged so far.
func captureLog() (*log.Logger, func() string) {
	var logs strings.Builder
	var mu sync.Mutex
	l := log.New(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), "", 0)
	return l, func() string {
		mu.Lock()
		defer mu.Unlock()
		return logs.String()
	}
}
