package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/client"
)

// Flag values that check what they are given while the command line is
// parsed. Their errors carry the real reason (Go's flag package reports
// only "parse error" for its own types); the app turns them into one usage
// line that names the flag and the value.

// parseSI parses a non-negative decimal number with an optional SI suffix:
// k or K (10^3), M (10^6), G (10^9), T (10^12). "10k", "1.5M", "2e6" and
// "250000" are accepted; NaN, Inf, hex and negative numbers are not.
func parseSI(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty value")
	}
	mult := 1.0
	switch t[len(t)-1] {
	case 'k', 'K':
		mult = 1e3
	case 'M':
		mult = 1e6
	case 'G':
		mult = 1e9
	case 'T':
		mult = 1e12
	case 'm':
		return 0, errors.New("unknown suffix m (use k for thousands, M for millions)")
	}
	num := t
	if mult != 1 {
		num = t[:len(t)-1]
	}
	if num == "" {
		return 0, errors.New("want a number such as 10000, 10k or 1.5M")
	}
	if num[0] == '-' {
		return 0, errors.New("must not be negative")
	}
	for i := 0; i < len(num); i++ {
		c := num[i]
		isExp := (c == 'e' || c == 'E') && i > 0
		isSign := c == '+' && (i == 0 || num[i-1] == 'e' || num[i-1] == 'E')
		isSignMinus := c == '-' && i > 0 && (num[i-1] == 'e' || num[i-1] == 'E')
		if !('0' <= c && c <= '9') && c != '.' && !isExp && !isSign && !isSignMinus {
			return 0, errors.New("want a number such as 10000, 10k or 1.5M")
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, errors.New("out of range")
		}
		return 0, errors.New("want a number such as 10000, 10k or 1.5M")
	}
	v *= mult
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, errors.New("out of range")
	}
	return v, nil
}

// parseCount parses a whole, non-negative number with an optional SI
// suffix: "10k" is 10000, "1.5M" is 1500000.
func parseCount(s string) (int64, error) {
	v, err := parseSI(s)
	if err != nil {
		return 0, err
	}
	if v >= math.MaxInt64 {
		return 0, errors.New("out of range")
	}
	if v != math.Trunc(v) {
		return 0, fmt.Errorf("want a whole number, not %g", v)
	}
	return int64(v), nil
}

// formatCount prints n in the shortest form parseCount reads back.
func formatCount(n int64) string {
	for _, u := range []struct {
		div int64
		suf string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if n >= u.div && n%u.div == 0 {
			return strconv.FormatInt(n/u.div, 10) + u.suf
		}
	}
	return strconv.FormatInt(n, 10)
}

// rangeValue is a flag with a range: a count (int64, with SI suffixes)
// or a duration. zeroMeans, if set, allows 0 besides the range and says
// what it means.
type rangeValue[T int64 | time.Duration] struct {
	v         T
	min, max  T
	zeroMeans string
}

// countValue is an integer flag with SI suffixes and a range.
type countValue = rangeValue[int64]

// durationValue is a duration flag with a range.
type durationValue = rangeValue[time.Duration]

func (v *rangeValue[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		return err
	}
	if x == 0 && v.zeroMeans != "" {
		v.v = 0
		return nil
	}
	if x < v.min || x > v.max {
		return fmt.Errorf("must be from %s", v.rangeText())
	}
	v.v = x
	return nil
}

// parse reads a count with parseCount, a duration with parseDuration.
func (v *rangeValue[T]) parse(s string) (T, error) {
	if _, ok := any(v.v).(time.Duration); ok {
		d, err := parseDuration(s)
		return T(d), err
	}
	n, err := parseCount(s)
	return T(n), err
}

// format prints a count with formatCount, a duration with shortDuration.
func (v *rangeValue[T]) format(x T) string {
	if _, ok := any(x).(time.Duration); ok {
		return shortDuration(time.Duration(x))
	}
	return formatCount(int64(x))
}

func (v *rangeValue[T]) zeroNote() string {
	if v.zeroMeans == "" {
		return ""
	}
	return ", or 0 for " + v.zeroMeans
}

func (v *rangeValue[T]) String() string { return v.format(v.v) }

