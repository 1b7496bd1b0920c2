package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/book"
	"github.com/gigadex/gigadex/echo"
	"github.com/gigadex/gigadex/prom"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// echoOptions are the settings of echo, bound to its flags.
type echoOptions struct {
	addr                                               string
	reply                                              wire.Reply
	maxConns, readBuffer                               int64
	idleTimeout, writeTimeout, handshakeTimeout, grace time.Duration
	statsInterval                                      time.Duration
	heartbeat, serviceTime                             time.Duration
	bookMaxOrders                                      int64
	quiet                                              bool
	io                                                 ioOptions
	profile                                            profileOptions
	tlsCert, tlsKey                                    string
	metrics                                            metricsOptions
}

func newEchoCommand() *cli.Command {
	o := &echoOptions{addr: echo.DefaultAddr, readBuffer: echo.DefaultReadBufferSize,
		idleTimeout: echo.DefaultIdleTimeout, writeTimeout: echo.DefaultWriteTimeout,
		handshakeTimeout: echo.DefaultHandshakeTimeout, grace: 3 * time.Second,
		bookMaxOrders: book.DefaultMaxOrders}
	timeout := func(zero string) rangeOf[time.Duration] {
		return rangeOf[time.Duration]{min: echo.MinTimeout, max: math.MaxInt64, zeroMeans: zero}
	}
	addr := valueFlag(&o.addr, "addr", parseListenAddr, func(s string) string { return s },
		"TCP address to listen on, `HOST:PORT`; port 0 picks a free port")
	addr.EnvVars = []string{"GIGADEX_ECHO_ADDR"}
	flags := []cli.Flag{
		addr,
		valueFlag(&o.reply, "reply", parseReply, wire.Reply.String,
			"`MODE` echo: send every frame back unchanged; exchange: answer an Order with an OrderAck (id, server clock in ns), a CancelOrder with a CancelAck, and echo the rest; book: as exchange, and match orders in one shared order book, sending Trades to both sides"),
		durFlag(&o.heartbeat, nil, "heartbeat", nil, timeout("none"),
			"send every connection a Heartbeat (server clock in ns) this often"),
		durFlag(&o.serviceTime, nil, "service-time", nil, rangeOf[time.Duration]{min: time.Nanosecond, max: maxDuration, zeroMeans: "answer at once"},
			"answer each message this long after max(its arrival, the previous message's departure), across all connections: a capacity of 1/D msgs/s"),
		countFlag(&o.bookMaxOrders, nil, "book-max-orders", nil, rangeOf[int64]{min: 1, max: math.MaxInt32},
			"with --reply book, the most resting orders; past it an order's remainder is dropped and counted"),
		countFlag(&o.maxConns, nil, "max-conns", nil, rangeOf[int64]{min: 1, max: math.MaxInt64, zeroMeans: "no limit"},
			"refuse connections past this many open ones"),
		durFlag(&o.idleTimeout, nil, "idle-timeout", nil, timeout("never"), "drop a client that sends nothing for this long"),
		durFlag(&o.writeTimeout, nil, "write-timeout", nil, timeout("never"), "drop a client that stops reading its replies for this long"),
		durFlag(&o.handshakeTimeout, nil, "handshake-timeout", nil, timeout("never"),
			"with TLS, drop a client that has not completed its handshake this long after connecting"),
		countFlag(&o.readBuffer, nil, "read-buffer", nil, rangeOf[int64]{min: echo.MinReadBufferSize, max: echo.MaxReadBufferSize},
			"bytes per connection: the most read and answered with one write, and all the memory a connection holds"),
		durFlag(&o.statsInterval, nil, "stats-interval", nil, rangeOf[time.Duration]{min: echoMinStatsInterval, max: math.MaxInt64, zeroMeans: "never"},
			"print a line of counters and rates on stdout this often, if anything happened"),
		durFlag(&o.grace, nil, "grace", nil, timeout("closing connections at once"),
			"on interrupt, how long open connections get to finish before they are closed"),
		boolFlag(&o.quiet, "quiet", []string{"q"}, "don't log dropped and refused connections and failed TLS handshakes on stderr"),
	}
	flags = append(flags, o.io.flags(echoIOUsage)...)
	flags = append(flags, o.profile.flags()...)
	flags = append(flags,
		stringFlag(&o.tlsCert, "tls-cert", nil, "serve TLS with this PEM certificate `FILE` (with --tls-key)"),
		stringFlag(&o.tlsKey, "tls-key", nil, "PEM private key `FILE` of --tls-cert"),
		o.metrics.addrFlag(),
	)
	cmd := echoCommand
	cmd.Flags = flags
	cmd.Action = func(c *cli.Context) error { return runEcho(c, o) }
	return &cmd
}

