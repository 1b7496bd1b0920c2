package reliability_test

import (
	"io"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// TestEchoUsageErrors feeds every flag of "gigadex echo" values it must
// refuse: zero, negative, tiny, huge and unparsable values, addresses
// without a port or with one past 65535, half a TLS pair. Each run must
// exit 2 before it listens, with nothing on stdout and one line on stderr
// that names the flag and the value.
func TestEchoUsageErrors(t *testing.T) {
	certFile, keyFile, _ := echoTLSFiles(t)
	type usageCase struct {
		name   string   // the flag the line must name
		args   []string // the value is the last argument
		quoted string   // what the line shows of the value, if not the value
	}
	var tests []usageCase
	for _, v := range []string{"127.0.0.1", "localhost", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:99999",
		"127.0.0.1:-1", "127.0.0.1:NaN", "[::1", "::1:9000"} {
		tests = append(tests, usageCase{name: "addr", args: []string{"--addr", v}})
	}
	for _, f := range []string{"idle-timeout", "write-timeout", "handshake-timeout", "grace", "stats-interval"} {
		for _, v := range []string{"-1s", "1ns", "3ns", "NaN", "2", "9999999h"} {
			tests = append(tests, usageCase{name: f, args: []string{"--" + f, v}})
		}
		tests = append(tests, usageCase{name: f, args: []string{"--" + f, "999us"}, quoted: "999µs"})
	}
	for _, v := range []string{"-1ns", "2ns", "Inf", "1x"} {
		tests = append(tests, usageCase{name: "idle-timeout", args: []string{"--idle-timeout", v}})
	}
	tests = append(tests, usageCase{name: "stats-interval", args: []string{"--stats-interval", "99ms"}})
	for _, v := range []string{"-1", "NaN", "1.5", "99999999999999999999"} {
		tests = append(tests, usageCase{name: "max-conns", args: []string{"--max-conns", v}})
	}
	for _, v := range []string{"0", "-1", "511", "67108865", "99999999999999999999", "NaN"} {
		tests = append(tests, usageCase{name: "read-buffer", args: []string{"--read-buffer", v}})
	}
	tests = append(tests,
		usageCase{name: "reply", args: []string{"--reply", ""}},
		usageCase{name: "reply", args: []string{"--reply", "nonsense"}},
		usageCase{name: "tls-key", args: []string{"--tls-cert", certFile}},
		usageCase{name: "tls-cert", args: []string{"--tls-key", keyFile}},
		usageCase{name: "tls-cert", args: []string{"--tls-key", keyFile, "--tls-cert", "/nonexistent/cert.pem"}},
		usageCase{name: "tls-cert", args: []string{"--tls-key", certFile, "--tls-cert", keyFile}}, // swapped
		usageCase{name: "addr", args: []string{"--addr"}},
		usageCase{name: "nope", args: []string{"--nope"}},
		usageCase{name: "extra", args: []string{"extra"}},
	)
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			// A free port first: a value that wrongly passes starts a
			// server that wait kills, instead of taking port 9000.
			p := start(t, append([]string{"echo", "--addr", "127.0.0.1:0"}, tt.args...)...)
			code := p.wait(t, 10*time.Second)
			stdout, stderr := p.stdout.String(), p.stderr.String()
			if code != 2 {
				t.Errorf("exit code %d, want 2 (usage)", code)
			}
			if stdout != "" {
				t.Errorf("stdout: %q, want nothing", stdout)
			}
			line, ok := strings.CutSuffix(stderr, "\n")
			if !ok || line == "" || strings.Contains(line, "\n") {
				t.Fatalf("stderr: %q, want one line", stderr)
			}
			if !strings.Contains(line, tt.name) {
				t.Errorf("stderr: %q does not name %s", line, tt.name)
			}
			v := tt.args[len(tt.args)-1]
			if tt.quoted != "" {
				v = tt.quoted
			}
			if len(tt.args) > 1 && v != "" && !strings.Contains(line, v) {
				t.Errorf("stderr: %q does not quote the value %q", line, v)
			}
		})
	}
}

// TestEchoEdgeValuesAccepted starts "gigadex echo" with the smallest and
// largest values its flags accept: it must listen and stop cleanly.
func TestEchoEdgeValuesAccepted(t *testing.T) {
	for _, args := range [][]string{
		{"--idle-timeout", "0", "--write-timeout", "0", "--handshake-timeout", "0", "--stats-interval", "0",
			"--grace", "0", "--max-conns", "0", "--read-buffer", "512"},
		{"--idle-timeout", "1ms", "--write-timeout", "1ms", "--handshake-timeout", "1ms", "--stats-interval", "100ms",
			"--grace", "1ms", "--max-conns", "1", "--read-buffer", "67108864"},
		{"--idle-timeout", "2562047h", "--write-timeout", "2562047h", "--handshake-timeout", "2562047h",
			"--stats-interval", "2562047h", "--grace", "2562047h", "--max-conns", "9223372036854775807"},
	} {
		e := mustStartEcho(t, "127.0.0.1:0", args...)
		if err := echoPing(dialRaw(t, e.addr), 1); err != nil {
			t.Errorf("%s: %v", e.name, err)
		}
		e.signal(t, syscall.SIGTERM)
		if code := e.wait(t, 10*time.Second); code != 0 {
			t.Errorf("%s: exit code %d after SIGTERM\nstderr:\n%s", e.name, code, e.stderr)
		}
	}
}