// rangeText describes the accepted values, for --help.
func (v *rangeValue[T]) rangeText() string {
	return fmt.Sprintf("%s to %s%s", v.format(v.min), v.format(v.max), v.zeroNote())
}

// rateValue is a message rate in msgs/s with SI suffixes; 0 is closed loop.
type rateValue struct {
	r   float64
	max float64
}

func (v *rateValue) Set(s string) error {
	r, err := parseSI(s)
	if err != nil {
		return err
	}
	if r != 0 && (r < 1 || r > v.max) {
		return fmt.Errorf("must be from 1 to %s msgs/s, or 0 for closed loop", formatCount(int64(v.max)))
	}
	v.r = r
	return nil
}

func (v *rateValue) String() string { return strconv.FormatFloat(v.r, 'g', -1, 64) }

// shortDuration prints d without zero minutes and seconds: 1h, not 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// parseDuration is time.ParseDuration with reasons a person can act on.
func parseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, errors.New("must not be negative")
	}
	d, err := time.ParseDuration(t)
	if err == nil {
		return d, nil
	}
	msg := err.Error()
	switch {
	case t == "":
		return 0, errors.New("empty value, want a duration such as 2s or 500ms")
	case strings.Contains(msg, "missing unit"):
		return 0, fmt.Errorf("missing unit, e.g. %ss", t)
	case strings.Contains(msg, "unknown unit"):
		return 0, errors.New("unknown unit (use ns, us, ms, s, m or h)")
	case strings.Contains(msg, "overflow") || strings.Contains(msg, "invalid duration") && isDurationShaped(t):
		return 0, errors.New("not a duration, or out of range (at most 2562047h)")
	}
	return 0, errors.New("want a duration such as 2s, 500ms or 1m30s")
}

// isDurationShaped reports whether s is made of digits, dots and unit
// letters, so that time.ParseDuration's "invalid duration" means overflow.
func isDurationShaped(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789.nsuµmh", c) {
			return false
		}
	}
	return s != ""
}

// warmupValue is a warmup given as a duration (1s) or a message count
// (1000, 1k); both set is whichever comes first.
type warmupValue struct {
	d time.Duration
	n int64
}

// maxWarmup bounds --warmup.
const (
	maxWarmup      = time.Hour
	maxWarmupCount = 1_000_000_000
)

func (v *warmupValue) Set(s string) error {
	t := strings.TrimSpace(s)
	if n, err := parseCount(t); err == nil {
		if n > maxWarmupCount {
			return fmt.Errorf("at most %s messages", formatCount(maxWarmupCount))
		}
		*v = warmupValue{n: n}
		return nil
	} else if strings.HasPrefix(t, "-") {
		return err
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return errors.New("want a duration (1s) or a message count (1000, 10k)")
	}
	if d > maxWarmup {
		return fmt.Errorf("at most %v", maxWarmup)
	}
	*v = warmupValue{d: d}
	return nil
}

func (v *warmupValue) String() string {
	switch {
	case v.d > 0 && v.n > 0:
		return fmt.Sprintf("%s messages or %s, whichever comes first", formatCount(v.n), shortDuration(v.d))
	case v.d > 0:
		return shortDuration(v.d)
	default:
		return formatCount(v.n)
	}
}

// uint64Value is any unsigned 64-bit integer.
type uint64Value struct{ n uint64 }

func (v *uint64Value) Set(s string) error {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return errors.New("must not be negative")
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return errors.New("out of range (at most 18446744073709551615)")
		}
		return errors.New("want a whole number")
	}
	v.n = n
	return nil
}

func (v *uint64Value) String() string { return strconv.FormatUint(v.n, 10) }

// checkAddr checks a peer address: HOST:PORT with a port from 1 to 65535.
// It does not resolve the host.
func checkAddr(addr string) error { return checkHostPort(addr, 1) }

// checkListenAddr checks an address to listen on: HOST:PORT, or :PORT
// for every interface, with a port from 0 (any free port) to 65535.
func checkListenAddr(addr string) error { return checkHostPort(addr, 0) }

