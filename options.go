package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/client"
	"github.com/gigadex/gigadex/internal/outfile"
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/wire"
)

// Option groups that several commands share, each with the flags bound to
// it. See flags.go for how to add a flag.

// clientOptions are the settings of a load generator's connections:
// ping, flood and capacity.
type clientOptions struct {
	addr                         string
	conns                        int64
	reply                        wire.Reply
	seed                         uint64
	replyTimeout, connectTimeout time.Duration
	tls                          tlsOptions
	io                           ioOptions
	strict                       bool
	idBase                       uint64
	idBaseGiven                  bool
	cross                        int64
	heartbeatTimeout             time.Duration
	messages                     []wire.Message
	messagesFile                 string // --messages, an input no output may replace
}

func newClientOptions(conns int64) clientOptions {
	return clientOptions{conns: conns, seed: 1, replyTimeout: defaultReplyTimeout, connectTimeout: client.DefaultConnectTimeout, cross: client.DefaultCross}
}

// defaultReplyTimeout is --reply-timeout's default.
const defaultReplyTimeout = 10 * time.Second

// flags binds o's flags; io says how --io is described.
func (o *clientOptions) flags() []cli.Flag {
	return append([]cli.Flag{
		addrFlag(&o.addr),
		connsFlag(&o.conns),
		replyFlag(&o.reply),
		durFlag(&o.replyTimeout, nil, "reply-timeout", nil, rangeOf[time.Duration]{min: minTimeout, max: maxTimeout},
			"fail a connection that gets no reply for this long while messages are in flight"),
		connectTimeoutFlag(&o.connectTimeout),
		seedFlag(&o.seed),
		boolFlag(&o.strict, "strict", nil, "make the first unsolicited message (a Trade, a Heartbeat the peer sends on its own) a run error, quoted: for echo peers, which send nothing unasked"),
		idBaseFlag(&o.idBase, &o.idBaseGiven),
		valueFlag(&o.messages, "messages", func(path string) ([]wire.Message, error) {
			o.messagesFile = path
			return readMessages(path)
		}, nil,
			"replay `FILE`'s messages in order, looping, instead of the mix: the frames `gigadex encode` writes, or its JSON lines; ids are rewritten so that replies name their request"),
		durFlag(&o.heartbeatTimeout, nil, "heartbeat-timeout", nil, rangeOf[time.Duration]{min: minTimeout, max: maxTimeout, zeroMeans: "off"},
			"fail a connection whose peer sent no Heartbeat of its own for this long"),
		countFlag(&o.cross, nil, "cross", nil, rangeOf[int64]{min: 0, max: 100},
			"percent of Orders priced to cross the book of an exchange or book peer (prices follow a mid-price walk seeded by --seed)"),
	}, append(o.tls.flags(), o.io.flags(clientIOUsage)...)...)
}

// config checks what involves several of o's flags and returns the
// connection settings of a run of command.
func (o *clientOptions) config(command string) (client.LoadConfig, error) {
	cfg := client.LoadConfig{
		Command:          command,
		Addr:             o.addr,
		Conns:            int(o.conns),
		Reply:            o.reply,
		Seed:             o.seed,
		ReplyTimeout:     o.replyTimeout,
		ConnectTimeout:   o.connectTimeout,
		Strict:           o.strict,
		HeartbeatTimeout: o.heartbeatTimeout,
		Messages:         o.messages,
		IDBase:           o.idBase,
		Cross:            int(o.cross),
	}
	if o.cross == 0 {
		cfg.Cross = -1 // none
	}
	tc, err := o.tls.config()
	if err != nil {
		return cfg, err
	}
	if tc != nil {
		cfg.Options = append(cfg.Options, client.WithTLS(tc))
	}
	mode, err := ioModeOf(o.io, command)
	if err != nil {
		return cfg, err
	}
	cfg.Options = append(cfg.Options, client.WithIOMode(client.ChooseIOMode(mode, cfg.Conns, runtime.GOMAXPROCS(0), o.addr == "")))
	return cfg, nil
}