const echoIOUsage = "how connections wait for requests: `MODE` blocking (raw recvfrom(2) on a blocking socket: the lowest rtt short of spinning, but a P per waiting connection), poller (Go's network poller: any number of connections), busy-poll (spin: a busy core per connection), or auto (blocking while no more connections are open than leave a P free, at least one; else poller for all)"

var echoCommand = cli.Command{
	Name:      "echo",
	Usage:     "run a peer that answers every frame, for ping, flood and CI",
	UsageText: "gigadex echo [--addr 127.0.0.1:9000] [--reply echo|exchange|book] [--stats-interval 1s]",
	Description: `The first line on stdout is "listening on HOST:PORT" with the real port, so
--addr 127.0.0.1:0 picks a free port that scripts can read. On SIGINT or
SIGTERM the server stops accepting, lets open connections finish the batch
they are answering (up to --grace), then prints one line of totals, bytes in
SI units (1 MB = 10^6 bytes): "totals: connections N, messages N, bytes in
1.234 MB, bytes out 1.234 MB, bad frames N, refused N, timeouts N, handshake
failures N". With --reply book both lines go on with the order book's
counts: ", orders N, trades N, cancels N, unknown cancels N, resting orders
N, price levels N, not rested N" (resting orders and price levels are the
book now; "not rested" counts remainders dropped because the book held
--book-max-orders or the connection's id was already resting).

--reply book runs one price-time priority limit order book shared by all
connections (docs/book.md gives the rules): an Order is acked, then trades
against the other side at the resting order's price, and each match sends
a Trade to the maker's and the taker's connections; a CancelOrder is acked
whether or not it found the order; a connection that closes has its orders
cancelled. --heartbeat D sends every connection a Heartbeat every D, and
--service-time D makes the peer a single queue of known capacity 1/D
msgs/s (each reply leaves at max(its arrival, the previous departure) + D,
across all connections), in every reply mode.

With --stats-interval, a line on stdout gives, for each interval in which
something happened (a connection opened or closed, a message, an error), the
open connections, the rates over the interval (MB = 10^6 bytes) and the
totals of rare events, after an RFC 3339 timestamp (UTC, milliseconds):
"2026-11-29T09:12:01.123Z stats: conns active N (blocking N), msgs/s N, MB/s
in X, MB/s out X, bad frames N, refused N, timeouts N, handshake failures
N". An idle server prints nothing. "(blocking N)" counts the open
connections read with blocking raw system calls ("(busy-poll N)" with --io
busy-poll); the others use Go's network poller. With --io poller or TLS
every connection does, and the parenthesis is left out.

--io auto (the default) reads connections with blocking raw system calls,
which is what a C server does and the fastest way to wait for a request
without spinning, as long as no more are open than leave one of the
runtime's Ps (GOMAXPROCS) free, and at least one. When more open, every
connection uses the network poller: the blocking ones go over to it (the
stats line's "(blocking N)" shows how many are left), since a P held by one
waiting connection is a P the others queue for. Either way, reads and writes are raw non-blocking system calls
(on Linux), which keep the thread's P. With --reply book, --heartbeat or --service-time,
every connection uses the poller, since a second goroutine writes to it.

A malformed frame closes that connection only (the frames before it are
answered first) and is logged on stderr with the peer's address. With TLS,
a client has --handshake-timeout to complete its handshake (the idle timeout
starts after it); a failed handshake is logged at most once per peer address
every 10 s, with a count of the others. Log lines on stderr start with the
same timestamps as the stats lines.`,
}

