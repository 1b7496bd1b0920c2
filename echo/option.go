package echo

import (
	"crypto/tls"
	"log"
	"time"

	"github.com/gigadex/gigadex/internal/sock"
	"github.com/gigadex/gigadex/wire"
)

// Defaults used by [NewServer] for options that are not given.
const (
	// DefaultAddr is the address [Server.ListenAndServe] uses for an empty
	// addr: loopback only.
	DefaultAddr = "127.0.0.1:9000"
	// DefaultIdleTimeout is how long a client may send nothing before it is
	// dropped.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultWriteTimeout is how long a write of replies may make no
	// progress (the client has stopped reading) before the client is dropped.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultReadBufferSize is the size of each connection's read buffer, in
	// bytes: at most this much is read, validated and answered at once.
	DefaultReadBufferSize = 64 << 10
	// MinReadBufferSize is the smallest read buffer [WithReadBufferSize]
	// accepts, in bytes; smaller values are raised to it.
	MinReadBufferSize = 512
	// MaxReadBufferSize is the largest read buffer [WithReadBufferSize]
	// accepts, in bytes; larger values are lowered to it.
	MaxReadBufferSize = 64 << 20
	// DefaultHandshakeTimeout is how long a TLS client has to complete its
	// handshake, from the moment its connection is accepted.
	DefaultHandshakeTimeout = 10 * time.Second
	// MinTimeout is the shortest idle, write or handshake timeout: shorter
	// positive values are raised to it. Timeouts are checked by deadlines
	// that fire a quarter of the timeout apart, so a timeout of a few
	// nanoseconds would only make the server check the clock in a loop.
	MinTimeout = time.Millisecond
)

// WithTLS makes the server speak TLS with this configuration, which must
// hold a certificate. nil (the default) means plain TCP. Each connection
// completes its handshake before anything else, within the handshake
// timeout ([WithHandshakeTimeout]); a failed handshake closes that
// connection and is logged (see the package documentation).
func WithTLS(c *tls.Config) Option { return func(s *Server) { s.tls = c } }

// WithHandshakeTimeout drops a TLS client that has not completed its
// handshake d after its connection was accepted. It is separate from the
// idle timeout, which starts when the handshake is done. Zero disables it
// (a shutdown still ends a handshake in progress); positive values below
// [MinTimeout] are raised to it. The default is [DefaultHandshakeTimeout].
// Without [WithTLS] it has no effect.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(s *Server) { s.handshakeTimeout = clampTimeout(d) }
}

// clampTimeout returns a timeout option's value: zero for zero or less
// (disabled), at least MinTimeout otherwise.
func clampTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return max(d, MinTimeout)
}

// IOMode says how the server waits for a connection's requests. It is one
// type with the client's IOMode: the same names, values and parsing.
type IOMode = sock.Mode

const (
	// IOAuto serves connections with blocking reads ([IOBlocking]) while
	// each can have a P of its own and leave one to the rest of the server:
	// as long as at most max(GOMAXPROCS-1, 1) connections are open. Once
	// more are open, every connection uses the network poller (the blocking
	// ones give way for good), which shares the Ps among all of them. TLS
	// connections always use the poller.
	IOAuto = sock.Auto
	// IOPoller parks a waiting connection's goroutine in Go's network
	// poller, which wakes it through epoll: any number of connections, a few
	// microseconds more per round trip. On Linux, reads and writes are raw
	// non-blocking system calls that keep the thread's P.
	IOPoller = sock.Poller
	// IOBlocking puts the socket in blocking mode and reads it with raw
	// recvfrom(2) calls: the kernel wakes the connection's thread directly,
	// and the thread keeps its P meanwhile, so the runtime neither hands
	// the P over nor wakes another thread. A round trip costs what it costs
	// in C, at the price of a P per waiting connection, so at most
	// max(GOMAXPROCS-1, 1) connections are served this way at a time; the
	// others use the poller.
	IOBlocking = sock.Blocking
	// IOBusyPoll spins on non-blocking raw reads instead of waiting: the
	// lowest round-trip time, at the price of a busy core per connection.
	// The same limit as for IOBlocking applies.
	IOBusyPoll = sock.BusyPoll
)

// ParseIOMode parses "auto", "poller", "blocking" or "busy-poll".
func ParseIOMode(s string) (IOMode, error) { return sock.ParseMode(s) }

// WithIOMode sets how connections wait for requests. The default is
// [IOPoller], which suits a server sharing its process with clients;
// [IOAuto] is the fastest choice for a server in a process of its own. The
// raw modes exist on Linux only; elsewhere, and with WithTLS, connections
// use the poller.
func WithIOMode(m IOMode) Option { return func(s *Server) { s.io = m } }