func addrFlag(dst *string) *cli.GenericFlag {
	f := valueFlag(dst, "addr", func(s string) (string, error) { return s, checkAddr(s) }, nil,
		"peer `HOST:PORT` (port 1 to 65535); without it an in-process echo server on 127.0.0.1 is started")
	f.EnvVars = []string{"GIGADEX_ADDR"}
	return f
}

func connsFlag(dst *int64) *cli.GenericFlag {
	return countFlag(dst, nil, "conns", []string{"c"}, rangeOf[int64]{min: 1, max: maxConns}, "number of connections")
}

func connectTimeoutFlag(dst *time.Duration) *cli.GenericFlag {
	return durFlag(dst, nil, "connect-timeout", nil, rangeOf[time.Duration]{min: minTimeout, max: maxTimeout},
		"give up a connection attempt (TLS handshake included) after this long")
}

func replyFlag(dst *wire.Reply) *cli.GenericFlag {
	return valueFlag(dst, "reply", parseReply, wire.Reply.String,
		"what the peer answers, and replies are checked against: `MODE` echo, exchange (acks by id, Trades and Heartbeats unasked) or book (an exchange with an order book)")
}

// readMessages reads the messages of --messages: whole binary frames, or
// JSON lines as `gigadex encode` reads them.
func readMessages(path string) ([]wire.Message, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, outfile.Reason(err)
	}
	var msgs []wire.Message
	if len(data) >= wire.LengthPrefixSize && data[0] == wire.PayloadSize && data[1] == 0 && data[2] == 0 && data[3] == 0 {
		for off := 0; off < len(data); off += wire.FrameLen {
			m, _, err := wire.Decode(data[off:])
			if err != nil {
				return nil, fmt.Errorf("frame at byte %d: %w", off, err)
			}
			msgs = append(msgs, m)
		}
	} else {
		for i, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			m, err := wire.ParseJSON([]byte(line))
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return nil, errors.New("no message in it")
	}
	return msgs, nil
}

func idBaseFlag(dst *uint64, given *bool) *cli.GenericFlag {
	f := valueFlag(dst, "id-base", parseUint64, func(n uint64) string { return fmt.Sprint(n) },
		"add `N` to every message id; connection i's ids start at N + i<<36, so connections never share one")
	f.Value.(*boundValue).given = given
	f.DefaultText = "agent<<50 with --tag agent=NUMBER (or a name ending in one), so that agents sharing a peer do not collide; else 0"
	return f
}

// agentIDBase returns the default --id-base of an agent labelled
// --tag agent=a: client.AgentIDBase of the number a is or ends in, and 0
// for a label with no number.
func agentIDBase(a string) uint64 {
	i := len(a)
	for i > 0 && a[i-1] >= '0' && a[i-1] <= '9' {
		i--
	}
	n, err := strconv.ParseUint(a[i:], 10, 64)
	if err != nil || n >= 1024 {
		return 0
	}
	return client.AgentIDBase(n)
}

func parseReply(s string) (wire.Reply, error) {
	r, err := wire.ParseReply(s)
	if err != nil || s == "" {
		return r, fmt.Errorf("want echo, exchange or book")
	}
	return r, nil
}

func seedFlag(dst *uint64) *cli.GenericFlag {
	return valueFlag(dst, "seed", parseUint64, func(n uint64) string { return fmt.Sprint(n) },
		"seed of the message mix (`N`: 0 to 18446744073709551615)")
}

// defaultMix is --mix's default.
const defaultMix = "order=90,cancel=10"

func mixFlag(dst *client.Mix) *cli.GenericFlag {
	return valueFlag(dst, "mix", parseMix, client.Mix.String,
		"message types in percent, `MIX` of heartbeat, order, order_ack, trade, cancel, cancel_ack; seeded and reproducible")
}