func runEcho(c *cli.Context, o *echoOptions) error {
	stderr := c.App.ErrWriter
	if stderr == nil {
		stderr = os.Stderr
	}
	// Messages of the running server on stderr carry timestamps.
	logw := log.New(&echoStampWriter{w: stderr}, "", 0)
	opts, err := o.serverOptions(c, logw)
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(o.profile.cpu)
	if err != nil {
		return err
	}
	defer stopProfile()
	if p := o.profile.mem; p != "" {
		defer func() {
			if err := writeHeapProfile(p); err != nil {
				logw.Printf("gigadex echo: --memprofile: %v", err)
			}
		}()
	}
	addr := o.addr
	var lc net.ListenConfig
	ln, err := lc.Listen(c.Context, "tcp", addr)
	if err != nil {
		return cli.Exit("echo: "+err.Error(), exitRunError)
	}
	if echoAllInterfaces(addr) {
		logw.Printf("gigadex echo: warning: listening on all interfaces (%s): anyone who can reach this machine can connect", ln.Addr())
	}
	srv := echo.NewServer(opts...)
	var notes io.Writer
	if !o.quiet {
		notes = logw.Writer()
	}
	ms, err := o.metrics.start(c.Context, notes, "echo", prom.NewEcho(srv, nil))
	if err != nil {
		ln.Close()
		return err
	}
	defer ms.stop(c.Context)
	stdout := c.App.Writer
	if _, err := fmt.Fprintf(stdout, "listening on %s\n", ln.Addr()); err != nil {
		ln.Close()
		return cli.Exit("echo: "+err.Error(), exitRunError)
	}
	echoFlush(stdout)

	// The stats and totals lines leave through a queue, so that a stdout
	// nobody reads (a full pipe) never holds the server's loop, and a
	// signal still stops it.
	lines := newLineQueue(stdout, echoLineQueue)
	stdout = lines

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	mode, _ := o.ioMode() // checked by serverOptions
	raw := echoRawLabel(mode, o.tlsCert != "")
	withBook := o.reply == wire.ReplyBook
	stopped, serveErr := echoWatch(c.Context, srv, served, stdout, o.statsInterval, raw, withBook)

	ctx, cancel := context.WithTimeout(context.Background(), o.grace)
	defer cancel()
	if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		logw.Printf("gigadex echo: connections still busy after %v; closed them", o.grace)
	}
	if !stopped {
		serveErr = <-served
	}
	st := srv.Stats()
	fmt.Fprintf(stdout, "totals: connections %d, messages %d, bytes in %s, bytes out %s, bad frames %d, refused %d, timeouts %d, handshake failures %d%s\n",
		st.Connections, st.Messages, report.FormatBytes(st.BytesIn), report.FormatBytes(st.BytesOut), st.BadFrames, st.Refused, st.Timeouts, st.HandshakeFailures,
		echoBookCounts(st, withBook))
	if !lines.Close(echoLineWait) {
		return cli.Exit(fmt.Sprintf("echo: stdout is not being read: the last lines (totals among them) were not written within %v", echoLineWait), exitRunError)
	}
	if n := lines.Dropped(); n > 0 {
		logw.Printf("gigadex echo: stdout was not being read: %d stats lines were dropped", n)
	}
	if serveErr != nil && !errors.Is(serveErr, echo.ErrServerClosed) {
		return cli.Exit(serveErr.Error(), exitRunError)
	}
	return nil
}

// echoMinStatsInterval is the shortest --stats-interval (0 disables).
const echoMinStatsInterval = 100 * time.Millisecond

