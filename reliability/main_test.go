package reliability_test

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

// knownBugsEnv, when set, runs the tests of known faults instead of
// skipping them.
const knownBugsEnv = "GIGADEX_KNOWN_BUGS"

// parallelTests is how many parallel tests run at once unless -parallel
// says otherwise. Most of them wait on child processes, peers that never
// answer and timers rather than on the CPU, so two at a time (-parallel's
// default, GOMAXPROCS, on a 2-core machine) leaves the machine idle; the
// runs that load the CPU take a loadSlot as well.
const parallelTests = 8

// loadSlots bounds the runs that keep the CPU busy (a ping or flood at
// full speed for seconds) to one per core, whatever -parallel allows.
var loadSlots = make(chan struct{}, max(2, runtime.NumCPU()))

// loadSlot holds one of loadSlots until the test ends. A parallel test
// takes it only after t.Parallel, and better in a subtest that is not
// parallel itself: a parallel subtest waiting for a slot would hold one of
// -parallel's.
func loadSlot(t testing.TB) {
	t.Helper()
	loadSlots <- struct{}{}
	t.Cleanup(func() { <-loadSlots })
}

func TestMain(m *testing.M) {
	if addr := os.Getenv(holdEnv); addr != "" {
		os.Exit(holdConns(addr)) // this process holds connections for TestIdleConnections
	}
	flag.Parse()
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		flag.Set("test.parallel", strconv.Itoa(parallelTests))
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { removeBinary() }),
		// toxiproxy, in process for TestFaults, leaves goroutines of its
		// links behind when a proxy stops (see newToxiproxy).
		goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2/toxics.(*ToxicStub).Run"),
		goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2.(*ToxicLink).read"),
		goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2.(*ToxicLink).write"))
}

// known skips the rest of the test, which shows a fault gigadex does not
// handle yet, unless GIGADEX_KNOWN_BUGS is set.
func known(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(knownBugsEnv) == "" {
		t.Skipf("known: "+format, args...)
	}
}

// The gigadex binary, built once by the first test that needs it.
var gigadexBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// gigadex returns the path of the gigadex binary, building it on first use.
func gigadex(t testing.TB) string {
	t.Helper()
	b := &gigadexBin
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "gigadex-reliability-"); b.err != nil {
			return
		}
		b.path, b.err = testutil.Build(b.dir)
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func removeBinary() {
	if gigadexBin.dir != "" {
		os.RemoveAll(gigadexBin.dir)
	}
}

// server is an in-process echo server on a loopback port.
type server struct {
	*echo.Server
	addr string
	log  *testutil.Buffer
}

// startServer starts an echo server that logs into a buffer and is shut
// down when the test ends. Later options override the logger.
func startServer(t testing.TB, opts ...echo.Option) *server {
	t.Helper()
	lb := &testutil.Buffer{}
	opts = append([]echo.Option{echo.WithLogger(log.New(lb, "", 0))}, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, addr, err := echo.Start(ctx, "127.0.0.1:0", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return &server{Server: s, addr: addr.String(), log: lb}
}

// dialRaw opens a TCP connection whose reads and writes fail after 20 s;
// it is closed when the test ends.
func dialRaw(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c.(*net.TCPConn)
}

// dialClient opens a client connection, closed when the test ends.
func dialClient(t testing.TB, addr string) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond every few milliseconds until it holds or d has passed,
// and reports whether it held.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// pinger pings over one connection in a loop, recording every round trip
// and every error, until stopped.
type pinger struct {
	mu     sync.Mutex
	rtts   []time.Duration
	errs   []error
	mark   int // index in rtts where the current phase starts
	stop   chan struct{}
	done   chan struct{}
	maxLen int
}

// startPinger pings addr over one connection until the returned pinger is
// stopped (at the latest when the test ends), pausing pause between pings.
func startPinger(t testing.TB, addr string, pause time.Duration) *pinger {
	t.Helper()
	c := dialClient(t, addr)
	p := &pinger{stop: make(chan struct{}), done: make(chan struct{}), maxLen: 1 << 20}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-p.stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			rtt, err := c.Ping(ctx)
			cancel()
			p.mu.Lock()
			if err != nil {
				p.errs = append(p.errs, err)
				p.mu.Unlock()
				return
			}
			if len(p.rtts) < p.maxLen {
				p.rtts = append(p.rtts, rtt)
			}
			p.mu.Unlock()
			if pause > 0 {
				time.Sleep(pause)
			}
		}
	}()
	t.Cleanup(p.halt)
	return p
}

// halt stops the pinger and waits for it; it may be called more than once.
func (p *pinger) halt() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

// phase returns the round trips since the last call and the errors so far.
func (p *pinger) phase() ([]time.Duration, []error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := slices.Clone(p.rtts[p.mark:])
	p.mark = len(p.rtts)
	return r, slices.Clone(p.errs)
}

// p99 returns the 99th percentile of d (0 if empty).
func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*99/100)]
}

// p99Bound is how far a pinging client's p99 may rise while another client
// misbehaves: ten times the baseline measured just before, or 20 ms,
// whichever is larger; under the race detector, twenty times or 50 ms. The
// bound catches a starved client (hundreds of milliseconds), not the noise
// of a shared 2-vCPU machine.
func p99Bound(baseline time.Duration) time.Duration {
	if raceEnabled {
		return max(20*baseline, 50*time.Millisecond)
	}
	return max(10*baseline, 20*time.Millisecond)
}

// mixedFrames returns n valid frames of every kind.
func mixedFrames(n int) []byte {
	b := make([]byte, 0, n*wire.FrameLen)
	for i := range n {
		id := uint64(i + 1)
		switch i % 6 {
		case 0:
			b = wire.AppendHeartbeat(b, id*1000)
		case 1:
			b = wire.AppendOrder(b, &wire.Order{ID: id, Price: 5_000_000_000_000, Quantity: 100, Side: wire.Side(i / 6 % 2)})
		case 2:
			b = wire.AppendOrderAck(b, id, id*7)
		case 3:
			b = wire.AppendTrade(b, &wire.Trade{MakerID: id, TakerID: id + 1, Price: 3, Quantity: 4, Timestamp: 5})
		case 4:
			b = wire.AppendCancelOrder(b, id)
		case 5:
			b = wire.AppendCancelAck(b, id)
		}
	}
	return b
}
