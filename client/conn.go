package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gigadex/gigadex/internal/sock"

	"github.com/gigadex/gigadex/wire"
)

// Option configures a Conn.
type Option func(*options)

type options struct {
	noDelay     bool
	readBuf     int
	writeBuf    int
	sockRcvBuf  int
	sockSndBuf  int
	sendTimeout time.Duration
	recvTimeout time.Duration
	dialer      *net.Dialer
	tls         *tls.Config
	busyPoll    bool
	blocking    bool
}

func defaultOptions() options {
	return options{noDelay: true, readBuf: wire.DefaultRecvBufferSize, writeBuf: wire.DefaultSendBufferSize}
}

// WithNoDelay sets TCP_NODELAY (default true: frames go out at Flush, not
// when Nagle's algorithm decides).
func WithNoDelay(on bool) Option { return func(o *options) { o.noDelay = on } }

// WithReadBufferSize sets the size of the receive buffer in bytes (default
// [wire.DefaultRecvBufferSize]); at least one frame.
func WithReadBufferSize(n int) Option {
	return func(o *options) { o.readBuf = max(n, wire.FrameLen) }
}

// WithWriteBufferSize sets the size of the send buffer in bytes (default
// [wire.DefaultSendBufferSize]): Send flushes by itself when it is full.
func WithWriteBufferSize(n int) Option {
	return func(o *options) { o.writeBuf = max(n, wire.FrameLen) }
}

// WithSocketBuffers sets the kernel's SO_RCVBUF and SO_SNDBUF in bytes;
// 0 keeps the system default.
func WithSocketBuffers(rcv, snd int) Option {
	return func(o *options) { o.sockRcvBuf, o.sockSndBuf = rcv, snd }
}

// WithSendTimeout bounds each Flush (0, the default, means no limit).
func WithSendTimeout(d time.Duration) Option { return func(o *options) { o.sendTimeout = d } }

// WithRecvTimeout bounds each Recv that has to wait for the network (0, the
// default, means no limit).
func WithRecvTimeout(d time.Duration) Option { return func(o *options) { o.recvTimeout = d } }

// WithDialer sets the dialer used by Dial.
func WithDialer(d *net.Dialer) Option { return func(o *options) { o.dialer = d } }

// WithBusyPoll makes Recv spin on non-blocking reads instead of parking in
// the network poller: the lowest round-trip time, at the cost of a busy
// core per waiting connection. It has no effect on TLS connections.
func WithBusyPoll(on bool) Option { return func(o *options) { o.busyPoll = on } }

// WithBlockingIO puts the socket in blocking mode and reads it with raw
// read(2) calls: a Recv that waits sleeps in the kernel, which wakes its
// thread directly, instead of the goroutine parking in Go's network poller.
// That brings the round-trip time close to a C client's, at the cost of a
// thread that keeps its P (one of GOMAXPROCS) while it waits: use it for
// fewer connections than GOMAXPROCS. Receive timeouts still apply (checked
// every 20 ms); TLS connections read through Go's system calls instead.
// WithBusyPoll takes precedence.
func WithBlockingIO(on bool) Option { return func(o *options) { o.blocking = on } }

// WithTLS makes Dial speak TLS with this configuration.
func WithTLS(c *tls.Config) Option { return func(o *options) { o.tls = c } }

// Conn is a gigadex-events channel over one connection. It is not safe for
// concurrent use; see [Conn.Split].
type Conn struct {
	Sender
	Receiver
	nc net.Conn
}