func parseMix(s string) (client.Mix, error) {
	m, err := client.ParseMix(s)
	if err != nil {
		return m, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), fmt.Sprintf("mix %q: ", s)))
	}
	return m, nil
}

func mustMix(s string) client.Mix {
	m, err := client.ParseMix(s)
	if err != nil {
		panic(err)
	}
	return m
}

// tlsOptions are --tls-ca and --tls-server-name.
type tlsOptions struct {
	roots      *x509.CertPool
	serverName string
}

func (o *tlsOptions) flags() []cli.Flag {
	return []cli.Flag{
		valueFlag(&o.roots, "tls-ca", readCA, nil,
			"speak TLS, trusting the PEM certificates in `FILE` (the peer's certificate or its CA)"),
		stringFlag(&o.serverName, "tls-server-name", nil,
			"with --tls-ca, the `NAME` to verify in the peer's certificate (default: the host of --addr)"),
	}
}

// readCA reads the PEM certificates of --tls-ca.
func readCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, outfile.Reason(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificate in it")
	}
	return pool, nil
}

// config returns the client's TLS configuration, or nil without --tls-ca.
func (o *tlsOptions) config() (*tls.Config, error) {
	if o.roots == nil {
		if o.serverName != "" {
			return nil, usagef("--tls-server-name needs --tls-ca")
		}
		return nil, nil
	}
	return &tls.Config{RootCAs: o.roots, ServerName: o.serverName, MinVersion: tls.VersionTLS12}, nil
}

// ioOptions are --io and its aliases --blocking and --busy-poll.
type ioOptions struct {
	mode               string
	modeGiven          bool
	blocking, busyPoll bool
}

const clientIOUsage = "how connections wait for replies: `MODE` blocking (raw recvfrom(2) on a blocking socket: the lowest rtt short of spinning, a P per waiting connection), poller (Go's network poller: any number of connections), busy-poll (spin: a busy core per connection), or auto (blocking while the connections are fewer than GOMAXPROCS, or for a lone connection, and the peer is another process; else poller); the result's generator section says which mode ran"

func (o *ioOptions) flags(usage string) []cli.Flag {
	o.mode = "auto"
	mode := valueFlag(&o.mode, "io", func(s string) (string, error) {
		if _, err := client.ParseIOMode(s); err != nil {
			return s, fmt.Errorf("want auto, poller, blocking or busy-poll")
		}
		return s, nil
	}, func(s string) string { return s }, usage)
	mode.Value.(*boundValue).given = &o.modeGiven
	return []cli.Flag{
		mode,
		boolFlag(&o.blocking, "blocking", nil, "same as --io blocking"),
		boolFlag(&o.busyPoll, "busy-poll", nil, "same as --io busy-poll"),
	}
}

// ioModeOf resolves --io and its aliases, which may not contradict it: the
// I/O mode of the client's or the echo's connections.
func ioModeOf(o ioOptions, cmd string) (client.IOMode, error) {
	mode, err := client.ParseIOMode(o.mode)
	if err != nil {
		return mode, usagef("%s: --io %q: want auto, poller, blocking or busy-poll", cmd, o.mode)
	}
	if o.blocking && o.busyPoll {
		return mode, usagef("%s: --busy-poll contradicts --blocking", cmd)
	}
	for _, alias := range []struct {
		flag string
		on   bool
		mode client.IOMode
	}{{"blocking", o.blocking, client.IOBlocking}, {"busy-poll", o.busyPoll, client.IOBusyPoll}} {
		if !alias.on {
			continue
		}
		if o.modeGiven && mode != alias.mode {
			return mode, usagef("%s: --%s contradicts --io %s", cmd, alias.flag, o.mode)
		}
		mode = alias.mode
	}
	return mode, nil
}

// outputOptions are where a run's result goes: --json, -o, --hlog, --hgrm
// (each command binds those it has).
type outputOptions struct {
	json, quiet            bool
	out, hlog, hgrm, junit string
	stdout                 *os.File    // the command's stdout, if a file: no output may be its file
	inputs                 [][2]string // flag and path of each input file, which no output may be
}

