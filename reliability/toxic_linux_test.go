package reliability_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/report"
)

// The network faults of Shopify's toxiproxy, run in this process between
// the gigadex binary and an echo server: what gigadex reports is compared
// with what was injected. Each case logs one "injected vs measured" line
// (see toxicRow), which scripts/faults.sh gathers into the table of
// docs/reliability.md.

// faultProxy is one toxiproxy proxy in front of an upstream address.
type faultProxy struct {
	p    *toxiproxy.Proxy
	srv  *toxiproxy.ApiServer
	addr string
}

// startProxy starts a proxy of srv to upstream on a loopback port; it
// stops when the test ends. (A proxy per case: removing a toxic from a
// link whose client has gone waits 5 s for it to drain.)
func startProxy(t testing.TB, srv *toxiproxy.ApiServer, name, upstream string) *faultProxy {
	t.Helper()
	p := toxiproxy.NewProxy(srv, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return &faultProxy{p: p, srv: srv, addr: p.Listen}
}

// add adds a toxic, such as `{"type": "latency", "stream": "upstream",
// "attributes": {"latency": 2}}`, to every connection through the proxy,
// those open already included.
func (f *faultProxy) add(t testing.TB, toxic string) {
	t.Helper()
	if _, err := f.p.Toxics.AddToxicJson(strings.NewReader(toxic)); err != nil {
		t.Fatalf("adding toxic %s: %v", toxic, err)
	}
}

// remove removes the toxic of that name ("latency_downstream" for a toxic
// added without a name).
func (f *faultProxy) remove(t testing.TB, name string) {
	t.Helper()
	if err := f.p.Toxics.RemoveToxic(context.Background(), name); err != nil {
		t.Fatalf("removing toxic %s: %v", name, err)
	}
}

// reset removes every toxic.
func (f *faultProxy) reset() { f.p.Toxics.ResetToxics(context.Background()) }

// newToxiproxy returns a toxiproxy server, in this process, for the
// proxies of a test; it serves no HTTP API. Its links can outlive a
// stopped proxy (a stub blocked on a send no one receives, a toxic
// draining for up to 5 s): TestMain's leak check leaves toxiproxy's
// goroutines alone.
func newToxiproxy() *toxiproxy.ApiServer {
	return toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
}

// toxicRow logs one row of the injected-vs-measured table.
func toxicRow(t testing.TB, fault, injected, measured string) {
	t.Helper()
	t.Logf("injected-vs-measured | %s | %s | %s |", fault, injected, measured)
}

// runThrough runs gigadex with args and returns its exit code and result.
func runThrough(t *testing.T, limit time.Duration, args ...string) (int, *report.Run, *proc) {
	t.Helper()
	p := start(t, args...)
	code := p.wait(t, limit)
	return code, readRun(t, p), p
}

// slowToxics skips a case that takes seconds under -short and under the
// race detector, which runs the whole suite a second time in CI.
func slowToxics(t *testing.T) {
	t.Helper()
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: the slow fault cases run once, in the plain test run")
	}
}

// TestFaults puts a toxiproxy proxy between gigadex and an echo server
// and injects each fault: the faults whose numbers are timed (latency,
// stall, bandwidth) one after the other, then the others at once, one per
// core (loadSlot).
func TestFaults(t *testing.T) {
	e := startServer(t)
	srv := newToxiproxy()
	for _, tc := range []struct {
		name  string
		fn    func(t *testing.T, px *faultProxy)
		timed bool
	}{
		{"latency", faultLatency, true},
		{"stall at a fixed rate", faultStall, true},
		{"bandwidth", faultBandwidth, true},
		{"slicer", faultSlicer, false},
		{"reset_peer", faultResetPeer, false},
		{"limit_data", faultLimitData, false},
		{"timeout", faultTimeout, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.timed {
				t.Parallel()
				loadSlot(t)
			}
			tc.fn(t, startProxy(t, srv, "echo "+tc.name, e.addr))
		})
	}
}