func checkHostPort(addr string, minPort int) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) && ae.Err == "missing port in address" {
			return fmt.Errorf("missing port, e.g. %s:9000", addr)
		}
		return errors.New("want HOST:PORT, e.g. 127.0.0.1:9000 or [::1]:9000")
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("host %q is not a host name or IP address", host)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		if port == "" {
			return errors.New("missing port number after the colon")
		}
		return fmt.Errorf("port %q is not a number", port)
	}
	if n < minPort || n > 65535 {
		return fmt.Errorf("port %d is out of range (%d to 65535)", n, minPort)
	}
	return nil
}

// Constructors of fresh flags: every app gets its own values, so that
// running the command line twice in one process starts from the defaults.

func countFlag(name string, aliases []string, def int64, min, max int64, zeroMeans, usage string) *cli.GenericFlag {
	v := &countValue{v: def, min: min, max: max, zeroMeans: zeroMeans}
	return &cli.GenericFlag{Name: name, Aliases: aliases, Value: v,
		Usage: fmt.Sprintf("%s (`N`: %s; accepts 10k, 1.5M)", usage, v.rangeText())}
}

func durFlag(name string, aliases []string, def, min, max time.Duration, zeroMeans, usage string) *cli.GenericFlag {
	v := &durationValue{v: def, min: min, max: max, zeroMeans: zeroMeans}
	return &cli.GenericFlag{Name: name, Aliases: aliases, Value: v,
		Usage: fmt.Sprintf("%s (`D`: %s)", usage, v.rangeText())}
}

// Reading flag values.

func countOf(c *cli.Context, name string) int64 { return c.Generic(name).(*countValue).v }

func durationOf(c *cli.Context, name string) time.Duration {
	return c.Generic(name).(*durationValue).v
}

func rateOf(c *cli.Context, name string) float64 { return c.Generic(name).(*rateValue).r }

func warmupOf(c *cli.Context, name string) warmupValue { return *c.Generic(name).(*warmupValue) }

func uint64Of(c *cli.Context, name string) uint64 { return c.Generic(name).(*uint64Value).n }

// ioModeOf reads --io, or its aliases --blocking and --busy-poll, which may
// not contradict it, for the I/O mode type of the client or the echo.
func ioModeOf[M comparable](c *cli.Context, cmd string, parse func(string) (M, error), blocking, busyPoll M) (M, error) {
	mode, err := parse(c.String("io"))
	if err != nil {
		return mode, usagef("%s: --io %q: want auto, poller, blocking or busy-poll", cmd, c.String("io"))
	}
	for _, alias := range []struct {
		flag string
		mode M
	}{{"blocking", blocking}, {"busy-poll", busyPoll}} {
		if !c.Bool(alias.flag) {
			continue
		}
		if alias.mode == busyPoll && c.Bool("blocking") {
			return mode, usagef("%s: --busy-poll contradicts --blocking", cmd)
		}
		if c.IsSet("io") && mode != alias.mode {
			return mode, usagef("%s: --%s contradicts --io %s", cmd, alias.flag, c.String("io"))
		}
		mode = alias.mode
	}
	return mode, nil
}

// clientIOFlags are --io and its aliases, for ping, flood and capacity.
func clientIOFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "io", Value: "auto",
			Usage: "how connections wait for replies: blocking (raw recvfrom(2) on a blocking socket: the lowest rtt short of spinning, a P per waiting connection), poller (Go's network poller: any number of connections), busy-poll (spin: a busy core per connection), or auto (blocking while the connections are fewer than GOMAXPROCS, or for a lone connection, and the peer is another process; else poller); the result's generator section says which mode ran"},
		&cli.BoolFlag{Name: "blocking", Usage: "same as --io blocking"},
		&cli.BoolFlag{Name: "busy-poll", Usage: "same as --io busy-poll"},
	}
}

// clientIOOptions resolves --io for a run of conns connections to addr
// ("" for the in-process echo) and returns its connection options.
func clientIOOptions(c *cli.Context, cmd, addr string, conns int) ([]client.Option, error) {
	mode, err := ioModeOf(c, cmd, client.ParseIOMode, client.IOBlocking, client.IOBusyPoll)
	if err != nil {
		return nil, err
	}
	return client.ChooseIOMode(mode, conns, runtime.GOMAXPROCS(0), addr == "").Options(), nil
}