func (o *outputOptions) jsonFlag(usage string) *cli.BoolFlag {
	return boolFlag(&o.json, "json", nil, usage)
}

func (o *outputOptions) quietFlag(usage string) *cli.BoolFlag {
	return boolFlag(&o.quiet, "quiet", []string{"q"}, usage)
}

func (o *outputOptions) outFlag(usage string) *cli.GenericFlag {
	return fileFlag(&o.out, "out", []string{"o"}, usage)
}

func (o *outputOptions) junitFlag(usage string) *cli.GenericFlag {
	return fileFlag(&o.junit, "junit", nil, usage)
}

// check checks the output files before the run: each can be written, no
// two name the same file, and at most one is stdout besides --json. The
// files are the paths of -o, --hlog, --hgrm, --junit and extra, in that
// order.
func (o *outputOptions) check(extra ...[2]string) error {
	seen := map[string]string{}
	stdoutUser := ""
	if o.json {
		stdoutUser = "--json"
	}
	files := append([][2]string{{"-o", o.out}, {"--hlog", o.hlog}, {"--hgrm", o.hgrm}, {"--junit", o.junit}}, extra...)
	for _, f := range files {
		flag, path := f[0], f[1]
		if path == "" {
			continue
		}
		if err := checkOutput(flag, path); err != nil {
			return err
		}
		t, _ := outfile.Resolve(path)
		if t.Kind == outfile.Stdout {
			if stdoutUser != "" && !(flag == "-o" && stdoutUser == "--json") {
				return usagef("%s %q: stdout already carries the output of %s", flag, path, stdoutUser)
			}
			if stdoutUser == "" {
				stdoutUser = flag
			}
			continue
		}
		if outfile.IsFile(t.File, o.stdout) {
			// The file stdout was redirected to (flood --hlog F > F):
			// two writers of one file, where neither output survives.
			return usagef("%s %q: the same file as stdout (it is redirected there); write one of them elsewhere", flag, path)
		}
		if st, err := os.Stat(t.File); t.Kind != outfile.Replace && (err != nil || !st.Mode().IsRegular()) {
			continue // a device or a FIFO (/dev/null) may take several outputs
		}
		for other, otherFlag := range seen {
			if outfile.Same(other, t.File) {
				return usagef("%s %q: the same file as %s", flag, path, otherFlag)
			}
		}
		for _, in := range o.inputs {
			if in[1] != "" && in[1] != "-" && outfile.Same(in[1], t.File) {
				return usagef("%s %q: the same file as %s, an input: write the output elsewhere", flag, path, in[0])
			}
		}
		seen[t.File] = flag
	}
	return nil
}

// profileOptions are --cpuprofile and --memprofile.
type profileOptions struct{ cpu, mem string }

func (o *profileOptions) flags() []cli.Flag {
	return []cli.Flag{
		fileFlag(&o.cpu, "cpuprofile", nil, "write a CPU profile to `FILE`"),
		fileFlag(&o.mem, "memprofile", nil, "write a heap profile to `FILE` at the end"),
	}
}

// parseThreshold reads a --threshold.
func parseThreshold(s string) (report.Threshold, error) {
	th, err := report.ParseThreshold(s)
	return th, exprReason(err)
}

// parseLimits reads a --max-regress.
func parseLimits(s string) (report.Limits, error) {
	l, err := report.ParseLimits(s)
	return l, exprReason(err)
}

// exprReason is the reason a threshold or limit expression was refused,
// without the expression (the usage line quotes the flag's value).
func exprReason(err error) error {
	if ee, ok := errors.AsType[*report.ExprError](err); ok {
		return errors.New(ee.Reason)
	}
	return err
}

func thresholdFlag(dst *[]report.Threshold, usage string) *cli.GenericFlag {
	return listFlag(dst, "threshold", parseThreshold, usage)
}
