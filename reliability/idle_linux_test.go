package reliability_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/testutil"
)

// Budgets of one idle connection in the server: Go heap plus goroutine
// stack (its read buffer included), and resident memory. The connections
// have each made one round trip, so the first page of a read buffer has
// been touched; the rest of a large buffer is resident only once used.
const (
	idleBudget    = 16 << 10 // heap + stack
	idleRSSBudget = 16 << 10 // without the race detector, which adds its own
)

// raiseOpenFiles raises this process's soft limit of open files towards
// want (at most to the hard limit) and skips the test if it ends up below
// need. The holder process, a Go program too, raises its own soft limit to
// its hard limit when it starts.
func raiseOpenFiles(t *testing.T, need, want uint64) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	if lim.Cur >= want {
		return
	}
	old := lim
	lim.Cur = min(want, lim.Max)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < need {
		t.Skipf("need %d open files in each of two processes, the limit is %d (hard %d): raise it with ulimit -n (setrlimit: %v)", need, old.Cur, old.Max, err)
	}
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) })
}

// TestIdleConnections opens 10,000 connections (1,000, and only with the
// default read buffer, with -short) from a holder process, each making one
// round trip (or, without -short and -race, echoing a 64 KiB burst, after
// which the server should give its large buffer back) and then staying
// idle, while one client pings the in-process server. It measures what an
// idle connection costs the server (heap, stack, RSS), logs it, and checks
// it against idleBudget and idleRSSBudget; the pinging client must see no
// error and a p99 within p99Bound of its baseline. The server's side of
// the connections is in this process and the clients' in the holder, so
// each process needs one descriptor per connection.
func TestIdleConnections(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 1_000
	}
	raiseOpenFiles(t, uint64(n+512), 25_000)
	tests := []struct {
		name    string
		opts    []echo.Option
		bufSize int
		burst   int           // bytes each connection echoes before it idles
		settle  time.Duration // wait after the connections are open, before measuring
		known   string        // a known fault: the case is skipped unless GIGADEX_KNOWN_BUGS is set
	}{
		{name: "default read buffer", bufSize: echo.DefaultReadBufferSize},
		{name: "default read buffer, idle after a 64 KiB burst", bufSize: echo.DefaultReadBufferSize, burst: 64 << 10,
			// Within two seconds of its last read, an idle connection gives
			// its large buffer back.
			opts: []echo.Option{echo.WithIdleTimeout(20 * time.Second)}, settle: 2*time.Second + 500*time.Millisecond},
		{name: "default read buffer, idle after a 64 KiB burst, no idle timeout", bufSize: echo.DefaultReadBufferSize, burst: 64 << 10,
			opts: []echo.Option{echo.WithIdleTimeout(0)}, settle: 2*time.Second + 500*time.Millisecond},
		{name: "512-byte read buffer", bufSize: echo.MinReadBufferSize, opts: []echo.Option{echo.WithReadBufferSize(echo.MinReadBufferSize)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.burst > 0 && (testing.Short() || raceEnabled) {
				t.Skip("skipped with -short and -race: 640 MiB of echoes, and RSS that the race detector inflates")
			}
			if tt.bufSize != echo.DefaultReadBufferSize && testing.Short() {
				t.Skip("-short: the default read buffer only")
			}
			if tt.known != "" {
				known(t, "%s", tt.known)
			}
			heap, stack, res := measureIdle(t, n, tt.burst, tt.settle, tt.opts...)
			perConn, rssPerConn := (heap+stack)/int64(n), res/int64(n)
			t.Logf("%d idle connections, read buffer %d B: heap %.1f MiB, stacks %.1f MiB, RSS %.1f MiB; per connection: heap %d B, stack %d B, RSS %d B",
				n, tt.bufSize, mib(heap), mib(stack), mib(res), heap/int64(n), stack/int64(n), rssPerConn)
			// Whatever the buffer, a connection holds at most one of it.
			limit := int64(tt.bufSize + idleBudget)
			if perConn > limit {
				t.Errorf("heap and stack %d B per idle connection, want at most %d (the read buffer and %d)", perConn, limit, idleBudget)
			}
			if !raceEnabled && rssPerConn > limit {
				t.Errorf("RSS %d B per idle connection, want at most %d (the read buffer and %d)", rssPerConn, limit, idleBudget)
			}
			if perConn > idleBudget || (!raceEnabled && rssPerConn > idleRSSBudget) {
				t.Errorf("heap and stack %d B, RSS %d B per idle connection, want at most %d and %d", perConn, rssPerConn, idleBudget, idleRSSBudget)
			}
		})
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// measureIdle starts a server, holds n idle connections to it from a holder
// process while a client pings, and returns how much the server's heap,
// goroutine stacks and the process's RSS grew.
func measureIdle(t *testing.T, n, burst int, settle time.Duration, opts ...echo.Option) (heap, stack, res int64) {
	srv := startServer(t, opts...)
	p := startPinger(t, srv.addr, time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	baseline, _ := p.phase()

	// FreeOSMemory collects garbage (twice, for what earlier servers left
	// in their buffer pools) and returns free memory to the system, so that
	// RSS counts what is in use.
	debug.FreeOSMemory()
	debug.FreeOSMemory()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	rss0 := rss(t, "self")

	h := startHolder(t, srv.addr, n, burst)
	if !waitFor(30*time.Second, func() bool { return srv.Stats().Active == int64(n+1) }) {
		t.Fatalf("%d connections open, want %d", srv.Stats().Active, n+1)
	}
	// Round trips while the connections are idle, not while they open.
	time.Sleep(200 * time.Millisecond)
	p.phase()
	time.Sleep(max(settle, time.Second))
	during, errs := p.phase()

	debug.FreeOSMemory()
	debug.FreeOSMemory() // buffers given back to the pool go at the second collection
	runtime.ReadMemStats(&m1)
	rss1 := rss(t, "self")

	h.release(t)
	if !waitFor(30*time.Second, func() bool { return srv.Stats().Active == 1 }) {
		t.Errorf("%d connections still open after the holder closed them all", srv.Stats().Active-1)
	}
	p.halt()
	if len(errs) > 0 {
		t.Errorf("pinging client: %v", errs)
	}
	if base, got := p99(baseline), p99(during); len(during) < 10 || got > p99Bound(base) {
		t.Errorf("pinging client: p99 %v over %d pings with %d idle connections, baseline %v; want at most %v",
			got, len(during), n, base, p99Bound(base))
	}
	return int64(m1.HeapAlloc) - int64(m0.HeapAlloc), int64(m1.StackInuse) - int64(m0.StackInuse), int64(rss1) - int64(rss0)
}

// holder is the child process that keeps the idle connections open.
type holder struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *testutil.Buffer
	stderr *testutil.Buffer
	waited chan struct{}
	err    error
}

// startHolder runs this test binary again as a holder that opens n
// connections to addr and waits until they are all open.
func startHolder(t *testing.T, addr string, n, burst int) *holder {
	h := &holder{
		cmd:    exec.Command(os.Args[0], "-test.run=^$"),
		stdout: &testutil.Buffer{},
		stderr: &testutil.Buffer{},
		waited: make(chan struct{}),
	}
	h.cmd.Env = append(os.Environ(), holdEnv+"="+addr, fmt.Sprintf("%s=%d", holdCountEnv, n), fmt.Sprintf("%s=%d", holdBurstEnv, burst))
	h.cmd.Stdout, h.cmd.Stderr = h.stdout, h.stderr
	var err error
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		h.err = h.cmd.Wait()
		close(h.waited)
	}()
	t.Cleanup(func() {
		h.stdin.Close()
		select {
		case <-h.waited:
		case <-time.After(30 * time.Second):
			h.cmd.Process.Kill()
			<-h.waited
		}
	})
	ready := waitFor(90*time.Second, func() bool {
		select {
		case <-h.waited:
			return true
		default:
			return strings.HasPrefix(h.stdout.String(), "ready")
		}
	})
	if !ready || !strings.HasPrefix(h.stdout.String(), "ready") {
		t.Fatalf("holder of %d connections: not ready (%v): %s", n, h.err, h.stderr)
	}
	return h
}