// echoStampRE matches the timestamp at the start of a stats or log line:
// RFC 3339 in UTC with milliseconds.
var echoStampRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) `)

// echoCheckStamp checks that line starts with a timestamp of the last
// minute.
func echoCheckStamp(t *testing.T, line string) {
	t.Helper()
	m := echoStampRE.FindStringSubmatch(line)
	if m == nil {
		t.Errorf("line %q does not start with an RFC 3339 timestamp like 2026-11-29T09:12:01.123Z", line)
		return
	}
	ts, err := time.Parse(time.RFC3339Nano, m[1])
	if err != nil {
		t.Errorf("line %q: %v", line, err)
	} else if d := time.Since(ts); d < -time.Second || d > time.Minute {
		t.Errorf("line %q: timestamp %v away from now", line, d)
	}
}

// echoLines splits output into its lines.
func echoLines(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var echoStatsRE = regexp.MustCompile(`^\S+ stats: conns active \d+( \((blocking|busy-poll) \d+\))?, msgs/s \d+, MB/s in [\d.]+, MB/s out [\d.]+, bad frames \d+, refused \d+, timeouts \d+, handshake failures \d+$`)

var echoTotalsRE = regexp.MustCompile(`^totals: connections 2, messages 1000, bytes in 52\.05 kB, bytes out 52\.00 kB, bad frames 1, refused 0, timeouts 0, handshake failures 0$`)

// TestEchoStatsLines runs "gigadex echo --stats-interval 100ms": idle, it
// prints no stats line; after traffic, it prints a few (stamped with RFC
// 3339 timestamps) and stops again once idle; log lines on stderr carry the
// same timestamps; the totals give bytes in SI units.
func TestEchoStatsLines(t *testing.T) {
	t.Parallel()
	e := mustStartEcho(t, "127.0.0.1:0", "--stats-interval", "100ms")
	time.Sleep(time.Second)
	if out := echoLines(e.stdout.String()); len(out) != 1 {
		t.Errorf("an idle server printed %d lines, want only \"listening on\":\n%s", len(out), e.stdout)
	}

	c := dialRaw(t, e.addr)
	burst := mixedFrames(1000)
	if _, err := c.Write(burst); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, len(burst))); err != nil {
		t.Fatal(err)
	}
	c.Close()
	bad := dialRaw(t, e.addr)
	f := wire.AppendHeartbeat(nil, 1)
	f[wire.LengthPrefixSize] = 0xEE // no such tag
	if _, err := bad.Write(f); err != nil {
		t.Fatal(err)
	}
	if n, err := bad.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("bad frame: read %d bytes, %v; want EOF", n, err)
	}
	if !waitFor(5*time.Second, func() bool { return len(echoLines(e.stdout.String())) > 1 }) {
		t.Fatal("no stats line after traffic")
	}
	time.Sleep(time.Second) // the intervals with traffic are over
	busy := echoLines(e.stdout.String())
	time.Sleep(time.Second)
	if idle := echoLines(e.stdout.String()); len(idle) != len(busy) {
		t.Errorf("the server printed %d stats lines while idle again:\n%s", len(idle)-len(busy), strings.Join(idle[len(busy):], "\n"))
	}
	// The traffic spans at most a few intervals of 100 ms.
	if n := len(busy) - 1; n > 5 {
		t.Errorf("%d stats lines for traffic of a few milliseconds, want only the intervals with traffic", n)
	}
	for _, line := range busy[1:] {
		echoCheckStamp(t, line)
		if !echoStatsRE.MatchString(line) {
			t.Errorf("stats line %q does not match %v", line, echoStatsRE)
		}
	}
	logged := echoLines(e.stderr.String())
	if len(logged) != 1 || !strings.Contains(logged[0], " echo: "+bad.LocalAddr().String()+": ") {
		t.Errorf("stderr: %q, want one line about the bad frame from %s", logged, bad.LocalAddr())
	}
	for _, line := range logged {
		echoCheckStamp(t, line)
	}

	e.signal(t, syscall.SIGTERM)
	if code := e.wait(t, 10*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
	out := echoLines(e.stdout.String())
	if last := out[len(out)-1]; !echoTotalsRE.MatchString(last) {
		t.Errorf("totals: %q, want a line matching %v", last, echoTotalsRE)
	}
}
