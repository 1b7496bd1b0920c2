package reliability_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

// echoTLSFiles writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files for "gigadex echo --tls-cert --tls-key", and returns them
// with a client configuration that trusts the certificate.
func echoTLSFiles(t testing.TB) (certFile, keyFile string, cfg *tls.Config) {
	t.Helper()
	cert, pool := testutil.SelfSigned(t)
	certFile, keyFile = testutil.WritePEM(t, cert)
	return certFile, keyFile, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// echoPing sends one heartbeat on c and checks that it comes back.
func echoPing(c net.Conn, id uint64) error {
	out := wire.AppendHeartbeat(nil, id)
	if _, err := c.Write(out); err != nil {
		return err
	}
	in := make([]byte, len(out))
	if _, err := io.ReadFull(c, in); err != nil {
		return err
	}
	if !bytes.Equal(in, out) {
		return fmt.Errorf("reply % x differs from request % x", in, out)
	}
	return nil
}

// echoHandshakePing completes a TLS handshake on raw and pings once.
func echoHandshakePing(raw net.Conn, cfg *tls.Config) (*tls.Conn, error) {
	c := tls.Client(raw, cfg)
	if err := c.Handshake(); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	return c, echoPing(c, 1)
}

// TestEchoLateTLSHandshake connects to a TLS echo and starts the handshake
// 2 s later, past the one-second tick of the read deadline, with the
// default idle timeout and with none: the handshake and a round trip must
// succeed, with nothing logged. With a short --handshake-timeout, a client
// that never starts its handshake is dropped and logged.
func TestEchoLateTLSHandshake(t *testing.T) {
	t.Parallel()
	certFile, keyFile, cfg := echoTLSFiles(t)
	for _, idle := range []string{"", "0"} {
		name := "default idle timeout"
		if idle != "" {
			name = "no idle timeout"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := []string{"--tls-cert", certFile, "--tls-key", keyFile}
			if idle != "" {
				args = append(args, "--idle-timeout", idle)
			}
			e := mustStartEcho(t, "127.0.0.1:0", args...)
			raw := dialRaw(t, e.addr)
			time.Sleep(2 * time.Second)
			if _, err := echoHandshakePing(raw, cfg); err != nil {
				t.Fatalf("handshake 2 s after connecting: %v\nstderr:\n%s", err, e.stderr)
			}
			if s := e.stderr.String(); s != "" {
				t.Errorf("stderr: %s, want nothing", s)
			}
		})
	}
	t.Run("handshake timeout", func(t *testing.T) {
		t.Parallel()
		e := mustStartEcho(t, "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile, "--handshake-timeout", "500ms")
		raw := dialRaw(t, e.addr)
		start := time.Now()
		if n, err := raw.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("silent client: read %d bytes, %v; want EOF", n, err)
		}
		if d := time.Since(start); d < 400*time.Millisecond || d > 5*time.Second {
			t.Errorf("silent client dropped after %v, want about 500ms", d)
		}
		want := fmt.Sprintf("echo: %s: no TLS handshake within 500ms; closing", raw.LocalAddr())
		if !waitFor(5*time.Second, func() bool { return strings.Contains(e.stderr.String(), want) }) {
			t.Errorf("stderr: %q, want a line %q", e.stderr, want)
		}
	})
}

var echoHandshakeSummaryRE = regexp.MustCompile(`echo: 127\.0\.0\.1: (\d+) more failed TLS handshakes? not logged`)

// TestEchoHandshakeFailureLogIsRateLimited makes 200 plain TCP clients send
// a frame to a TLS echo: each handshake fails, but the log holds one line
// for them while they come, and one line with the count of the others at
// shutdown; the totals count them all.
func TestEchoHandshakeFailureLogIsRateLimited(t *testing.T) {
	const n = 200
	certFile, keyFile, _ := echoTLSFiles(t)
	e := mustStartEcho(t, "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	frame := wire.AppendHeartbeat(nil, 1)
	for range n {
		c := dialRaw(t, e.addr)
		if _, err := c.Write(frame); err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, c) // until the server closes
		c.Close()
	}
	if lines := strings.Split(strings.TrimSpace(e.stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "a client without TLS?") {
		t.Errorf("stderr while the handshakes fail: %d lines, want 1 about a client without TLS:\n%s", len(lines), tail(e.stderr.String(), 2000))
	}
	e.signal(t, syscall.SIGTERM)
	if code := e.wait(t, 10*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
	lines := strings.Split(strings.TrimSpace(e.stderr.String()), "\n")
	m := echoHandshakeSummaryRE.FindStringSubmatch(e.stderr.String())
	if len(lines) != 2 || m == nil || m[1] != strconv.Itoa(n-1) {
		t.Errorf("stderr after shutdown: %d lines, want 2, the second counting %d more failures:\n%s", len(lines), n-1, tail(e.stderr.String(), 2000))
	}
	if want := fmt.Sprintf("handshake failures %d", n); !strings.Contains(e.stdout.String(), want) {
		t.Errorf("totals do not say %q:\n%s", want, e.stdout)
	}
}
