package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/echo"
)

var echoCommand = &cli.Command{
	Name:      "echo",
	Usage:     "run a peer that answers every frame, for ping, flood and CI",
	UsageText: "gigadex echo [--addr 127.0.0.1:9000] [--reply echo|exchange] [--stats-interval 1s]",
	Description: `The first line on stdout is "listening on HOST:PORT" with the real port, so
--addr 127.0.0.1:0 picks a free port that scripts can read. On SIGINT or
SIGTERM the server stops accepting, lets open connections finish the batch
they are answering (up to --grace), then prints one line of totals:
"totals: connections N, messages N, bytes in N, bytes out N, bad frames N,
refused N, timeouts N".

With --stats-interval, one line per interval on stdout gives the open
connections, the rates over the interval (MB = 10^6 bytes) and the totals of
rare events: "stats: conns active N, msgs/s N, MB/s in X, MB/s out X, bad
frames N, refused N, timeouts N".

A malformed frame closes that connection only (the frames before it are
answered first) and is logged on stderr with the peer's address.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "addr", Value: echo.DefaultAddr, EnvVars: []string{"GIGADEX_ADDR"},
			Usage: "TCP address to listen on; port 0 picks a free port"},
		&cli.StringFlag{Name: "reply", Value: "echo",
			Usage: "echo: send every frame back unchanged; exchange: answer an Order with an OrderAck (id, server clock in ns), a CancelOrder with a CancelAck, and echo the rest"},
		&cli.IntFlag{Name: "max-conns", Usage: "refuse connections past this many open ones (0 = no limit)"},
		&cli.DurationFlag{Name: "idle-timeout", Value: echo.DefaultIdleTimeout,
			Usage: "drop a client that sends nothing for this long (0 = never)"},
		&cli.DurationFlag{Name: "write-timeout", Value: echo.DefaultWriteTimeout,
			Usage: "drop a client that stops reading its replies for this long (0 = never)"},
		&cli.IntFlag{Name: "read-buffer", Value: echo.DefaultReadBufferSize,
			Usage: "bytes per connection: the most read and answered with one write, and all the memory a connection holds"},
		&cli.DurationFlag{Name: "stats-interval",
			Usage: "print a line of counters and rates on stdout this often (0 = never)"},
		&cli.DurationFlag{Name: "grace", Value: 3 * time.Second,
			Usage: "on interrupt, how long open connections get to finish before they are closed"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"},
			Usage: "don't log dropped and refused connections on stderr"},
		&cli.BoolFlag{Name: "blocking", Usage: "serve each connection with blocking read(2)/write(2) instead of Go's network poller: lower rtt, one OS thread per waiting connection (for a few latency-critical connections)"},
		cpuProfFlag, memProfFlag,
		&cli.StringFlag{Name: "tls-cert", Usage: "serve TLS with this PEM certificate `FILE` (with --tls-key)"},
		&cli.StringFlag{Name: "tls-key", Usage: "PEM private key `FILE` of --tls-cert"},
	},
	Action: runEcho,
}

func runEcho(c *cli.Context) error {
	stderr := c.App.ErrWriter
	if stderr == nil {
		stderr = os.Stderr
	}
	opts, err := echoOptions(c, stderr)
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(c.String("cpuprofile"))
	if err != nil {
		return err
	}
	defer stopProfile()
	if p := c.String("memprofile"); p != "" {
		defer func() {
			if err := writeHeapProfile(p); err != nil {
				fmt.Fprintln(stderr, "gigadex echo: --memprofile:", err)
			}
		}()
	}
	addr := c.String("addr")
	var lc net.ListenConfig
	ln, err := lc.Listen(c.Context, "tcp", addr)
	if err != nil {
		return cli.Exit("echo: "+err.Error(), exitRunError)
	}
	if echoAllInterfaces(addr) {
		fmt.Fprintf(stderr, "gigadex echo: warning: listening on all interfaces (%s): anyone who can reach this machine can connect\n", ln.Addr())
	}
	stdout := c.App.Writer
	if _, err := fmt.Fprintf(stdout, "listening on %s\n", ln.Addr()); err != nil {
		ln.Close()
		return cli.Exit("echo: "+err.Error(), exitRunError)
	}
	echoFlush(stdout)

	srv := echo.NewServer(opts...)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stopped, serveErr := echoWatch(c.Context, srv, served, stdout, c.Duration("stats-interval"))

	ctx, cancel := context.WithTimeout(context.Background(), c.Duration("grace"))
	defer cancel()
	if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "gigadex echo: connections still busy after %v; closed them\n", c.Duration("grace"))
	}
	if !stopped {
		serveErr = <-served
	}
	st := srv.Stats()
	fmt.Fprintf(stdout, "totals: connections %d, messages %d, bytes in %d, bytes out %d, bad frames %d, refused %d, timeouts %d\n",
		st.Connections, st.Messages, st.BytesIn, st.BytesOut, st.BadFrames, st.Refused, st.Timeouts)
	echoFlush(stdout)
	if serveErr != nil && !errors.Is(serveErr, echo.ErrServerClosed) {
		return cli.Exit(serveErr.Error(), exitRunError)
	}
	return nil
}

// echoOptions turns the flags into server options.
func echoOptions(c *cli.Context, stderr io.Writer) ([]echo.Option, error) {
	reply, err := echo.ParseReply(c.String("reply"))
	if err != nil {
		return nil, usagef("echo: --reply %q: want echo or exchange", c.String("reply"))
	}
	if err := checkListenAddr(c.String("addr")); err != nil {
		return nil, usagef("echo: --addr %q: %v", c.String("addr"), err)
	}
	for _, name := range []string{"idle-timeout", "write-timeout", "stats-interval", "grace"} {
		if c.Duration(name) < 0 {
			return nil, usagef("echo: --%s %v: must not be negative", name, c.Duration(name))
		}
	}
	if n := c.Int("max-conns"); n < 0 {
		return nil, usagef("echo: --max-conns %d: must not be negative", n)
	}
	if n := c.Int("read-buffer"); n < echo.MinReadBufferSize {
		return nil, usagef("echo: --read-buffer %d: must be at least %d bytes", n, echo.MinReadBufferSize)
	}
	var logger *log.Logger
	if !c.Bool("quiet") {
		logger = log.New(stderr, "", 0)
	}
	opts := []echo.Option{}
	if cert, key := c.String("tls-cert"), c.String("tls-key"); cert != "" || key != "" {
		if cert == "" || key == "" {
			return nil, usagef("echo: --tls-cert and --tls-key go together")
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, cli.Exit(fmt.Sprintf("echo: --tls-cert/--tls-key: %v", err), exitRunError)
		}
		opts = append(opts, echo.WithTLS(&tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}))
	}
	return append(opts,
		echo.WithBlockingIO(c.Bool("blocking")),
		echo.WithReply(reply),
		echo.WithMaxConns(c.Int("max-conns")),
		echo.WithIdleTimeout(c.Duration("idle-timeout")),
		echo.WithWriteTimeout(c.Duration("write-timeout")),
		echo.WithReadBufferSize(c.Int("read-buffer")),
		echo.WithLogger(logger),
	), nil
}

// echoWatch prints a stats line every interval (if not zero) until ctx ends
// or Serve returns. It reports whether Serve has returned, and its error.
func echoWatch(ctx context.Context, srv *echo.Server, served <-chan error, w io.Writer, interval time.Duration) (bool, error) {
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
			sec := now.Sub(lastAt).Seconds()
			fmt.Fprintf(w, "stats: conns active %d, msgs/s %.0f, MB/s in %.1f, MB/s out %.1f, bad frames %d, refused %d, timeouts %d\n",
				st.Active, float64(st.Messages-last.Messages)/sec,
				float64(st.BytesIn-last.BytesIn)/sec/1e6, float64(st.BytesOut-last.BytesOut)/sec/1e6,
				st.BadFrames, st.Refused, st.Timeouts)
			echoFlush(w)
			last, lastAt = st, now
		}
	}
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

// echoFlush flushes w if it buffers, so that a script reading the output
// sees each line at once.
func echoFlush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		f.Flush()
	}
}
