package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// The parsers behind the flags' values. Each returns the reason a value is
// refused, without the flag's name: the usage line adds the flag and the
// value.

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
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && n >= 0 {
		return n, nil // exact, up to the largest int64
	} else if errors.Is(err, strconv.ErrRange) {
		return 0, errors.New("out of range")
	}
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

// rangeOf is the range of a count (int64, with SI suffixes) or a
// duration flag. zeroMeans, if set, allows 0 besides the range and says
// what it means.
type rangeOf[T int64 | time.Duration] struct {
	min, max  T
	zeroMeans string
}

// parse reads s (a count with parseCount, a duration with parseDuration)
// and checks the range.
func (r rangeOf[T]) parse(s string) (T, error) {
	var x T
	if _, ok := any(x).(time.Duration); ok {
		d, err := parseDuration(s)
		if err != nil {
			return 0, err
		}
		x = T(d)
	} else {
		n, err := parseCount(s)
		if err != nil {
			return 0, err
		}
		x = T(n)
	}
	if x == 0 && r.zeroMeans != "" {
		return 0, nil
	}
	if x < r.min || x > r.max {
		bounds := "from " + r.text()
		if r.max == T(math.MaxInt64) {
			bounds = "at least " + r.format(r.min) + r.zero()
		}
		return 0, fmt.Errorf("must be %s, not %s", bounds, r.format(x))
	}
	return x, nil
}

// format prints a count with formatCount, a duration with shortDuration.
func (r rangeOf[T]) format(x T) string {
	if d, ok := any(x).(time.Duration); ok {
		return shortDuration(d)
	}
	return formatCount(int64(x))
}

func (r rangeOf[T]) zero() string {
	if r.zeroMeans == "" {
		return ""
	}
	return ", or 0 for " + r.zeroMeans
}

// text describes the accepted values, for --help and errors.
func (r rangeOf[T]) text() string {
	zero := r.zero()
	if r.max == T(math.MaxInt64) {
		return fmt.Sprintf("%s or more%s", r.format(r.min), zero)
	}
	return fmt.Sprintf("%s to %s%s", r.format(r.min), r.format(r.max), zero)
}

// parseRate reads a message rate in msgs/s with SI suffixes, from 1 to
// max, or 0 for closed loop.
func parseRate(s string, max float64) (float64, error) {
	r, err := parseSI(s)
	if err != nil {
		return 0, err
	}
	if r != 0 && (r < 1 || r > max) {
		return 0, fmt.Errorf("must be from 1 to %s msgs/s, or 0 for closed loop", formatCount(int64(max)))
	}
	return r, nil
}

// shortDuration prints d as a person writes it: 60s, not 1m0s; 1h, not
// 1h0m0s.
func shortDuration(d time.Duration) string {
	if d > 0 && d < time.Hour && d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s" // 60s, not 1m0s
	}
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

// warmup is a warmup given as a duration (1s) or a message count (1000,
// 1k); both set is whichever comes first.
type warmup struct {
	d time.Duration
	n int64
}

// maxWarmup bounds --warmup.
const (
	maxWarmup      = time.Hour
	maxWarmupCount = 1_000_000_000
)

// parseWarmup reads a --warmup: a message count or a duration.
func parseWarmup(s string) (warmup, error) {
	t := strings.TrimSpace(s)
	if n, err := parseCount(t); err == nil {
		if n > maxWarmupCount {
			return warmup{}, fmt.Errorf("at most %s messages", formatCount(maxWarmupCount))
		}
		return warmup{n: n}, nil
	} else if strings.HasPrefix(t, "-") {
		return warmup{}, err
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return warmup{}, errors.New("want a duration (1s) or a message count (1000, 10k)")
	}
	if d > maxWarmup {
		return warmup{}, fmt.Errorf("at most %v", maxWarmup)
	}
	return warmup{d: d}, nil
}

func (w warmup) String() string {
	switch {
	case w.d > 0 && w.n > 0:
		return fmt.Sprintf("%s messages or %s, whichever comes first", formatCount(w.n), shortDuration(w.d))
	case w.d > 0:
		return shortDuration(w.d)
	default:
		return formatCount(w.n)
	}
}

// parseUint64 reads any unsigned 64-bit integer.
func parseUint64(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, errors.New("must not be negative")
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, errors.New("out of range (at most 18446744073709551615)")
		}
		return 0, errors.New("want a whole number")
	}
	return n, nil
}

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