// release makes the holder close its connections and exit.
func (h *holder) release(t *testing.T) {
	h.stdin.Close()
	select {
	case <-h.waited:
		if h.err != nil {
			t.Errorf("holder: %v: %s", h.err, h.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("holder still running 30 s after its connections were released")
	}
}

// TestEchoIdleConnectionsStarveNoOne opens 40 connections to a "gigadex
// echo" process, one after the other, each making one round trip and then
// staying idle, then pings 1,000 times over one more connection: every
// first round trip of a new connection and every ping must take less than
// 100 ms, whether echo reads through Go's poller or, with --blocking, with
// blocking system calls.
func TestEchoIdleConnectionsStarveNoOne(t *testing.T) {
	const (
		idle  = 40
		pings = 1000
		bound = 100 * time.Millisecond
	)
	for _, mode := range []string{"poller", "blocking"} {
		t.Run(mode, func(t *testing.T) {
			args := []string{"--quiet"}
			if mode == "blocking" {
				args = append(args, "--blocking")
			}
			e := mustStartEcho(t, "127.0.0.1:0", args...)
			var worstFirst time.Duration
			for i := range idle {
				c := dialRaw(t, e.addr)
				start := time.Now()
				if err := roundTrip(c, uint64(i)); err != nil {
					t.Fatalf("connection %d: %v", i, err)
				}
				worstFirst = max(worstFirst, time.Since(start))
			}
			c := dialClient(t, e.addr)
			rtts := make([]time.Duration, 0, pings)
			for range pings {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				rtt, err := c.Ping(ctx)
				cancel()
				if err != nil {
					t.Fatalf("ping: %v", err)
				}
				rtts = append(rtts, rtt)
			}
			worstPing := slices.Max(rtts)
			if worstFirst > bound || worstPing > bound {
				t.Errorf("with up to %d idle connections: slowest first round trip %v, slowest of %d pings %v (p99 %v); want both under %v",
					idle, worstFirst.Round(time.Microsecond), pings, worstPing.Round(time.Microsecond), p99(rtts), bound)
			}
			t.Logf("slowest first round trip %v, pings p99 %v, max %v", worstFirst.Round(time.Microsecond), p99(rtts), worstPing.Round(time.Microsecond))
		})
	}
}