// Dial connects to addr ("host:port") over TCP. The context bounds the
// connection attempt only.
func Dial(ctx context.Context, addr string, opts ...Option) (*Conn, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	d := o.dialer
	if d == nil {
		d = &net.Dialer{}
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if err := tuneTCP(nc, &o); err != nil {
		nc.Close()
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	if o.blocking && !o.busyPoll {
		if err := sock.SetBlocking(nc, sock.Tick, o.sendTimeout); err != nil {
			nc.Close()
			return nil, fmt.Errorf("dial %s: blocking I/O: %w", addr, err)
		}
	}
	if o.tls != nil {
		cfg := o.tls.Clone()
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(addr)
			cfg.ServerName = host
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("dial %s: TLS handshake: %w", addr, err)
		}
		nc = tc
	}
	return newConn(nc, &o), nil
}

// NewConn wraps an existing connection. TCP options apply when nc is a
// *net.TCPConn.
func NewConn(nc net.Conn, opts ...Option) *Conn {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	_ = tuneTCP(nc, &o)
	if o.blocking && !o.busyPoll {
		if sock.SetBlocking(nc, sock.Tick, o.sendTimeout) != nil {
			o.blocking = false
		}
	}
	return newConn(nc, &o)
}

func tuneTCP(nc net.Conn, o *options) error {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	if err := tc.SetNoDelay(o.noDelay); err != nil {
		return err
	}
	if o.sockRcvBuf > 0 {
		if err := tc.SetReadBuffer(o.sockRcvBuf); err != nil {
			return err
		}
	}
	if o.sockSndBuf > 0 {
		if err := tc.SetWriteBuffer(o.sockSndBuf); err != nil {
			return err
		}
	}
	return nil
}

func newConn(nc net.Conn, o *options) *Conn {
	c := &Conn{
		nc:       nc,
		Sender:   Sender{nc: nc, buf: make([]byte, 0, o.writeBuf), timeout: o.sendTimeout},
		Receiver: Receiver{nc: nc, buf: make([]byte, o.readBuf), timeout: o.recvTimeout, fd: -1},
	}
	c.Receiver.blocking = o.blocking && !o.busyPoll
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			c.Receiver.rc = rc
			c.Receiver.pollFn = c.Receiver.readOnce
			c.Receiver.busyPoll = o.busyPoll
			rc.Control(func(fd uintptr) { c.Receiver.fd = int(fd) })
		}
	}
	return c
}

// replace makes c the connection n, which must not be used after.
func (c *Conn) replace(n *Conn) {
	*c = *n
	if c.Receiver.pollFn != nil {
		c.Receiver.pollFn = c.Receiver.readOnce // bound to n's Receiver otherwise
	}
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Split returns the two halves of the channel. The Sender and the Receiver
// may be used by two goroutines at once (one each); the Conn itself must not
// be used for sending or receiving after Split. Close the Conn when both are
// done.
func (c *Conn) Split() (*Sender, *Receiver) { return &c.Sender, &c.Receiver }

// Close closes the connection without flushing; call Flush first to send
// what is buffered.
func (c *Conn) Close() error {
	if c.Receiver.blocking {
		// A read blocked in the kernel holds the descriptor open.
		sock.Shutdown(c.nc)
	}
	return c.nc.Close()
}

// setDrainTimeout bounds the reads of the next d, also for a blocking
// socket (whose blocked reads Go's deadlines cannot interrupt).
func (r *Receiver) setDrainTimeout(d time.Duration) {
	r.setReadLimit(time.Now().Add(d), int64(d))
}

// setReadLimit sets the read deadline to t, which is d ns from now, for
// both Go's reads and raw reads.
func (r *Receiver) setReadLimit(t time.Time, d int64) {
	r.nc.SetReadDeadline(t)
	r.rawDeadline = int64(Monotonic()) + d
}

// Sender is the sending half of a channel. It is not safe for concurrent
// use: one goroutine sends.
type Sender struct {
	nc      net.Conn
	buf     []byte
	timeout time.Duration
	sent    int64
	bytes   int64
}

// Send appends m to the send buffer, flushing first when the buffer is full.
// It does not allocate for a variant value that does not escape.
func (s *Sender) Send(m wire.Message) error {
	if err := s.reserve(); err != nil {
		return err
	}
	s.buf = wire.AppendFrame(s.buf, m)
	s.sent++
	return nil
}

// SendFrame appends one encoded frame (as made by the wire Append
// functions) to the send buffer, flushing first when the buffer is full.
func (s *Sender) SendFrame(frame []byte) error {
	if err := s.reserve(); err != nil {
		return err
	}
	s.buf = append(s.buf, frame...)
	s.sent++
	return nil
}

// Append hands the send buffer to fn, which appends exactly one frame with a
// wire Append function and returns the buffer:
//
//	s.Append(func(b []byte) []byte { return wire.AppendOrder(b, &o) })
func (s *Sender) Append(fn func([]byte) []byte) error {
	if err := s.reserve(); err != nil {
		return err
	}
	s.buf = fn(s.buf)
	s.sent++
	return nil
}

func (s *Sender) reserve() error {
	if cap(s.buf)-len(s.buf) < wire.FrameLen {
		return s.Flush()
	}
	return nil
}

// SendFlush sends m and flushes: the lowest-latency way to send one message.
func (s *Sender) SendFlush(m wire.Message) error {
	if err := s.Send(m); err != nil {
		return err
	}
	return s.Flush()
}

// Flush writes the buffered frames in one call.
func (s *Sender) Flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	if s.timeout > 0 {
		if err := s.nc.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil {
			return err
		}
	}
	n, err := s.nc.Write(s.buf)
	s.bytes += int64(n)
	if err != nil {
		// Keep what was not written: a caller may retry after a timeout.
		s.buf = s.buf[:copy(s.buf, s.buf[n:])]
		return fmt.Errorf("send: %w", err)
	}
	s.buf = s.buf[:0]
	return nil
}