// pingP50 is the median RTT of a closed-loop ping through addr, measured
// for window after warmup.
func pingP50(t *testing.T, addr string, warmup, window time.Duration) time.Duration {
	t.Helper()
	code, run, p := runThrough(t, 30*time.Second, loadArgs("ping", addr, window, "--warmup", warmup.String())...)
	if code != 0 {
		t.Fatalf("ping through the proxy: exit %d\n%s", code, tail(p.stderr.String(), 1000))
	}
	return time.Duration(run.RTT.ValueAtQuantile(50))
}

// sockperfRun is a sockperf ping-pong through a proxy to a sockperf
// server, with 52-byte messages: the reference. Its client connects,
// sleeps 2 s (a fixed pause, whatever the options), then runs for 1 s, of
// which it counts the 550 ms from 400 ms on: sockperfWindow.
type sockperfRun struct {
	cmd    *exec.Cmd
	out    bytes.Buffer
	cancel context.CancelFunc
}

// sockperfWindow is when, after it starts, a sockperfRun measures.
var sockperfWindow = struct{ start, length time.Duration }{2400 * time.Millisecond, 550 * time.Millisecond}

// startSockperfPing starts a sockperfRun in the background.
func startSockperfPing(t *testing.T, proxyAddr string) *sockperfRun {
	t.Helper()
	host, port, _ := net.SplitHostPort(proxyAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	r := &sockperfRun{cancel: cancel}
	r.cmd = exec.CommandContext(ctx, "sockperf", "ping-pong", "--tcp", "-i", host, "-p", port, "-t", "1", "-m", "52", "--full-rtt")
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("sockperf ping-pong: %v", err)
	}
	t.Cleanup(func() { cancel(); r.cmd.Wait() })
	return r
}

