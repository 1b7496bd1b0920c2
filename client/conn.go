package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

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
	mode        IOMode
}

func defaultOptions() options {
	return options{noDelay: true, readBuf: wire.DefaultRecvBufferSize, writeBuf: wire.DefaultSendBufferSize}
}

// WithNoDelay sets TCP_NODELAY (default true: frames go out at Flush, not
// when Nagle's algorithm decides).
func WithNoDelay(on bool) Option { return func(o *options) { o.noDelay = on } }

// MinBufferSize is the smallest receive or send buffer, in bytes: one
// frame. [WithReadBufferSize] and [WithWriteBufferSize] raise smaller sizes
// to it.
const MinBufferSize = wire.FrameLen

// WithReadBufferSize sets the size of the receive buffer in bytes: the most
// one read system call takes. The default is [wire.DefaultRecvBufferSize]
// (64 KiB); sizes below [MinBufferSize] are raised to it, and 4096, the Rust
// crate's default, is a valid choice. The size does not change the latency
// of a lone message; a larger buffer reads more frames per system call when
// many are in flight (see the package documentation for the measurement).
func WithReadBufferSize(n int) Option {
	return func(o *options) { o.readBuf = max(n, MinBufferSize) }
}

// WithWriteBufferSize sets the size of the send buffer in bytes: Send
// flushes by itself when it is full, so it is the most one write system
// call carries. The default is [wire.DefaultSendBufferSize] (64 KiB); sizes
// below [MinBufferSize] are raised to it, and 4096, the Rust crate's
// default, is a valid choice.
func WithWriteBufferSize(n int) Option {
	return func(o *options) { o.writeBuf = max(n, MinBufferSize) }
}

// WithSocketBuffers sets the kernel's SO_RCVBUF and SO_SNDBUF in bytes;
// 0 keeps the system default.
func WithSocketBuffers(rcv, snd int) Option {
	return func(o *options) { o.sockRcvBuf, o.sockSndBuf = rcv, snd }
}

// WithSendTimeout bounds each Flush (0, the default, means no limit).
func WithSendTimeout(d time.Duration) Option { return func(o *options) { o.sendTimeout = d } }

// WithRecvTimeout bounds each Recv that has to wait for the network (0, the
// default, means no limit). A Recv that times out returns an error for which
// errors.Is(err, os.ErrDeadlineExceeded) holds; the connection stays usable.
// It also bounds the wait of [Conn.Ping] when it is shorter than the
// context's.
func WithRecvTimeout(d time.Duration) Option { return func(o *options) { o.recvTimeout = d } }

// WithDialer sets the dialer used by Dial.
func WithDialer(d *net.Dialer) Option { return func(o *options) { o.dialer = d } }

// WithIOMode sets how the connection waits for data (see [IOMode]): the
// default, [IOPoller] (or [IOAuto], which is IOPoller for a single Conn;
// [ChooseIOMode] resolves it for a run), [IOBlocking] or [IOBusyPoll].
// Receive timeouts and a Ping's context apply in every mode. The raw modes
// exist on Linux only; elsewhere, and over TLS, the connection uses its own
// Read and Write in poller mode, whatever the option says.
func WithIOMode(m IOMode) Option { return func(o *options) { o.mode = m } }

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
	if o.tls == nil {
		x, err := sock.Open(nc, o.mode)
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		return newConn(nc, x, &o), nil
	}
	{
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
	x, _ := sock.Open(nc, IOPoller) // TLS: crypto/tls's reads and writes
	return newConn(nc, x, &o), nil
}