// Buffered returns the number of bytes waiting for Flush.
func (s *Sender) Buffered() int { return len(s.buf) }

// Sent returns the number of frames given to the Sender.
func (s *Sender) Sent() int64 { return s.sent }

// BytesWritten returns the number of bytes written to the connection.
func (s *Sender) BytesWritten() int64 { return s.bytes }

// Receiver is the receiving half of a channel. It is not safe for
// concurrent use: one goroutine receives.
type Receiver struct {
	nc      net.Conn
	buf     []byte
	r, w    int   // unread bytes are buf[r:w]
	off     int64 // stream offset of buf[r]
	timeout time.Duration
	recv    int64
	err     error

	// Non-blocking reads on the socket, for busy polling.
	rc          syscall.RawConn
	pollFn      func(fd uintptr) bool // r.readOnce, made once so calls don't allocate
	busyPoll    bool
	blocking    bool  // the socket is in blocking mode (WithBlockingIO)
	rawDeadline int64 // for raw reads: Monotonic() time of the drain deadline, 0 for none
	fd          int   // the socket, for ppoll; -1 when not a socket
	pollN       int
	pollErr     error
}

// Recv returns the next frame. The View reads the Receiver's buffer and is
// valid only until the next call to Recv, RecvBatch, RecvBuffered or Poll.
// Recv returns io.EOF when the peer closes cleanly between frames,
// io.ErrUnexpectedEOF when it closes inside one, and a [*wire.FrameError]
// (its Offset counted from the start of the stream) on a malformed frame;
// after an error every later call returns it again.
func (r *Receiver) Recv() (wire.View, error) {
	for {
		if r.w-r.r >= wire.LengthPrefixSize {
			v, n, err := wire.ParseFrame(r.buf[r.r:r.w])
			if err == nil {
				r.r += n
				r.off += int64(n)
				r.recv++
				return v, nil
			}
			if err != io.ErrUnexpectedEOF {
				return wire.View{}, r.fail(err)
			}
		}
		if err := r.fill(); err != nil {
			return wire.View{}, err
		}
	}
}

// fill reads more bytes, moving a partial frame to the front first.
func (r *Receiver) fill() error {
	if r.err != nil {
		return r.err
	}
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	if r.busyPoll {
		if err := r.spin(); err != nil {
			return err
		}
		return nil
	}
	if r.blocking && r.fd >= 0 {
		return r.rawRead()
	}
	if r.timeout > 0 {
		if err := r.nc.SetReadDeadline(time.Now().Add(r.timeout)); err != nil {
			return err
		}
	}
	n, err := r.nc.Read(r.buf[r.w:])
	return r.afterRead(n, err)
}

// rawRead reads the blocking socket with sock.RawRecv, which keeps the
// thread's P while the kernel blocks it: the round trip costs what it costs
// in C. It returns every sock.Tick (SO_RCVTIMEO) to check the receive
// timeout and the drain deadline.
func (r *Receiver) rawRead() error {
	var deadline int64
	if r.timeout > 0 {
		deadline = int64(Monotonic()) + int64(r.timeout)
	}
	if d := r.rawDeadline; d != 0 && (deadline == 0 || d < deadline) {
		deadline = d
	}
	for {
		n, err := sock.RawRecv(r.fd, r.buf[r.w:])
		switch err {
		case nil:
			if n == 0 {
				return r.afterRead(0, io.EOF)
			}
			return r.afterRead(n, nil)
		case unix.EINTR, unix.EAGAIN:
			if deadline != 0 && int64(Monotonic()) >= deadline {
				return fmt.Errorf("recv: %w", os.ErrDeadlineExceeded)
			}
			if err == unix.EAGAIN {
				runtime.Gosched()
			}
		default:
			return r.afterRead(0, err)
		}
	}
}

