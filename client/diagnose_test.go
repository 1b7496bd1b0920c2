package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/gigadex/gigadex/wire"
)

func TestExplainRecv(t *testing.T) {
	lengthErr := &wire.FrameError{Offset: 0, Field: "length", Value: 1347703880, Err: wire.ErrTooLarge}
	later := &wire.FrameError{Offset: 520, Field: "length", Value: 7, Err: wire.ErrLength}
	tests := []struct {
		name     string
		err      error
		received []byte // the bytes in the receive buffer
		consumed int64  // bytes consumed as frames before them
		tls      bool
		want     string // substring of the message; "" means the error unchanged
		foreign  bool
	}{
		{"http", lengthErr, []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), 0, false,
			`peer sent "HTTP/1.1 400 Bad Request...": not a gigadex-events peer`, true},
		{"long text line is cut at the limit", lengthErr, []byte(strings.Repeat("x", 100)), 0, false,
			fmt.Sprintf(`peer sent "%s...": not a gigadex-events peer`, strings.Repeat("x", quoteLimit)), true},
		{"short text", lengthErr, []byte("nope"), 0, false, `peer sent "nope": not a gigadex-events peer`, true},
		{"tls alert", lengthErr, []byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50}, 0, false, "it speaks TLS, connect with TLS", true},
		{"tls handshake record", lengthErr, []byte{0x16, 0x03, 0x01, 0x00, 0x40}, 0, false, "it speaks TLS", true},
		{"binary garbage", lengthErr, []byte{0xff, 0x00, 0x13, 0x37, 0x01}, 0, false, "", false},
		{"bad frame later in the stream", later, []byte("HTTP/1.1 200 OK\r\n"), 520, false, "", false},
		{"closed before any answer", io.EOF, nil, 0, false, "the peer closed the connection without answering (as a peer at its limit of connections refuses one); if it speaks TLS, connect with TLS", false},
		{"reset before any answer", fmt.Errorf("recv: %w", syscall.ECONNRESET), nil, 0, false, "the peer reset the connection without answering (as a peer at its limit of connections refuses one);", false},
		{"write to a closed connection", fmt.Errorf("send: %w", syscall.EPIPE), nil, 0, false, "the peer closed the connection without answering", false},
		{"closed before any answer, over TLS", io.EOF, nil, 0, true, "the peer closed the connection without answering", false},
		{"closed after answers", io.EOF, nil, 52 * 3, false, "the peer closed the connection after 3 messages", false},
		{"closed after answers, over TLS (close_notify)", io.EOF, nil, 52, true, "the peer closed the connection after 1 message", false},
		{"reset after answers", fmt.Errorf("recv: %w", syscall.ECONNRESET), nil, 52 * 2, false, "the peer reset the connection after 2 messages", false},
		{"closed inside a frame", io.ErrUnexpectedEOF, []byte{48, 0, 0, 0, 1}, 52, false, "in the middle of a frame, after 1 whole message", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Receiver{buf: make([]byte, 256)}
			r.w = copy(r.buf, tt.received)
			r.off = tt.consumed
			got := explainRecv(tt.err, r, tt.tls)
			if !errors.Is(got, tt.err) {
				t.Errorf("%v does not wrap %v", got, tt.err)
			}
			if errors.Is(got, ErrForeignPeer) != tt.foreign {
				t.Errorf("errors.Is(%v, ErrForeignPeer) = %v, want %v", got, !tt.foreign, tt.foreign)
			}
			if tt.want == "" {
				if got != tt.err {
					t.Errorf("got %q, want the error unchanged", got)
				}
				return
			}
			if !strings.Contains(got.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
			if want := strings.Contains(got.Error(), "connect with TLS"); errors.Is(got, ErrNeedsTLS) != want {
				t.Errorf("errors.Is(%q, ErrNeedsTLS) = %v, want %v", got, !want, want)
			}
			if strings.Contains(got.Error(), "--") {
				t.Errorf("got %q: a library error names a flag", got)
			}
		})
	}
}

func TestDialReason(t *testing.T) {
	tests := []struct {
		name                 string
		err                  error
		tls, timedOut, byEnd bool
		want                 string
	}{
		{"refused", fmt.Errorf("dial x: %w", opErr("dial", os.NewSyscallError("connect", syscall.ECONNREFUSED))), false, false, false, "connect: connection refused"},
		{"accept queue full", fmt.Errorf("dial x: %w", opErr("dial", errTimeout)), false, true, false, "no answer within the connect timeout (5s)"},
		{"tls handshake never answered", fmt.Errorf("dial x: TLS handshake: %w", errors.New("context deadline exceeded")), true, true, false, "the TLS handshake did not finish within the connect timeout (5s)"},
		{"run ended", fmt.Errorf("dial x: %w", opErr("dial", errTimeout)), false, true, true, "the run ended while connecting"},
		{"wrong CA", fmt.Errorf("dial x: TLS handshake: %w", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")), true, false, false,
			"TLS handshake failed: failed to verify certificate: x509: certificate signed by unknown authority: the trusted certificates do not hold"},
		{"not a TLS peer", fmt.Errorf("dial x: TLS handshake: %w", errors.New("tls: first record does not look like a TLS handshake")), true, false, false, "the peer does not speak TLS"},
		{"closed in the handshake", fmt.Errorf("dial x: TLS handshake: %w", io.EOF), true, false, false, "closed the connection during the TLS handshake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dialReason(tt.err, tt.tls, tt.timedOut, tt.byEnd, DefaultConnectTimeout)
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
			if strings.Contains(got, "tls: tls:") || strings.Contains(got, "dial x") {
				t.Errorf("got %q: repeats a prefix", got)
			}
		})
	}
}

var errTimeout = errors.New("i/o timeout")

func opErr(op string, err error) error { return &net.OpError{Op: op, Net: "tcp", Err: err} }