// NewConn wraps an existing connection. TCP options apply when nc is a
// *net.TCPConn; a socket that cannot be put in the I/O mode asked
// ([WithIOMode]) is used in poller mode.
func NewConn(nc net.Conn, opts ...Option) *Conn {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	_ = tuneTCP(nc, &o)
	x, err := sock.Open(nc, o.mode)
	if err != nil {
		x, _ = sock.Open(nc, IOPoller)
	}
	return newConn(nc, x, &o)
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

// newConn makes the Conn of nc, read and written through x.
func newConn(nc net.Conn, x sock.IO, o *options) *Conn {
	return &Conn{
		nc:       nc,
		Sender:   Sender{nc: nc, io: x, buf: make([]byte, 0, o.writeBuf), timeout: o.sendTimeout},
		Receiver: Receiver{nc: nc, io: x, buf: make([]byte, o.readBuf), timeout: o.recvTimeout},
	}
}

// replace makes c the connection n, which must not be used after.
func (c *Conn) replace(n *Conn) { *c = *n }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Split returns the two halves of the channel. The Sender and the Receiver
// may be used by two goroutines at once (one each); the Conn itself must not
// be used for sending or receiving after Split. The Sender ends its
// direction with [Sender.CloseWrite], after which the Receiver reads the
// peer's last replies and io.EOF. Close the Conn when both are done.
func (c *Conn) Split() (*Sender, *Receiver) { return &c.Sender, &c.Receiver }

// Close closes the connection without flushing; call Flush first to send
// what is buffered, or [Sender.CloseWrite] to also let the peer finish.
// Every later call on the Conn, its Sender or its Receiver returns an error
// for which errors.Is(err, net.ErrClosed) holds.
func (c *Conn) Close() error { return c.Receiver.io.Close() }

// setDrainTimeout bounds the reads of the next d, also for a blocking
// socket (whose blocked reads Go's deadlines cannot interrupt).
func (r *Receiver) setDrainTimeout(d time.Duration) {
	r.setReadLimit(time.Now().Add(d), int64(d))
}

// setReadLimit sets the read deadline to t, which is d ns from now.
func (r *Receiver) setReadLimit(t time.Time, d int64) {
	r.limit = t
	r.setDeadline(t)
}

// setDeadline sets the read deadline of the connection's I/O to t.
func (r *Receiver) setDeadline(t time.Time) error {
	r.ioDL = t
	return r.io.SetReadDeadline(t)
}

// armRead sets the read deadline of the next read: the limit that
// setReadLimit set, or the receive timeout from now if sooner (when
// timeout is true). It sets it only when it changes.
func (r *Receiver) armRead(timeout bool) error {
	dl := r.limit
	if timeout && r.timeout > 0 {
		if t := time.Now().Add(r.timeout); dl.IsZero() || t.Before(dl) {
			dl = t
		}
	}
	if dl.Equal(r.ioDL) {
		return nil
	}
	if err := r.setDeadline(dl); err != nil {
		return fmt.Errorf("recv: %w", err)
	}
	return nil
}

// waitReadable waits up to d for something to read, and reports whether it
// came (see sock.IO.WaitReadable).
func (r *Receiver) waitReadable(d time.Duration) bool { return r.io.WaitReadable(d) }

// Sender is the sending half of a channel. It is not safe for concurrent
// use: one goroutine sends.
type Sender struct {
	nc      net.Conn
	buf     []byte
	timeout time.Duration
	sent    int64
	bytes   int64
	closed  bool    // CloseWrite was called
	io      sock.IO // the connection's I/O, shared with the Receiver
}

// errWriteClosed is returned by sends after CloseWrite.
var errWriteClosed = fmt.Errorf("send: write side closed: %w", net.ErrClosed)

// Send appends m to the send buffer, flushing first when the buffer is full.
// It does not allocate for a variant value that does not escape.
//
// A message that no peer could decode is refused before anything is
// buffered or written: an Order whose side is neither Buy nor Sell gives a
// [*wire.FrameError] wrapping [wire.ErrSide], whose Offset is where the
// frame would have started in the stream, and a nil message gives
// [wire.ErrNotMessage]. The connection stays usable after either.
func (s *Sender) Send(m wire.Message) error {
	if err := wire.Validate(m); err != nil {
		return s.refuse(err)
	}
	if err := s.reserve(); err != nil {
		return err
	}
	s.buf = wire.AppendFrame(s.buf, m)
	s.sent++
	return nil
}

// refuse reports an invalid frame at the stream offset it would have taken.
func (s *Sender) refuse(err error) error {
	if fe, ok := err.(*wire.FrameError); ok {
		fe.Offset += s.bytes + int64(len(s.buf))
	}
	return err
}

// SendFrame appends one encoded frame (as made by the wire Append
// functions) to the send buffer, flushing first when the buffer is full.
// frame must hold exactly one valid frame: anything else is refused, as by
// Send, with a [*wire.FrameError] and nothing buffered.
func (s *Sender) SendFrame(frame []byte) error {
	if err := checkFrame(frame); err != nil {
		return s.refuse(err)
	}
	if err := s.reserve(); err != nil {
		return err
	}
	s.buf = append(s.buf, frame...)
	s.sent++
	return nil
}

// checkFrame validates one whole encoded frame.
func checkFrame(frame []byte) error {
	_, n, err := wire.ParseFrame(frame)
	if err == nil && n == len(frame) {
		return nil
	}
	if err == nil || err == io.ErrUnexpectedEOF {
		return &wire.FrameError{Field: "length", Value: uint64(len(frame)), Err: wire.ErrLength}
	}
	return err
}

// Append hands the send buffer to fn, which appends exactly one frame with a
// wire Append function and returns the buffer:
//
//	s.Append(func(b []byte) []byte { return wire.AppendOrder(b, &o) })
//
// The frame is validated after fn returns: when fn appended anything but
// one valid frame (an Order with a bad side, say), Append removes what it
// appended and returns the error, as Send does.
func (s *Sender) Append(fn func([]byte) []byte) error {
	if err := s.reserve(); err != nil {
		return err
	}
	n := len(s.buf)
	b := fn(s.buf)
	if err := checkFrame(b[n:]); err != nil {
		s.buf = b[:n]
		return s.refuse(err)
	}
	s.buf = b
	s.sent++
	return nil
}

func (s *Sender) reserve() error {
	if s.closed {
		return errWriteClosed
	}
	if cap(s.buf)-len(s.buf) < wire.FrameLen {
		return s.Flush()
	}
	return nil
}

// SendFlush sends m and flushes: the lowest-latency way to send one message.
// An invalid message is refused as by Send, and nothing is written.
func (s *Sender) SendFlush(m wire.Message) error {
	if err := s.Send(m); err != nil {
		return err
	}
	return s.Flush()
}

// Flush writes the buffered frames in one call. When the send timeout
// ([WithSendTimeout]) expires, the error satisfies
// errors.Is(err, os.ErrDeadlineExceeded) and the bytes not yet written stay
// buffered: a later Flush sends them. Any other write error is final.
func (s *Sender) Flush() error {
	return s.flushUntil(time.Time{})
}

// flushUntil is Flush with an extra deadline (zero for none).
func (s *Sender) flushUntil(dl time.Time) error {
	if s.closed {
		return errWriteClosed
	}
	if len(s.buf) == 0 {
		return nil
	}
	if s.timeout > 0 {
		if t := time.Now().Add(s.timeout); dl.IsZero() || t.Before(dl) {
			dl = t
		}
	}
	if !dl.IsZero() {
		if err := s.nc.SetWriteDeadline(dl); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	n, err := s.io.Write(s.buf)
	s.bytes += int64(n)
	if err != nil {
		// Keep what was not written: a caller may retry after a timeout.
		s.buf = s.buf[:copy(s.buf, s.buf[n:])]
		return fmt.Errorf("send: %w", err)
	}
	s.buf = s.buf[:0]
	return nil
}

// CloseWrite flushes what is buffered, then closes the sending direction of
// the connection: the peer reads the end of the stream after the last
// frame, while the Receiver keeps reading the peer's remaining replies until
// it returns io.EOF. Over TLS it sends the close_notify alert, then
// half-closes the TCP connection under it. Later sends return an error for
// which errors.Is(err, net.ErrClosed) holds; a second CloseWrite returns
// nil. It still has to be followed by [Conn.Close] once the Receiver is done.
func (s *Sender) CloseWrite() error {
	if s.closed {
		return nil
	}
	if err := s.Flush(); err != nil {
		return err
	}
	s.closed = true
	if s.timeout > 0 {
		s.nc.SetWriteDeadline(time.Now().Add(s.timeout))
	}
	type closeWriter interface{ CloseWrite() error }
	var err error
	switch c := s.nc.(type) {
	case *tls.Conn:
		err = c.CloseWrite()
		if cw, ok := c.NetConn().(closeWriter); ok && err == nil {
			err = cw.CloseWrite()
		}
	case closeWriter:
		err = c.CloseWrite()
	default:
		err = errors.New("the connection cannot close one direction")
	}
	if err != nil {
		return fmt.Errorf("send: close write: %w", err)
	}
	return nil
}

// Buffered returns the number of bytes waiting for Flush.
func (s *Sender) Buffered() int { return len(s.buf) }

// room returns the free room at the end of the send buffer, in bytes.
func (s *Sender) room() int { return cap(s.buf) - len(s.buf) }

// flushNow writes what of the buffered frames the socket takes now, without
// waiting, and returns sock.ErrWouldBlock when some stay buffered; its
// other errors are Flush's. Without raw system calls it waits as Flush.
func (s *Sender) flushNow() error {
	if s.closed {
		return errWriteClosed
	}
	if len(s.buf) == 0 {
		return nil
	}
	n, err := s.io.WriteNow(s.buf)
	s.bytes += int64(n)
	if n == len(s.buf) {
		s.buf = s.buf[:0]
	} else {
		s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	}
	if err != nil && err != sock.ErrWouldBlock {
		return fmt.Errorf("send: %w", err)
	}
	return err
}

// Reserve returns the free room at the end of the send buffer, at most n
// bytes, for frames encoded in place (with [wire.PutFrame], say) and then
// handed over with [Sender.Commit]: the way load drivers send without a
// call per message. It returns fewer than n bytes, or none, when the buffer
// has less room: Flush makes room. It never allocates. The room is valid
// until the next call on the Sender.
func (s *Sender) Reserve(n int) []byte {
	return s.buf[len(s.buf):min(len(s.buf)+n, cap(s.buf))]
}

// Commit appends the first n bytes of the room [Sender.Reserve] returned to
// the frames waiting for Flush, and counts n/[wire.FrameLen] frames sent.
// n must be a multiple of wire.FrameLen no larger than that room. Commit
// does not validate: the bytes must be valid frames (the wire Put and
// Append functions write valid frames for valid messages).
func (s *Sender) Commit(n int) {
	s.buf = s.buf[:len(s.buf)+n]
	s.sent += int64(n / wire.FrameLen)
}

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

	io    sock.IO   // the connection's I/O, shared with the Sender
	limit time.Time // the read deadline setReadLimit set (zero: none)
	ioDL  time.Time // the read deadline set on io now
}

// Recv returns the next frame. The View reads the Receiver's buffer and is
// valid only until the next call to Recv, RecvBatch, RecvBuffered, Poll or
// Ping.
//
// Errors come in two kinds. Final errors end the stream, and every later
// call returns the same error again: io.EOF when the peer closed cleanly
// between frames, io.ErrUnexpectedEOF when it closed inside one, a
// [*wire.FrameError] (its Offset counted from the start of the stream) for a
// malformed frame, and errors from the network such as a reset or a closed
// connection (errors.Is(err, net.ErrClosed) after [Conn.Close]). Frames that
// arrived before the error are returned first. A timeout
// ([WithRecvTimeout]; errors.Is(err, os.ErrDeadlineExceeded)) is not final:
// nothing is lost, and the next Recv waits again.
func (r *Receiver) Recv() (wire.View, error) {
	for {
		if r.w-r.r >= wire.LengthPrefixSize {
			v, n, err := wire.ParseFrame(r.buf[r.r:r.w])
			if err == nil {
				r.Consume(n)
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
	if err := r.prepare(); err != nil {
		return err
	}
	if err := r.armRead(true); err != nil {
		return err
	}
	n, err := r.io.Read(r.buf[r.w:])
	return r.afterRead(n, err)
}

// prepare makes room at the end of the buffer for a read: it moves the
// unread bytes to the front and, when they fill the whole buffer (frames
// kept back by Ping), grows it.
func (r *Receiver) prepare() error {
	if r.err != nil {
		return r.err
	}
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	if r.w == len(r.buf) {
		if len(r.buf) >= MaxBacklog {
			return ErrBacklog
		}
		nb := make([]byte, min(2*len(r.buf), MaxBacklog))
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
	return nil
}

// fillCtx is fill for Ping: the wait ends at the context's deadline or
// cancellation, or at the receive timeout, whichever comes first, and in
// every I/O mode. It returns the context's error when the context ended
// the wait.
func (r *Receiver) fillCtx(ctx context.Context) error {
	if err := r.prepare(); err != nil {
		return err
	}
	now := int64(Monotonic())
	var ctxDL int64 // Monotonic() time of the context's deadline, 0 for none
	if d, ok := ctx.Deadline(); ok {
		ctxDL = now + max(int64(time.Until(d)), 1)
	}
	var timeoutDL int64
	if r.timeout > 0 {
		timeoutDL = now + int64(r.timeout)
	}
	cancellable := ctx.Done() != nil
	for {
		if err := ctxErr(ctx, now, ctxDL); err != nil {
			return err
		}
		if timeoutDL != 0 && now >= timeoutDL {
			return fmt.Errorf("recv: %w", os.ErrDeadlineExceeded)
		}
		// The read deadline ends the wait at the earliest limit. A context
		// that can be cancelled without a deadline is checked every
		// sock.Tick: waking the read from the context's own goroutine
		// (context.AfterFunc) would allocate on every Ping. The next fill
		// puts back the deadline setReadLimit set.
		wake := earliest(ctxDL, timeoutDL)
		if cancellable {
			wake = earliest(wake, now+int64(sock.Tick))
		}
		dl := time.Time{}
		if wake != 0 {
			dl = time.Now().Add(time.Duration(wake - now))
		}
		if err := r.setDeadline(dl); err != nil {
			return fmt.Errorf("recv: %w", err)
		}
		n, err := r.io.Read(r.buf[r.w:])
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
			now = int64(Monotonic())
			continue
		}
		return r.afterRead(n, err)
	}
}

// earliest returns the earlier of two Monotonic() deadlines, 0 meaning none.
func earliest(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// ctxErr returns the context's error once it is cancelled or its deadline
// (dl, in Monotonic() time) has passed. Past the deadline it waits for the
// context's own timer, so that the error is the context's.
func ctxErr(ctx context.Context, now, dl int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl != 0 && now >= dl {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
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
		// Whole frames still buffered (kept back by Ping) are returned
		// first; only a partial one makes the end unexpected.
		if (r.w-r.r)%wire.FrameLen != 0 {
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
	return r.failAt(err, 0)
}

// failAt records a malformed frame found at buf[r.r+at].
func (r *Receiver) failAt(err error, at int) error {
	var fe *wire.FrameError
	if errors.As(err, &fe) {
		fe.Offset += r.off + int64(at)
	}
	r.err = err
	return err
}

// RecvBatch calls fn for every whole frame already buffered, reading from
// the network once first when none is. It returns the number of frames
// handled. Views are valid only until fn returns. Batch receiving is how
// load drivers read many replies per system call. Its errors are Recv's.
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
		r.Consume(k)
		n++
		fn(v)
	}
	if n == 0 {
		return 0, r.checkPartial()
	}
	return n, nil
}

// checkPartial returns the error of a malformed frame at the start of the
// unread bytes when they hold less than a whole frame (a length prefix
// that can never be valid), and nil while it may still complete.
func (r *Receiver) checkPartial() error {
	if r.w-r.r >= wire.LengthPrefixSize {
		if _, _, err := wire.ParseFrame(r.buf[r.r:r.w]); err != io.ErrUnexpectedEOF {
			return r.fail(err)
		}
	}
	return nil
}

// Peek returns the received bytes not yet consumed: whole frames, then
// maybe the start of the next one. Nothing in them is validated yet
// ([wire.ParseFrame] does that). With [Receiver.Consume] it lets a load
// driver check replies in place without a call per frame. The slice is
// valid until the next read (Recv, RecvBatch, Poll, Ping) and must not be
// written to.
func (r *Receiver) Peek() []byte { return r.buf[r.r:r.w] }

// Consume marks the first n bytes of Peek's as read: n must be a multiple
// of [wire.FrameLen], whole frames the caller has handled. They count in
// Received and BytesRead.
func (r *Receiver) Consume(n int) {
	r.r += n
	r.off += int64(n)
	r.recv += int64(n / wire.FrameLen)
}

// Unread returns the number of received bytes not yet returned by
// Recv.
func (r *Receiver) Unread() int { return r.w - r.r }

// Poll reads what has already arrived without waiting, and reports whether
// anything did. The bytes are returned by the next Recv or RecvBatch. Its
// errors are Recv's.
func (r *Receiver) Poll() (bool, error) {
	if room, err := r.pollRoom(); !room {
		return false, err
	}
	if err := r.armRead(false); err != nil {
		return false, err
	}
	n, err := r.io.ReadNow(r.buf[r.w:])
	if err == sock.ErrWouldBlock {
		return false, nil
	}
	return n > 0, r.afterRead(n, err)
}

// pollRoom moves the unread bytes to the front of the buffer and reports
// whether a read has room after them (not when it is full of frames not yet
// received); it returns the receiver's error, if any.
func (r *Receiver) pollRoom() (bool, error) {
	if r.err != nil {
		return false, r.err
	}
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	return r.w < len(r.buf), nil
}

// pollWithin is Poll that waits up to d for something to arrive, in the
// read itself (before the read limit, if that is sooner): for a TLS
// connection, which cannot wait for readable bytes without reading them.
// Nothing by then is (false, nil); the limit passing is Recv's error.
func (r *Receiver) pollWithin(d time.Duration) (bool, error) {
	if room, err := r.pollRoom(); !room {
		return false, err
	}
	dl := time.Now().Add(d)
	limited := !r.limit.IsZero() && !r.limit.After(dl)
	if limited {
		dl = r.limit
	}
	if !dl.Equal(r.ioDL) {
		if err := r.setDeadline(dl); err != nil {
			return false, fmt.Errorf("recv: %w", err)
		}
	}
	n, err := r.io.Read(r.buf[r.w:])
	if n == 0 && !limited && errors.Is(err, os.ErrDeadlineExceeded) {
		return false, nil
	}
	return n > 0, r.afterRead(n, err)
}

// Received returns the number of frames returned so far, counting the
// replies that Ping took.
func (r *Receiver) Received() int64 { return r.recv }

// BytesRead returns the number of bytes consumed as whole frames.
func (r *Receiver) BytesRead() int64 { return r.off }
