package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/gigadex/gigadex/internal/sock"
)

// Raw I/O on a socket of Go's network poller.
//
// A Go read or write is a system call the runtime knows about: it marks the
// thread's P as in a system call, and when the call lasts longer than a
// tick of the runtime's monitor (sysmon, 20 µs), hands the P to another
// thread, waking one if need be. A write of a batch of frames on loopback
// runs the peer's TCP receive path in the writer's system call and often
// lasts that long, so a busy connection kept waking threads (and sysmon)
// for nothing: in a flood, a fifth of the client's CPU went to context
// switches (docs/performance-analysis.md). A raw system call keeps the P,
// and a non-blocking one never waits, so nothing is handed over. The wait
// itself, when the socket has nothing to read or no room to write, is Go's
// poller's, through syscall.RawConn: deadlines and Close work as for any
// net.Conn.

// usePollerRaw makes the reads and writes of a poller-mode TCP connection
// raw non-blocking system calls that wait in Go's poller (rc). TLS
// connections, blocking and busy-poll modes, and systems without raw
// system calls keep their own paths.
func (c *Conn) usePollerRaw(rc syscall.RawConn) {
	r := &c.Receiver
	if !sock.Supported || r.blocking || r.busyPoll || r.fd < 0 {
		return
	}
	r.rawFn = r.readRaw
	c.Sender.rc = rc
	c.Sender.rawFn = c.Sender.writeRaw
}

// readRaw is one read for RawConn.Read: it reads what has arrived into the
// free part of the buffer, and asks to wait (returns false) when nothing
// has.
func (r *Receiver) readRaw(fd uintptr) bool {
	for {
		n, err := sock.RecvNow(int(fd), r.buf[r.w:])
		switch err {
		case sock.ErrInterrupted:
			continue
		case sock.ErrWouldBlock:
			return false
		}
		r.pollN, r.pollErr = n, err
		return true
	}
}

// pollerRead is fill's read on a poller-mode socket.
func (r *Receiver) pollerRead() error {
	n, err := r.pollerReadN()
	return r.afterRead(n, err)
}

// pollerReadN reads into the free part of the buffer, waiting in the
// poller until something arrives or the read deadline passes. It returns
// io.EOF at the end of the stream, and errors as net.Conn.Read does.
func (r *Receiver) pollerReadN() (int, error) {
	if err := r.rc.Read(r.rawFn); err != nil {
		return 0, opError("read", r.nc, err)
	}
	n, err := r.pollN, r.pollErr
	switch {
	case err != nil:
		return 0, opError("read", r.nc, os.NewSyscallError("read", err))
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// writeRaw is one pass of RawConn.Write: it sends what of the buffer, from
// s.wpos on, the socket takes, and asks to wait (returns false) when the
// socket's buffer is full.
func (s *Sender) writeRaw(fd uintptr) bool {
	for s.wpos < len(s.buf) {
		n, err := sock.RawSend(int(fd), s.buf[s.wpos:])
		s.wpos += n
		switch err {
		case nil, sock.ErrInterrupted:
		case sock.ErrWouldBlock:
			return false
		default:
			s.rawErr = err
			return true
		}
	}
	return true
}

// pollerFlush is Flush's write on a poller-mode socket: it writes the whole
// buffer, waiting in the poller while the socket's buffer is full, until the
// write deadline. What was not written stays buffered.
func (s *Sender) pollerFlush() error {
	s.wpos, s.rawErr = 0, nil
	err := s.rc.Write(s.rawFn)
	s.bytes += int64(s.wpos)
	s.buf = s.buf[:copy(s.buf, s.buf[s.wpos:])]
	s.wpos = 0
	switch {
	case err != nil:
		err = opError("write", s.nc, err)
	case s.rawErr != nil:
		err = opError("write", s.nc, os.NewSyscallError("write", s.rawErr))
	default:
		return nil
	}
	return fmt.Errorf("send: %w", err)
}

// opError gives an error of a raw read or write the form, and the message,
// of net.Conn's: "read tcp 127.0.0.1:5000->127.0.0.1:7777: i/o timeout".
func opError(op string, nc net.Conn, err error) error {
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		err = oe.Err // RawConn's own ("raw-read tcp ...")
	}
	return &net.OpError{Op: op, Net: "tcp", Source: nc.LocalAddr(), Addr: nc.RemoteAddr(), Err: err}
}