// afterRead accounts for one read and turns its error into Recv's.
func (r *Receiver) afterRead(n int, err error) error {
	r.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, io.EOF) {
		if r.w > r.r {
			err = io.ErrUnexpectedEOF
		} else {
			err = io.EOF
		}
		r.err = err
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("recv: %w", err)
	}
	r.err = fmt.Errorf("recv: %w", err)
	return r.err
}

func (r *Receiver) fail(err error) error {
	var fe *wire.FrameError
	if errors.As(err, &fe) {
		fe.Offset += r.off
	}
	r.err = err
	return err
}

// RecvBatch calls fn for every whole frame already buffered, reading from
// the network once first when none is. It returns the number of frames
// handled. Views are valid only until fn returns. Batch receiving is how
// load drivers read many replies per system call.
func (r *Receiver) RecvBatch(fn func(wire.View)) (int, error) {
	for {
		n, err := r.RecvBuffered(fn)
		if n > 0 || err != nil {
			return n, err
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
}

// RecvBuffered calls fn for every whole frame already buffered, without
// reading from the network, and returns how many it handled.
func (r *Receiver) RecvBuffered(fn func(wire.View)) (int, error) {
	n := 0
	for r.w-r.r >= wire.FrameLen {
		v, k, err := wire.ParseFrame(r.buf[r.r:r.w])
		if err != nil {
			return n, r.fail(err)
		}
		r.r += k
		r.off += int64(k)
		r.recv++
		n++
		fn(v)
	}
	if n == 0 && r.w-r.r >= wire.LengthPrefixSize {
		if _, _, err := wire.ParseFrame(r.buf[r.r:r.w]); err != io.ErrUnexpectedEOF {
			return 0, r.fail(err)
		}
	}
	return n, nil
}

// Unread returns the number of received bytes not yet returned by
// Recv.
func (r *Receiver) Unread() int { return r.w - r.r }

// readOnce is a single non-blocking read(2) into the free part of the
// buffer, for RawConn.Read: returning true stops it from waiting.
func (r *Receiver) readOnce(fd uintptr) bool {
	n, err := unix.Read(int(fd), r.buf[r.w:])
	if n < 0 {
		n = 0
	}
	r.pollN, r.pollErr = n, err
	return true
}

// Poll reads what has already arrived without waiting, and reports whether
// anything did. The bytes are returned by the next Recv or RecvBatch.
func (r *Receiver) Poll() (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	if r.rc == nil {
		return false, errors.New("recv: polling needs a TCP connection")
	}
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	if err := r.rc.Read(r.pollFn); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return false, fmt.Errorf("recv: %w", err) // not sticky: a later drain may still read
		}
		r.err = fmt.Errorf("recv: %w", err)
		return false, r.err
	}
	n, err := r.pollN, r.pollErr
	if err == unix.EAGAIN {
		return false, nil
	}
	if n == 0 && err == nil {
		err = io.EOF
	}
	return n > 0, r.afterRead(n, err)
}

// spin polls until bytes arrive, yielding the processor between tries.
func (r *Receiver) spin() error {
	var deadline time.Time
	if r.timeout > 0 {
		deadline = time.Now().Add(r.timeout)
	}
	for i := 0; ; i++ {
		ok, err := r.Poll()
		if ok || err != nil {
			return err
		}
		if i&63 == 63 {
			if !deadline.IsZero() && time.Now().After(deadline) {
				return fmt.Errorf("recv: %w", os.ErrDeadlineExceeded)
			}
			runtime.Gosched()
		}
	}
}

// Received returns the number of frames returned so far.
func (r *Receiver) Received() int64 { return r.recv }

// BytesRead returns the number of bytes consumed as whole frames.
func (r *Receiver) BytesRead() int64 { return r.off }
