package reliability_test

import (
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

// The run's planned length in TestDriverAgainstMisbehavingPeers, and the
// slack its bounds allow for the process to start and print.
const (
	misbehaveDuration = time.Second
	misbehaveDrain    = 2 * time.Second // the driver's default drain
	misbehaveSlack    = time.Second
)

// misbehavingPeer is a loopback peer that breaks the protocol in one way.
type misbehavingPeer struct {
	name string
	// start returns the peer's address, and arguments the client needs.
	start func(t *testing.T) (addr string, args []string)
	// dialStage: the client cannot even connect, so the run ends at the
	// connect timeout rather than at its duration and drain.
	dialStage bool
	// want is what stderr must say.
	want string
}

func misbehavingPeers() []misbehavingPeer {
	return []misbehavingPeer{
		{name: "never reads", start: func(t *testing.T) (string, []string) { return peerListener(t, holdConn), nil },
			want: "nothing measured"},
		{name: "never answers", start: func(t *testing.T) (string, []string) { return peerListener(t, drainConn), nil },
			want: "no reply came back"},
		{name: "never completes the TLS handshake", start: func(t *testing.T) (string, []string) {
			return peerListener(t, drainConn), []string{"--tls-ca", caFile(t)}
		}, dialStage: true, want: "the TLS handshake did not finish within the connect timeout"},
		{name: "full accept queue", start: func(t *testing.T) (string, []string) { return fullListener(t), nil },
			dialStage: true, want: "no answer within the connect timeout"},
		{name: "accepts and closes", start: func(t *testing.T) (string, []string) {
			return peerListener(t, func(c net.Conn) { c.Close() }), nil
		}, want: "without answering"},
		{name: "answers half a frame", start: func(t *testing.T) (string, []string) {
			return peerListener(t, func(c net.Conn) {
				buf := make([]byte, wire.FrameLen)
				if _, err := c.Read(buf); err == nil {
					c.Write(buf[:wire.FrameLen/2])
				}
				drainConn(c)
			}), nil
		}, want: "bytes of a 52-byte frame"},
		{name: "speaks HTTP", start: func(t *testing.T) (string, []string) {
			return peerListener(t, func(c net.Conn) {
				c.Read(make([]byte, 512))
				c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"))
				drainConn(c)
			}), nil
		}, want: `peer sent "HTTP/1.1 400 Bad Request...": not a gigadex-events peer`},
	}
}

// TestDriverAgainstMisbehavingPeers runs ping and flood (with a window far
// larger than the socket buffers) against each kind of misbehaving peer,
// all in parallel. Each run must exit 1 within its bound, print a complete
// JSON result that describes the failure, and say on stderr what went
// wrong. The bound is --duration + drain + 1 s, or the connect timeout +
// 1 s when the peer never lets the connection open (full accept queue, TLS
// handshake never answered). Then a run against each peer, with
// --reconnect so that it does not end by itself, gets SIGTERM or SIGINT at
// a random moment between 300 ms and 1.5 s after it starts: it must exit
// 130 within 1 s with a complete JSON result marked interrupted. With
// -short, each peer meets one command, ping or flood in turn, and the
// interrupted run the other.
func TestDriverAgainstMisbehavingPeers(t *testing.T) {
	t.Parallel()
	rng := signalRand(t)
	connectTimeout, connectArgs := connectTimeoutArgs(t)
	t.Logf("connect timeout %v %q", connectTimeout, connectArgs)
	for i, peer := range misbehavingPeers() {
		for j, cmd := range []string{"ping", "flood"} {
			plain, interrupted := true, true
			if testing.Short() {
				plain, interrupted = (i+j)%2 == 0, (i+j)%2 == 1
			}
			bound := misbehaveDuration + misbehaveDrain + misbehaveSlack
			if peer.dialStage {
				bound = connectTimeout + misbehaveSlack
			}
			if plain {
				t.Run(cmd+"/"+peer.name, func(t *testing.T) {
					t.Parallel()
					addr, extra := peer.start(t)
					args := append(misbehaveArgs(cmd, addr, misbehaveDuration), append(extra, connectArgs...)...)
					p := start(t, args...)
					started := time.Now()
					code := p.wait(t, bound+10*time.Second)
					took := time.Since(started)
					if code != 1 {
						t.Errorf("exit code %d, want 1\nstderr:\n%s", code, tail(p.stderr.String(), 2000))
					}
					if took > bound {
						t.Errorf("ran %v, want within %v", took.Round(time.Millisecond), bound)
					}
					run := readRun(t, p)
					if run.Interrupted || run.Received != 0 || len(run.ErrorSamples) == 0 {
						t.Errorf("interrupted %v, received %d, error samples %q: want the failure described", run.Interrupted, run.Received, run.ErrorSamples)
					}
					checkStderr(t, p, peer.want)
					if slicesContain(run.ErrorSamples, "tls: tls:") || strings.Contains(p.stderr.String(), "tls: tls:") {
						t.Errorf("an error repeats its prefix: %q", run.ErrorSamples)
					}
					t.Logf("exit %d after %v: %s", code, took.Round(time.Millisecond), strings.TrimSpace(tail(p.stderr.String(), 300)))
				})
			}
			// From 300 ms on, when the process has installed its handlers
			// and begun; a peer that never lets the connection open ends
			// the run at the connect timeout: signal it before then.
			window := 1200 * time.Millisecond
			if peer.dialStage {
				window = min(window, connectTimeout-700*time.Millisecond)
			}
			delay := 300*time.Millisecond + time.Duration(rng.Int64N(int64(window)))
			sig := []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}[rng.IntN(2)]
			if interrupted {
				t.Run(cmd+"/"+peer.name+"/"+sigName(sig)+"/"+delay.Round(time.Millisecond).String(), func(t *testing.T) {
					t.Parallel()
					addr, extra := peer.start(t)
					args := append(misbehaveArgs(cmd, addr, 30*time.Second), append(extra, "--reconnect")...)
					p := start(t, args...)
					p.waitHandlers(t)
					time.Sleep(delay)
					if p.exited() {
						t.Fatalf("exited before the signal: %s", tail(p.stderr.String(), 1000))
					}
					p.signal(t, sig)
					sent := time.Now()
					code := p.wait(t, 10*time.Second)
					if took := time.Since(sent); took > time.Second {
						t.Errorf("exited %v after %v, want within 1 s", took.Round(time.Millisecond), sigName(sig))
					}
					if code != 130 {
						t.Errorf("exit code %d after %v, want 130\nstderr:\n%s", code, sigName(sig), tail(p.stderr.String(), 2000))
					}
					if run := readRun(t, p); !run.Interrupted {
						t.Errorf("result not marked interrupted")
					}
				})
			}
		}
	}
}