// p50 waits for the run to end and returns the median RTT it measured.
func (r *sockperfRun) p50(t *testing.T) time.Duration {
	t.Helper()
	err := r.cmd.Wait()
	r.cancel()
	out := r.out.Bytes()
	if err != nil {
		t.Fatalf("sockperf ping-pong: %v\n%s", err, tail(string(out), 1000))
	}
	m := regexp.MustCompile(`percentile 50\.000 =\s*([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("sockperf printed no median:\n%s", tail(string(out), 1000))
	}
	us, _ := strconv.ParseFloat(string(m[1]), 64)
	return time.Duration(us * 1e3)
}

// pingWithSockperf measures ping's p50 through pingAddr and sockperf's
// through spAddr at the same time: started together, ping warms up while
// sockperf waits and measures in sockperfWindow, so that both see the
// machine's load of the same moment (which moves the toxics' timers).
func pingWithSockperf(t *testing.T, pingAddr, spAddr string) (ping, sp time.Duration) {
	t.Helper()
	r := startSockperfPing(t, spAddr)
	ping = pingP50(t, pingAddr, sockperfWindow.start, sockperfWindow.length)
	return ping, r.p50(t)
}

// startSockperf runs a sockperf TCP server on a free loopback port.
func startSockperf(t *testing.T) string {
	t.Helper()
	testutil.RequireTool(t, "sockperf", "Debian's sockperf")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command("sockperf", "server", "--tcp", "-i", "127.0.0.1", "-p", port)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", port)
	if !waitFor(5*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatal("sockperf server did not listen")
	}
	return addr
}

// faultLatency: a latency toxic of L each way moves ping's p50 by 2L, as
// it moves sockperf's through the same kind of proxy, within 0.3 ms.
func faultLatency(t *testing.T, px *faultProxy) {
	slowToxics(t)
	const L = 2 // ms, each way
	sp := startProxy(t, px.srv, "sockperf", startSockperf(t))
	base, spBase := pingWithSockperf(t, px.addr, sp.addr)
	for _, f := range []*faultProxy{px, sp} {
		f.add(t, fmt.Sprintf(`{"type": "latency", "stream": "upstream", "attributes": {"latency": %d}}`, L))
		f.add(t, fmt.Sprintf(`{"type": "latency", "stream": "downstream", "attributes": {"latency": %d}}`, L))
	}
	// The toxic's timer error moves with the machine's load: measure the
	// two at once, three rounds, and compare medians; a noisy set is
	// followed by a second one, and the medians are then taken over all
	// six rounds.
	var gots, spGots []time.Duration
	var shift, ref, got time.Duration
	for attempt := 0; attempt < 2; attempt++ {
		for range 3 {
			got, spGot := pingWithSockperf(t, px.addr, sp.addr)
			gots, spGots = append(gots, got), append(spGots, spGot)
		}
		got, shift, ref = median(gots), median(gots)-base, median(spGots)-spBase
		if d := shift - ref; d >= -300*time.Microsecond && d <= 300*time.Microsecond {
			break
		}
	}
	toxicRow(t, "latency", fmt.Sprintf("%d ms each way (2L = %d ms)", L, 2*L),
		fmt.Sprintf("ping p50 +%.2f ms; sockperf p50 +%.2f ms (medians of %d simultaneous runs)", ms(shift), ms(ref), len(gots)))
	if d := shift - ref; d < -300*time.Microsecond || d > 300*time.Microsecond {
		t.Errorf("ping p50 moved by %v (from %v to %v), sockperf's by %v: want within 0.3 ms of each other", shift, base, got, ref)
	}
	// The toxic delays by at least L each way, and its timers are late by
	// what the machine's load makes them (the reference says how much).
	if shift < 2*L*time.Millisecond-300*time.Microsecond {
		t.Errorf("ping p50 moved by %v, less than the 2L = %v injected", shift, 2*L*time.Millisecond)
	}
}

// median returns the median of ds (the upper one of an even count),
// sorting a copy.
func median(ds []time.Duration) time.Duration {
	c := slices.Clone(ds)
	slices.Sort(c)
	return c[len(c)/2]
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// faultStall: a latency toxic of 1 s, added for 1 s into a --rate 1000
// run: every message scheduled in the window counts in the corrected
// histogram, whose p90 shows the stall; the uncorrected one does not.
func faultStall(t *testing.T, px *faultProxy) {
	slowToxics(t)
	const rate, window = 1000, 3 * time.Second
	p := start(t, loadArgs("ping", px.addr, window, "--rate", strconv.Itoa(rate), "--warmup", "200ms")...)
	time.Sleep(time.Second)
	px.add(t, `{"name": "stall", "type": "latency", "stream": "downstream", "attributes": {"latency": 1000}}`)
	time.Sleep(time.Second)
	px.remove(t, "stall")
	code := p.wait(t, 30*time.Second)
	run := readRun(t, p)
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s", code, tail(p.stderr.String(), 1000))
	}
	n, want := run.RTT.TotalCount(), int64(rate*window.Seconds())
	p90, u90 := time.Duration(run.RTT.ValueAtQuantile(90)), time.Duration(run.Uncorrected.ValueAtQuantile(90))
	toxicRow(t, "stall (latency toxic added for 1 s)", fmt.Sprintf("1 s in a %v window at %d msgs/s", window, rate),
		fmt.Sprintf("%d corrected samples (rate x window = %d); corrected p90 %.0f ms, uncorrected p90 %.2f ms", n, want, ms(p90), ms(u90)))
	if n < want*98/100 || n > want*102/100 {
		t.Errorf("corrected histogram holds %d samples, want rate x window = %d (within 2%%)", n, want)
	}
	if p90 < 300*time.Millisecond {
		t.Errorf("corrected p90 %v: the stall does not show", p90)
	}
	if u90 > 50*time.Millisecond {
		t.Errorf("uncorrected p90 %v: the peer answered at once outside the stall", u90)
	}
}

// faultBandwidth: a bandwidth toxic on the replies: flood's msgs/s is the
// allowed bytes/s / 52 within 5%. (On both streams, each direction waits
// for the other's chunk and the pair moves half as much.)
func faultBandwidth(t *testing.T, px *faultProxy) {
	slowToxics(t)
	// toxiproxy's KB/s are 1000 bytes, and each connection has toxics of
	// its own: one connection, with room in flight for the link to stay
	// busy, gets 10,000 frames/s.
	const kbps = 520
	px.add(t, fmt.Sprintf(`{"type": "bandwidth", "stream": "downstream", "attributes": {"rate": %d}}`, kbps))
	want := kbps * 1000 / 52.0
	// The toxic's pacing loses a few percent when the machine is busy
	// (its per-chunk overhead is not paced): the better of two runs.
	var got float64
	var runs []string
	for range 2 {
		code, run, p := runThrough(t, 30*time.Second, loadArgs("flood", px.addr, 2*time.Second, "--warmup", "500ms", "--conns", "1", "--window", "512")...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, tail(p.stderr.String(), 1000))
		}
		runs = append(runs, fmt.Sprintf("%.0f", run.MsgsPerSec()))
		if math.Abs(run.MsgsPerSec()/want-1) < math.Abs(got/want-1) {
			got = run.MsgsPerSec()
		}
		if math.Abs(got/want-1) <= 0.05 {
			break
		}
	}
	toxicRow(t, "bandwidth", fmt.Sprintf("%d KB/s on the replies = %.0f frames/s", kbps, want),
		fmt.Sprintf("flood %.0f msgs/s (%+.1f%%; runs: %s)", got, 100*(got/want-1), strings.Join(runs, ", ")))
	if got < want*0.95 || got > want*1.05 {
		t.Errorf("flood %s msgs/s through %d KB/s, want %.0f within 5%%", strings.Join(runs, " and "), kbps, want)
	}
}

// faultSlicer: frames cut into 1 to 5 byte pieces both ways: no errors in
// ping, flood or capacity (ping only with -short and -race).
func faultSlicer(t *testing.T, px *faultProxy) {
	for _, s := range []string{"upstream", "downstream"} {
		px.add(t, fmt.Sprintf(`{"type": "slicer", "stream": %q, "attributes": {"average_size": 3, "size_variation": 2, "delay": 0}}`, s))
	}
	runs := [][]string{
		loadArgs("ping", px.addr, 500*time.Millisecond),
		loadArgs("flood", px.addr, 500*time.Millisecond),
		{"capacity", "--addr", px.addr, "--slo", "p99<100ms", "--start", "1k", "--max", "2k", "--step", "200ms", "--warmup", "50ms", "--precision", "60%", "--reply", "echo", "--json", "--quiet"},
	}
	if testing.Short() || raceEnabled {
		runs = runs[:1]
	}
	for _, args := range runs {
		p := start(t, args...)
		code := p.wait(t, 60*time.Second)
		if code != 0 || strings.Contains(p.stderr.String(), "error") {
			t.Errorf("%s: exit %d, want 0 and no errors\nstderr:\n%s", args[0], code, tail(p.stderr.String(), 1000))
			continue
		}
		if args[0] != "capacity" {
			run := readRun(t, p)
			if run.Errors != 0 || run.Received == 0 {
				t.Errorf("%s: %d errors, %d received: want 0 errors", args[0], run.Errors, run.Received)
			}
			toxicRow(t, "slicer ("+args[0]+")", "frames in 1-5 byte pieces, both ways", fmt.Sprintf("%d received, %d errors", run.Received, run.Errors))
		} else {
			toxicRow(t, "slicer (capacity)", "frames in 1-5 byte pieces, both ways", "search ended, exit 0, no errors")
		}
	}
}

// cutMidRun starts a ping of d, and adds toxic after 500 ms.
func cutMidRun(t *testing.T, px *faultProxy, toxic string, d time.Duration, extra ...string) (int, *report.Run, *proc) {
	t.Helper()
	p := start(t, loadArgs("ping", px.addr, d, extra...)...)
	time.Sleep(500 * time.Millisecond)
	px.add(t, toxic)
	code := p.wait(t, 30*time.Second)
	return code, readRun(t, p), p
}

// faultResetPeer: connections reset mid-run: exit 1 naming the reset, the
// replies before it kept; with --reconnect the run carries on once the
// fault is gone and counts the reconnects.
func faultResetPeer(t *testing.T, px *faultProxy) {
	code, run, p := cutMidRun(t, px, `{"type": "reset_peer", "stream": "downstream", "attributes": {"timeout": 0}}`, time.Minute)
	samples := strings.Join(run.ErrorSamples, "; ")
	toxicRow(t, "reset_peer", "added 500 ms into the run (a FIN to the open connection)", fmt.Sprintf("exit %d, %d replies kept: %s", code, run.Received, samples))
	// toxiproxy resets (SO_LINGER 0) only connections opened after the
	// toxic; one open already is closed with a FIN, and named so.
	if code != 1 || run.Received == 0 || !cutNamed.MatchString(samples) {
		t.Errorf("exit %d, %d received, errors %q: want 1, the replies before the reset, and the reset named\n%s", code, run.Received, samples, tail(p.stderr.String(), 1000))
	}
	if testing.Short() || raceEnabled {
		return
	}
	px.reset()
	p = start(t, loadArgs("ping", px.addr, 2*time.Second, "--reconnect")...)
	time.Sleep(500 * time.Millisecond)
	px.add(t, `{"name": "rst", "type": "reset_peer", "stream": "upstream", "attributes": {"timeout": 0}}`)
	time.Sleep(300 * time.Millisecond)
	px.remove(t, "rst")
	p.wait(t, 30*time.Second)
	run = readRun(t, p)
	toxicRow(t, "reset_peer with --reconnect", "for 300 ms (RST to each new connection)", fmt.Sprintf("%d reconnects, gap %v, %d received", run.Reconnects, run.ReconnectGap.Round(time.Millisecond), run.Received))
	if run.Reconnects == 0 || run.ReconnectGap <= 0 || run.Received == 0 {
		t.Errorf("reconnects %d, gap %v, received %d: want the run to carry on and count the gap\n%s", run.Reconnects, run.ReconnectGap, run.Received, tail(p.stderr.String(), 1000))
	}
}

// cutNamed matches the error of a connection the peer cut after replies.
var cutNamed = regexp.MustCompile(`the peer (closed|reset) the connection after \d+ messages?`)

// faultLimitData: the proxy closes the connection after some bytes: exit
// 1 naming the close, the replies before it kept.
func faultLimitData(t *testing.T, px *faultProxy) {
	const limit = 52 * 1000
	p := start(t, loadArgs("ping", px.addr, time.Minute, "--warmup", "0")...)
	px.add(t, fmt.Sprintf(`{"type": "limit_data", "stream": "downstream", "attributes": {"bytes": %d}}`, limit))
	code := p.wait(t, 30*time.Second)
	run := readRun(t, p)
	samples := strings.Join(run.ErrorSamples, "; ")
	toxicRow(t, "limit_data", fmt.Sprintf("close after %d bytes downstream", limit), fmt.Sprintf("exit %d, %d replies kept: %s", code, run.Received, samples))
	// The proxy closes its side with data unread or not: a FIN or a reset.
	if code != 1 || run.Received == 0 || !cutNamed.MatchString(samples) {
		t.Errorf("exit %d, %d received, errors %q: want 1, the replies before the close, and the close named\n%s", code, run.Received, samples, tail(p.stderr.String(), 1000))
	}
}

// faultTimeout: a timeout toxic (data held, nothing answered) ends the run
// by --reply-timeout with exit 1.
func faultTimeout(t *testing.T, px *faultProxy) {
	const rt = time.Second
	p := start(t, "ping", "--addr", px.addr, "--count", "1000000000", "--warmup", "0", "--reply-timeout", rt.String(), "--json", "--quiet")
	time.Sleep(300 * time.Millisecond)
	px.add(t, `{"type": "timeout", "stream": "downstream", "attributes": {"timeout": 0}}`)
	held := time.Now()
	code := p.wait(t, 30*time.Second)
	took := time.Since(held)
	run := readRun(t, p)
	samples := strings.Join(run.ErrorSamples, "; ")
	toxicRow(t, "timeout", fmt.Sprintf("replies held, --reply-timeout %v", rt), fmt.Sprintf("exit %d after %v: %s", code, took.Round(10*time.Millisecond), samples))
	if code != 1 || !strings.Contains(samples, "no reply for 1s") {
		t.Errorf("exit %d, errors %q: want 1 and the reply timeout named", code, samples)
	}
	if took > rt+time.Second {
		t.Errorf("ended %v after the replies stopped, want within the reply timeout (%v) and 1 s", took, rt)
	}
}