// serverOptions checks what involves several flags, before the server
// starts, and turns the options into server options. Every bad value is a
// usage error.
func (o *echoOptions) serverOptions(c *cli.Context, logw *log.Logger) ([]echo.Option, error) {
	if c.Args().Present() {
		return nil, usagef("echo: unexpected argument %q (echo takes only flags)", c.Args().First())
	}
	mode, err := o.ioMode()
	if err != nil {
		return nil, err
	}
	opts := []echo.Option{}
	if cert, key := o.tlsCert, o.tlsKey; cert != "" || key != "" {
		switch {
		case key == "":
			return nil, usagef("echo: --tls-cert %q: needs --tls-key, the certificate's private key", cert)
		case cert == "":
			return nil, usagef("echo: --tls-key %q: needs --tls-cert, the certificate of that key", key)
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, usagef("echo: --tls-cert %q, --tls-key %q: %s", cert, key, strings.ReplaceAll(err.Error(), "\n", " "))
		}
		opts = append(opts, echo.WithTLS(&tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}))
	}
	var logger *log.Logger
	if !o.quiet {
		logger = logw
	}
	return append(opts,
		echo.WithIOMode(mode),
		echo.WithReply(o.reply),
		echo.WithMaxConns(int(o.maxConns)),
		echo.WithIdleTimeout(o.idleTimeout),
		echo.WithWriteTimeout(o.writeTimeout),
		echo.WithHandshakeTimeout(o.handshakeTimeout),
		echo.WithReadBufferSize(int(o.readBuffer)),
		echo.WithLogger(logger),
		echo.WithHeartbeat(o.heartbeat),
		echo.WithServiceTime(o.serviceTime),
		echo.WithBookMaxOrders(int(o.bookMaxOrders)),
		echo.WithDetailedStats(o.metrics.addr != ""),
	), nil
}

// ioMode returns the I/O mode of --io, or of its aliases --blocking and
// --busy-poll, which may not contradict it.
func (o *echoOptions) ioMode() (echo.IOMode, error) {
	return ioModeOf(o.io, "echo")
}

// echoRawLabel names, in the stats line, the connections read with raw
// calls ("blocking" or "busy-poll"), or is "" when every connection uses
// the network poller.
func echoRawLabel(mode echo.IOMode, tls bool) string {
	switch {
	case mode == echo.IOPoller || tls:
		return ""
	case mode == echo.IOBusyPoll:
		return "busy-poll"
	}
	return "blocking"
}

// parseListenAddr checks that addr is HOST:PORT with a port from 0 to
// 65535 (or a service name), without listening.
func parseListenAddr(addr string) (string, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		reason := err.Error()
		if ae, ok := errors.AsType[*net.AddrError](err); ok {
			reason = ae.Err
		}
		return "", fmt.Errorf("%s (want HOST:PORT; port 0 picks a free one)", reason)
	}
	if port == "" {
		return "", fmt.Errorf("missing port (want HOST:PORT; port 0 picks a free one)")
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		if _, err := net.LookupPort("tcp", port); err != nil {
			return "", fmt.Errorf("port %q is neither a number nor a known service", port)
		}
		return addr, nil
	}
	if n < 0 || n > 65535 {
		return "", fmt.Errorf("port %d out of range 0-65535", n)
	}
	return addr, nil
}

// echoWatch prints a stats line every interval (if not zero) in which
// something happened, until ctx ends or Serve returns. It reports whether
// Serve has returned, and its error.
func echoWatch(ctx context.Context, srv *echo.Server, served <-chan error, w io.Writer, interval time.Duration, raw string, withBook bool) (bool, error) {
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	last, lastAt := srv.Stats(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case err := <-served:
			return true, err
		case now := <-tick:
			st := srv.Stats()
			if st != last {
				echoStatsLine(w, now, st, last, now.Sub(lastAt), raw, withBook)
			}
			last, lastAt = st, now
		}
	}
}

