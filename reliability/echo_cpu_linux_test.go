package reliability_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoClockTicks is the unit of the CPU times in /proc/PID/stat (USER_HZ,
// 100 a second on every Linux architecture Go supports).
const echoClockTicks = 100

// echoCPUTime returns the CPU time (user and system) a process has used.
func echoCPUTime(t testing.TB, pid string) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted from after it, where the third field is state (field 3).
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		t.Fatalf("/proc/%s/stat: unexpected format: %q", pid, b)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%s/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / echoClockTicks
}

// TestEchoIdleClientsCostNoCPU holds idle clients on a "gigadex echo"
// process for 5 s and counts the CPU time the process uses meanwhile, for
// every combination of TLS on or off and the default idle timeout or none.
// Half the clients made a round trip (over TLS, after a handshake) before
// going quiet; the other half never sent a byte (over TLS, they never
// started a handshake). Idle connections cost a wakeup a second each (the
// process uses 30 to 90 ms of CPU in the 5 s), so it must stay below
// idleCPUBudget; a connection loop that spins burns a CPU (a server with two
// such clients used 2.9 CPU-seconds in 1.5 s, and one with these clients
// 2.4 CPU-seconds in the 5 s on a busy 2-core machine). Afterwards every client is still served: the ones that sent
// nothing complete a handshake or a round trip then, 6 s after connecting,
// and nothing was logged. Skipped with -race.
func TestEchoIdleClientsCostNoCPU(t *testing.T) {
	if raceEnabled {
		// The echo process it measures is built without the race
		// detector: a race run would repeat the same measurement, with
		// the clients' handshakes slowed down.
		t.Skip("measures the CPU time of a process built without -race: runs without -race")
	}
	t.Parallel()
	const (
		clients       = 100 // of each kind
		window        = 5 * time.Second
		idleCPUBudget = 250 * time.Millisecond
	)
	raiseOpenFiles(t, 4*2*clients+512, 4096)
	certFile, keyFile, cfg := echoTLSFiles(t)
	for _, useTLS := range []bool{false, true} {
		for _, idle := range []string{"", "0"} {
			name := fmt.Sprintf("TLS %v, idle timeout %s", useTLS, map[string]string{"": "default", "0": "none"}[idle])
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var args []string
				if useTLS {
					// The silent clients handshake only at the end, which on
					// a slow machine (the race detector) can be past the
					// default 10 s handshake timeout: that timeout has tests
					// of its own.
					args = append(args, "--tls-cert", certFile, "--tls-key", keyFile, "--handshake-timeout", "2m")
				}
				if idle != "" {
					args = append(args, "--idle-timeout", idle)
				}
				e := mustStartEcho(t, "127.0.0.1:0", args...)
				active := make([]net.Conn, clients)
				silent := make([]net.Conn, clients)
				for i := range clients {
					silent[i] = dialRaw(t, e.addr)
					raw := dialRaw(t, e.addr)
					active[i] = raw
					if useTLS {
						c, err := echoHandshakePing(raw, cfg)
						if err != nil {
							t.Fatalf("client %d: %v", i, err)
						}
						active[i] = c
					} else if err := echoPing(raw, 1); err != nil {
						t.Fatalf("client %d: %v", i, err)
					}
				}
				before := echoCPUTime(t, e.pid())
				time.Sleep(window)
				used := echoCPUTime(t, e.pid()) - before
				t.Logf("%d idle clients for %v: the echo process used %v of CPU", 2*clients, window, used)
				if used > idleCPUBudget {
					t.Errorf("the echo process used %v of CPU in %v with %d idle clients, want at most %v: a connection loop spins", used, window, 2*clients, idleCPUBudget)
				}
				echoStillServed(t, active, silent, useTLS, cfg)
				if s := e.stderr.String(); s != "" {
					t.Errorf("stderr: %s, want nothing", tail(s, 2000))
				}
			})
		}
	}
}

// echoStillServed makes a round trip on every client, after a handshake on
// the silent ones with TLS.
func echoStillServed(t *testing.T, active, silent []net.Conn, useTLS bool, cfg *tls.Config) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(active)+len(silent))
	for i := range active {
		wg.Go(func() {
			if err := echoPing(active[i], 2); err != nil {
				errs <- fmt.Errorf("client %d, quiet since its round trip: %w", i, err)
			}
			var err error
			if useTLS {
				_, err = echoHandshakePing(silent[i], cfg)
			} else {
				err = echoPing(silent[i], 1)
			}
			if err != nil {
				errs <- fmt.Errorf("client %d, silent since it connected: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 3 {
			t.Error(err)
		}
	}
	if n > 3 {
		t.Errorf("and %d more clients failed", n-3)
	}
}
