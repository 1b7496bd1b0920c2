package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
)

func TestEchoCheckAddr(t *testing.T) {
	tests := []struct {
		addr string
		want string // in the error; "" for no error
	}{
		{"127.0.0.1:0", ""},
		{"127.0.0.1:65535", ""},
		{":9000", ""},
		{"[::1]:9000", ""},
		{"localhost:http", ""},
		{"127.0.0.1", "missing port"},
		{"127.0.0.1:", "missing port"},
		{"127.0.0.1:65536", "out of range"},
		{"127.0.0.1:-1", "out of range"},
		{"127.0.0.1:nosuchservice", "neither a number nor a known service"},
		{"::1:9000", "too many colons"},
	}
	for _, tt := range tests {
		_, err := parseListenAddr(tt.addr)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v, want no error", tt.addr, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: %v, want an error saying %q", tt.addr, err, tt.want)
		}
	}
}

func TestEchoStamp(t *testing.T) {
	at := time.Date(2026, 11, 29, 10, 12, 1, 123456789, time.FixedZone("CET", 3600))
	if got, want := echoStamp(at), "2026-11-29T09:12:01.123Z"; got != want {
		t.Errorf("echoStamp = %q, want %q", got, want)
	}
	if _, err := time.Parse(time.RFC3339Nano, echoStamp(at)); err != nil {
		t.Error(err)
	}
}

// TestEchoIOFlag: --io takes the four modes (auto by default), --blocking
// and --busy-poll are its aliases, and contradictions are usage errors.
func TestEchoIOFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // the usage error, or "" for success
	}{
		{nil, ""},
		{[]string{"--io", "auto"}, ""},
		{[]string{"--io", "poller"}, ""},
		{[]string{"--io", "blocking"}, ""},
		{[]string{"--io", "busy-poll"}, ""},
		{[]string{"--blocking"}, ""},
		{[]string{"--busy-poll"}, ""},
		{[]string{"--io", "blocking", "--blocking"}, ""},
		{[]string{"--io", "epoll"}, `--io "epoll": want auto, poller, blocking or busy-poll`},
		{[]string{"--io", "poller", "--blocking"}, "--blocking contradicts --io poller"},
		{[]string{"--blocking", "--busy-poll"}, "--busy-poll contradicts"},
	} {
		var stdout, stderr strings.Builder
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		args := append([]string{"gigadex", "echo", "--addr", "127.0.0.1:0", "--quiet"}, tt.args...)
		code := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
		cancel()
		if tt.want != "" {
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("%q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr.String(), exitUsage, tt.want)
			}
			continue
		}
		if code == exitUsage {
			t.Errorf("%q: usage error: %s", tt.args, stderr.String())
		}
	}
	for _, tt := range []struct {
		mode echo.IOMode
		tls  bool
		want string
	}{
		{echo.IOAuto, false, "blocking"},
		{echo.IOBlocking, false, "blocking"},
		{echo.IOBusyPoll, false, "busy-poll"},
		{echo.IOPoller, false, ""},
		{echo.IOAuto, true, ""},
	} {
		if got := echoRawLabel(tt.mode, tt.tls); got != tt.want {
			t.Errorf("echoRawLabel(%v, tls %v) = %q, want %q", tt.mode, tt.tls, got, tt.want)
		}
	}
}

// TestEchoStatsLineRaw: the stats line counts the raw connections after the
// open ones, and only when some may be raw.
func TestEchoStatsLineRaw(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 12, 1, 123e6, time.UTC)
	for _, tt := range []struct {
		raw  string
		want string
	}{
		{"blocking", "2026-11-29T09:12:01.123Z stats: conns active 3 (blocking 1), msgs/s 100,"},
		{"busy-poll", "stats: conns active 3 (busy-poll 1), msgs/s"},
		{"", "stats: conns active 3, msgs/s 100,"},
	} {
		var b strings.Builder
		echoStatsLine(&b, at, echo.Stats{Active: 3, Raw: 1, Messages: 100}, echo.Stats{}, time.Second, tt.raw, false)
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("label %q: %q, want it to contain %q", tt.raw, b.String(), tt.want)
		}
	}
}

// TestEchoBookFlags: --reply book adds the book's counts to the totals
// line; --heartbeat, --service-time and --book-max-orders refuse what they
// cannot honour.
func TestEchoBookFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // the usage error, or a part of stdout
		code int
	}{
		{[]string{"--reply", "book", "--heartbeat", "10ms", "--service-time", "1us", "--book-max-orders", "5"},
			"handshake failures 0, orders 0, trades 0, cancels 0, unknown cancels 0, resting orders 0, price levels 0, not rested 0\n", 0},
		{[]string{"--reply", "exchange", "--service-time", "1ms"}, "handshake failures 0\n", 0},
		{[]string{"--book-max-orders", "0"}, `--book-max-orders "0"`, exitUsage},
		{[]string{"--service-time", "-1s"}, `--service-time "-1s"`, exitUsage},
		{[]string{"--heartbeat", "10us"}, `--heartbeat "10us"`, exitUsage},
	} {
		var stdout, stderr strings.Builder
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		args := append([]string{"gigadex", "echo", "--addr", "127.0.0.1:0", "--quiet"}, tt.args...)
		code := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
		cancel()
		if tt.code == exitUsage {
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("%q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr.String(), exitUsage, tt.want)
			}
			continue
		}
		if code == exitUsage || !strings.Contains(stdout.String(), tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want stdout to contain %q", tt.args, code, stdout.String(), stderr.String(), tt.want)
		}
	}
}

// stuckWriter takes its first Write (echo's "listening on" line) and
// blocks every later one until the test ends, as a pipe nobody reads does
// once it is full.
type stuckWriter struct {
	first chan string
	stuck chan struct{}
	n     int
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	if w.n++; w.n == 1 {
		w.first <- string(p)
		return len(p), nil
	}
	<-w.stuck
	return 0, io.ErrClosedPipe
}

// TestEchoStdoutNotRead: with a stdout that takes nothing after its first
// line, echo still stops at a signal, and says the totals were not written
// (exit 1) instead of hanging.
func TestEchoStdoutNotRead(t *testing.T) {
	w := &stuckWriter{first: make(chan string, 1), stuck: make(chan struct{})}
	defer close(w.stuck)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"gigadex", "echo", "--addr", "127.0.0.1:0", "--stats-interval", "100ms", "--grace", "100ms"},
			strings.NewReader(""), w, &stderr)
	}()
	var addr string
	select {
	case line := <-w.first:
		addr = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	case <-time.After(10 * time.Second):
		t.Fatal("echo did not start")
	}
	c, err := client.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // something happens in a few stats intervals
		if _, err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
	}
	c.Close()
	cancel()
	select {
	case code := <-done:
		if code != exitRunError || !strings.Contains(stderr.String(), "stdout is not being read") {
			t.Errorf("exit %d, stderr %q; want %d and a line saying stdout is not being read", code, stderr.String(), exitRunError)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("echo with a stdout nobody reads did not stop at the signal within 10 s")
	}
}

// syncBuffer is a strings.Builder that a running command and a test may
// use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