// echoStatsLine prints the stats line of an interval of length d that
// ended at now. With a raw label, the open connections read with raw calls
// follow the count of open connections: "conns active 3 (blocking 1)".
// With withBook, the order book's counts end the line.
func echoStatsLine(w io.Writer, now time.Time, st, last echo.Stats, d time.Duration, raw string, withBook bool) {
	sec := d.Seconds()
	active := strconv.FormatInt(st.Active, 10)
	if raw != "" {
		active += fmt.Sprintf(" (%s %d)", raw, st.Raw)
	}
	fmt.Fprintf(w, "%s stats: conns active %s, msgs/s %.0f, MB/s in %.1f, MB/s out %.1f, bad frames %d, refused %d, timeouts %d, handshake failures %d%s\n",
		echoStamp(now), active, float64(st.Messages-last.Messages)/sec,
		float64(st.BytesIn-last.BytesIn)/sec/1e6, float64(st.BytesOut-last.BytesOut)/sec/1e6,
		st.BadFrames, st.Refused, st.Timeouts, st.HandshakeFailures, echoBookCounts(st, withBook))
	echoFlush(w)
}

// echoBookCounts returns the order book's part of the stats and totals
// lines ("" without a book): totals since the start, except resting orders
// and price levels, which are the book now.
func echoBookCounts(st echo.Stats, withBook bool) string {
	if !withBook {
		return ""
	}
	b := st.Book
	return fmt.Sprintf(", orders %d, trades %d, cancels %d, unknown cancels %d, resting orders %d, price levels %d, not rested %d",
		b.Orders, b.Trades, b.Cancels, b.UnknownCancels, b.Resting, b.Levels, b.Full+b.Duplicates)
}

// echoStampLayout is RFC 3339 in UTC with milliseconds:
// 2026-11-29T09:12:01.123Z.
const echoStampLayout = "2006-01-02T15:04:05.000Z07:00"

// echoStamp returns the timestamp that starts stats and log lines.
func echoStamp(t time.Time) string { return t.UTC().Format(echoStampLayout) }

// echoStampWriter writes each Write it gets (a log.Logger makes one per
// line) after a timestamp and a space.
type echoStampWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (s *echoStampWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = time.Now().UTC().AppendFormat(s.buf[:0], echoStampLayout)
	s.buf = append(s.buf, ' ')
	s.buf = append(s.buf, p...)
	if _, err := s.w.Write(s.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// echoAllInterfaces reports whether addr listens on every interface: an
// empty host, 0.0.0.0 or ::.
func echoAllInterfaces(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

const (
	// echoLineQueue is how many stats lines wait for a slow stdout before
	// the newest are dropped (and counted).
	echoLineQueue = 256
	// echoLineWait bounds the wait for stdout to take the last lines at
	// shutdown.
	echoLineWait = 2 * time.Second
)

// lineQueue writes each Write it gets (one line) to w from its own
// goroutine. A Write never blocks: when the queue is full the line is
// dropped and counted.
type lineQueue struct {
	w       io.Writer
	lines   chan []byte
	done    chan struct{}
	dropped atomic.Int64
}

func newLineQueue(w io.Writer, n int) *lineQueue {
	q := &lineQueue{w: w, lines: make(chan []byte, n), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for b := range q.lines {
			q.w.Write(b)
			echoFlush(q.w)
		}
	}()
	return q
}

func (q *lineQueue) Write(p []byte) (int, error) {
	select {
	case q.lines <- append([]byte(nil), p...):
	default:
		q.dropped.Add(1)
	}
	return len(p), nil
}

// Close waits up to d for the queued lines to be written, and reports
// whether they were. No Write may follow.
func (q *lineQueue) Close(d time.Duration) bool {
	close(q.lines)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-q.done:
		return true
	case <-t.C:
		return false
	}
}

// Dropped returns how many lines a full queue dropped.
func (q *lineQueue) Dropped() int64 { return q.dropped.Load() }

// echoFlush flushes w if it buffers, so that a script reading the output
// sees each line at once.
func echoFlush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		f.Flush()
	}
}
