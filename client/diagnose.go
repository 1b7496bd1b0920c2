package client

import (
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/gigadex/gigadex/wire"
)

// ErrForeignPeer is a peer that does not speak gigadex-events: its first
// bytes are not a frame (an HTTP server, a TLS server, ...). Errors that
// wrap it quote what the peer sent.
var ErrForeignPeer = errors.New("client: not a gigadex-events peer")

// quoteLimit bounds how many bytes of a peer's answer an error quotes.
const quoteLimit = 40

// foreignPeerError is a receive error explained by the peer's first bytes.
type foreignPeerError struct {
	msg string
	err error
}

func (e *foreignPeerError) Error() string   { return e.msg }
func (e *foreignPeerError) Unwrap() []error { return []error{ErrForeignPeer, e.err} }

// explainRecv adds what the peer's first bytes say to a receive error on
// a connection, with or without TLS: text where a length prefix should be
// is quoted, a TLS record suggests TLS, and a connection closed before any
// answer says the peer may speak TLS. Other errors are returned as they
// are.
func explainRecv(err error, r *Receiver, withTLS bool) error {
	var fe *wire.FrameError
	switch {
	case errors.As(err, &fe) && fe.Offset == 0 && fe.Field == "length":
		return explainHead(err, r.head(quoteLimit+1), withTLS)
	case r.received() > 0:
		// Messages, not replies: an exchange's Trades and Heartbeats count.
		msgs := r.received() / wire.FrameLen
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("the peer closed the connection in the middle of a frame, after %s: %w", plural(msgs, "whole message"), err)
		case errors.Is(err, io.EOF): // a FIN, or TLS's close_notify
			return &explained{msg: "the peer closed the connection after " + plural(msgs, "message"), err: err}
		case errors.Is(err, syscall.ECONNRESET):
			return &explained{msg: "the peer reset the connection after " + plural(msgs, "message"), err: err}
		}
		return err
	case !(errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)):
		return err
	}
	how := "closed"
	if errors.Is(err, syscall.ECONNRESET) {
		how = "reset"
	}
	// A peer at its limit of connections refuses the ones past it so: say
	// that first, since most of a run's connections were answered then.
	msg := "the peer " + how + " the connection without answering (as a peer at its limit of connections refuses one)"
	if !withTLS {
		msg += "; if it speaks TLS, connect with TLS"
		return &explained{msg: msg, err: err, kind: ErrNeedsTLS}
	}
	return &explained{msg: msg, err: err}
}

// explained is an error with a message in words of its own; the cause,
// whose text names ports and system calls, is kept for errors.Is.
type explained struct {
	msg  string
	err  error
	kind error // a sentinel, or nil
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	return []error{e.err, e.kind}
}

// ErrNeedsTLS is a peer that answered a connection without TLS as a TLS
// server would, or closed it without answering: it may expect TLS.
var ErrNeedsTLS = errors.New("client: the peer may expect TLS")

// explainHead explains a stream that does not start with a length prefix.
func explainHead(err error, head []byte, withTLS bool) error {
	if len(head) >= 2 && (head[0] == 0x15 || head[0] == 0x16) && head[1] == 0x03 && !withTLS {
		return &foreignPeerError{msg: "the peer answered with a TLS record: it speaks TLS, connect with TLS", err: fmt.Errorf("%w: %w", ErrNeedsTLS, err)}
	}
	if !printable(head) {
		return err
	}
	text := head
	cut := len(head) > quoteLimit
	for i, b := range head {
		if b == '\r' || b == '\n' {
			text, cut = head[:i], true
			break
		}
	}
	text = text[:min(len(text), quoteLimit)]
	s := string(text)
	if cut {
		s += "..."
	}
	return &foreignPeerError{msg: fmt.Sprintf("peer sent %q: not a gigadex-events peer", s), err: err}
}

// printable reports whether b is text: printable ASCII, tabs and line
// ends, and at least the 4 bytes of a length prefix.
func printable(b []byte) bool {
	if len(b) < wire.LengthPrefixSize {
		return false
	}
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}