// misbehaveArgs returns the arguments of a run of d with no warmup; flood's
// window is far larger than the socket buffers.
func misbehaveArgs(cmd, addr string, d time.Duration) []string {
	args := []string{cmd, "--addr", addr, "--duration", d.String(), "--warmup", "0", "--json", "--quiet"}
	if cmd == "ping" {
		return append(args, "--count", "0")
	}
	return append(args, "--window", "1000000", "--conns", "2")
}

// checkStderr fails the test unless stderr holds want, on one line.
func checkStderr(t *testing.T, p *proc, want string) {
	t.Helper()
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		if strings.Contains(line, want) {
			return
		}
	}
	t.Errorf("stderr does not say %q:\n%s", want, tail(p.stderr.String(), 2000))
}

// The connect timeout the binary uses: --connect-timeout 1s when it has the
// flag, the library's default otherwise.
var connectTimeoutFlag struct {
	once sync.Once
	has  bool
}

func connectTimeoutArgs(t *testing.T) (time.Duration, []string) {
	f := &connectTimeoutFlag
	f.once.Do(func() {
		out, _ := exec.Command(gigadex(t), "ping", "--help").CombinedOutput()
		f.has = strings.Contains(string(out), "--connect-timeout")
	})
	if f.has {
		return time.Second, []string{"--connect-timeout", "1s"}
	}
	return client.DefaultConnectTimeout, nil
}

// peerListener starts a loopback listener that hands each connection to
// serve; the listener and the connections are closed when the test ends.
func peerListener(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	addr, _ := testutil.Listen(t, serve)
	return addr
}

// holdConn keeps a connection open and never reads it.
func holdConn(net.Conn) {}

// drainConn reads and discards until the connection ends.
func drainConn(c net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// caFile writes a self-signed certificate for 127.0.0.1 as a PEM file and
// returns its path: a CA that a client can be given with --tls-ca.
func caFile(t *testing.T) string {
	t.Helper()
	cert, _ := testutil.SelfSigned(t)
	certFile, _ := testutil.WritePEM(t, cert)
	return certFile
}

// TestDriverReconnectBacksOff runs ping --reconnect for 3 s against a peer
// that accepts and closes every connection at once: the client must back
// off, a handful of connections a second rather than thousands, and still
// end at its duration.
func TestDriverReconnectBacksOff(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var times []time.Time
	addr := peerListener(t, func(c net.Conn) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		c.Close()
	})
	const d = 3 * time.Second
	p := start(t, append(misbehaveArgs("ping", addr, d), "--reconnect")...)
	started := time.Now()
	code := p.wait(t, d+misbehaveDrain+10*time.Second)
	if took := time.Since(started); took > d+misbehaveDrain+misbehaveSlack {
		t.Errorf("ran %v, want within %v", took.Round(time.Millisecond), d+misbehaveDrain+misbehaveSlack)
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	run := readRun(t, p)
	mu.Lock()
	n := len(times)
	var last time.Duration
	if n > 0 {
		last = times[n-1].Sub(times[0])
	}
	mu.Unlock()
	// Backoff from 20 ms doubling to 1 s, with equal jitter: 6 to 8
	// connections in the first 1.5 s, then 1 to 2 a second.
	perSec := float64(n) / d.Seconds()
	if n < 4 || perSec > 5 {
		t.Errorf("%d connections in %v (%.1f a second), want a handful a second", n, d, perSec)
	}
	if run.Reconnects == 0 && n > 1 {
		t.Errorf("result counts no reconnects for %d connections", n)
	}
	checkStderr(t, p, "without answering")
	t.Logf("%d connections in %v, the last %v after the first; %d reconnects", n, d, last.Round(time.Millisecond), run.Reconnects)
}
