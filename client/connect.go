package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DialError is a connection a run could not open: the address, what went
// wrong in words, and the underlying error.
type DialError struct {
	Addr   string
	Reason string // "connect: connection refused", "no answer within the connect timeout (5s) ..."
	Err    error
	// Kind, if not nil, is the sentinel callers branch on:
	// [ErrCertificate] or [ErrNeedsTLS].
	Kind error
}

// Error reads like "connect to 10.0.0.1:9000: connect: connection refused".
func (e *DialError) Error() string { return "connect to " + e.Addr + ": " + e.Reason }

// Unwrap returns the underlying error and Kind.
func (e *DialError) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Kind}
}

// ErrCertificate is a TLS handshake that failed on the peer's certificate:
// the trusted roots do not hold it or its CA, or its name does not match.
var ErrCertificate = errors.New("client: the peer's certificate is not trusted")

// dialParallel is how many connections a run opens at once.
const dialParallel = 32

// dialAll opens the run's connections, a few at a time, all within one
// connect timeout. On failure it closes those it opened and returns the
// first error, or ctx.Err() when ctx ended.
func dialAll(ctx context.Context, cfg *LoadConfig) ([]*Conn, error) {
	conns := make([]*Conn, cfg.Conns)
	deadline := time.Now().Add(cfg.ConnectTimeout)
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, dialParallel)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
dialing:
	for i := range conns {
		select {
		case sem <- struct{}{}:
		case <-dctx.Done():
			break dialing
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := cfg.dial(dctx, deadline, false)
			if err != nil {
				once.Do(func() { first = err; cancel() })
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		first = ctx.Err()
	}
	if first != nil {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		return nil, first
	}
	return conns, nil
}

// dial opens one connection within the connect timeout and by deadline
// (zero: none), which is the run's end when runEnd is set. It returns
// ctx.Err() when ctx ends first, and a [*DialError] otherwise.
func (cfg *LoadConfig) dial(ctx context.Context, deadline time.Time, runEnd bool) (*Conn, error) {
	limit := time.Now().Add(cfg.ConnectTimeout)
	byEnd := false
	if !deadline.IsZero() && deadline.Before(limit) {
		limit, byEnd = deadline, runEnd
	}
	dctx, cancel := context.WithDeadline(ctx, limit)
	defer cancel()
	c, err := Dial(dctx, cfg.Addr, cfg.Options...)
	if err == nil {
		return c, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var ne net.Error
	timedOut := dctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	reason := dialReason(err, cfg.tls, timedOut, byEnd, cfg.ConnectTimeout)
	var kind error
	if cfg.tls && !timedOut && strings.HasSuffix(reason, errCertificateReason) {
		kind = ErrCertificate
	}
	return nil, &DialError{Addr: cfg.Addr, Reason: reason, Err: err, Kind: kind}
}

// errCertificateReason ends the reason of an [ErrCertificate].
const errCertificateReason = ": the trusted certificates do not hold the peer's certificate or its CA"

// dialReason says in words why Dial failed.
func dialReason(err error, withTLS, timedOut, byEnd bool, timeout time.Duration) string {
	var op *net.OpError
	inTCP := errors.As(err, &op) && op.Op == "dial"
	switch {
	case timedOut && byEnd:
		return "the run ended while connecting"
	case timedOut && (inTCP || !withTLS):
		return fmt.Sprintf("no answer within the connect timeout (%v): the peer's accept queue may be full, or a firewall drops the packets", timeout)
	case timedOut:
		return fmt.Sprintf("the TLS handshake did not finish within the connect timeout (%v): the peer may not speak TLS", timeout)
	case inTCP:
		return op.Err.Error() // "connect: connection refused"
	case !withTLS:
		return err.Error()
	}
	// A TLS handshake failure: crypto/tls's own errors start with "tls: ".
	inner := err
	if u := errors.Unwrap(err); u != nil {
		inner = u
	}
	msg := strings.TrimPrefix(inner.Error(), "tls: ")
	switch {
	case errors.Is(inner, io.EOF) || errors.Is(inner, syscall.ECONNRESET):
		return "the peer closed the connection during the TLS handshake: it may not speak TLS"
	case strings.Contains(msg, "does not look like a TLS handshake"):
		return "TLS handshake failed: " + msg + ": the peer does not speak TLS"
	case strings.Contains(msg, "certificate"):
		return "TLS handshake failed: " + msg + errCertificateReason
	}
	return "TLS handshake failed: " + msg
}