// WithHeartbeat makes the server send every connection a Heartbeat
// carrying its clock (Unix ns) every d, whatever the reply mode, as
// exchanges do. Zero, the default, sends none; positive values below
// [MinTimeout] are raised to it.
func WithHeartbeat(d time.Duration) Option {
	return func(s *Server) { s.heartbeat = clampTimeout(d) }
}

// WithServiceTime gives the server a known capacity of 1/d messages a
// second, whatever the reply mode: the replies to each message received
// leave at max(its arrival, the previous message's departure) + d, one
// message after the other across all connections, like a single server
// queue. A connection with [MaxPendingReplies] replies waiting reads no
// more until they have left. Replies wait in a timer, so they leave at
// their time or a little after (up to a millisecond when the server is
// idle, in batches), never before. Zero, the default, answers at once.
func WithServiceTime(d time.Duration) Option {
	return func(s *Server) { s.serviceTime = max(d, 0) }
}

// WithBookMaxOrders bounds the order book of [wire.ReplyBook] to n resting
// orders (default 1,000,000, book.DefaultMaxOrders): past it, a new order still
// trades what crosses but its remainder is dropped and counted, so memory
// stays bounded whatever clients send.
func WithBookMaxOrders(n int) Option { return func(s *Server) { s.bookMaxOrders = n } }

// Option configures a [Server]; pass options to [NewServer] or [Start].
type Option func(*Server)

// WithReply sets how frames are answered. The default is [wire.ReplyEcho].
// [wire.ReplyExchange] acks an Order with an OrderAck carrying its id and
// the server's clock (Unix ns, read once per batch of frames) and a
// CancelOrder with a CancelAck. [wire.ReplyBook] runs a price-time priority
// limit order book (package book) shared by all connections: an Order is
// acked as with ReplyExchange, then matched, and every match sends a Trade
// to the maker's and the taker's connections (once when they are the
// same); a CancelOrder is acked and removes that connection's resting order
// with that id; a connection that closes has its resting orders removed.
// Every other frame is sent back unchanged. See the package documentation.
func WithReply(r wire.Reply) Option { return func(s *Server) { s.reply = r } }

// WithIdleTimeout drops a client that sends nothing for d. Silence is
// checked every quarter of d or every second, whichever is shorter, with no
// clock read per message, so a client is dropped after between d and
// d + min(d/4, 1s) without a byte. With TLS, the idle time starts when the
// handshake is done. Zero disables the timeout; positive values below
// [MinTimeout] are raised to it. The default is [DefaultIdleTimeout].
func WithIdleTimeout(d time.Duration) Option {
	return func(s *Server) { s.idleTimeout = clampTimeout(d) }
}

// WithWriteTimeout drops a client whose replies cannot be written for d,
// because it has stopped reading and the socket buffers are full. Progress
// is checked a quarter of d at a time, so a stalled client is dropped after
// between d and 1.25 d; a slow client that still reads is kept. With TLS,
// where a write cut short by a deadline cannot be resumed, each batch of
// replies must be written within d instead. Zero disables the timeout;
// positive values below [MinTimeout] are raised to it. The default is
// [DefaultWriteTimeout].
func WithWriteTimeout(d time.Duration) Option {
	return func(s *Server) { s.writeTimeout = clampTimeout(d) }
}

// WithMaxConns limits the number of connections served at once. A
// connection accepted past the limit waits up to 100 ms for another to end
// (so a client that reconnects the moment it closed is served even when
// the server has not yet seen the close; at most n connections wait at
// once), and is then closed, counted in [Stats.Refused] and logged (at most
// one line per second, with a count).
// Zero, the default, means no limit.
func WithMaxConns(n int) Option { return func(s *Server) { s.maxConns = max(n, 0) } }

// WithReadBufferSize sets the size of each connection's read buffer in
// bytes. It is the only memory a connection holds: replies are built in
// place in it and written from it. Larger buffers mean fewer system calls
// under load; the size does not affect the latency of a lone message. The
// default is [DefaultReadBufferSize]; values below [MinReadBufferSize] are
// raised to it and values above [MaxReadBufferSize] lowered to it.
func WithReadBufferSize(n int) Option {
	return func(s *Server) { s.readBufferSize = min(max(n, MinReadBufferSize), MaxReadBufferSize) }
}

// WithLogger sets where the server logs dropped connections (malformed
// frames, timeouts), refused connections, failed TLS handshakes and accept
// errors: one line per event, except refusals, which are summed up at most
// once per second, and failed handshakes, which are logged at most once per
// peer address every ten seconds with a count of the others. Lines start
// with "echo: " and the peer's address; the logger's flags and prefix come
// before that (a command line tool may want timestamps there). A nil logger
// turns logging off. The default is [log.Default].
func WithLogger(l *log.Logger) Option { return func(s *Server) { s.logger = l } }
