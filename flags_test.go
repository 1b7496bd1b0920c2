package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseSI(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{"0", 0, ""},
		{"250000", 250000, ""},
		{"10k", 10e3, ""},
		{"10K", 10e3, ""},
		{"1.5M", 1.5e6, ""},
		{"2G", 2e9, ""},
		{"1T", 1e12, ""},
		{"2e6", 2e6, ""},
		{"0.5", 0.5, ""},
		{" 7 ", 7, ""},
		{"", 0, "empty value"},
		{"k", 0, "want a number"},
		{"-5", 0, "must not be negative"},
		{"-1k", 0, "must not be negative"},
		{"NaN", 0, "want a number"},
		{"Inf", 0, "want a number"},
		{"+Inf", 0, "want a number"},
		{"0x10", 0, "want a number"},
		{"1m", 0, "unknown suffix m"},
		{"10 k", 0, "want a number"},
		{"1e400", 0, "out of range"},
		{"1e300T", 0, "out of range"},
		{"1..2", 0, "want a number"},
		{"e5", 0, "want a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSI(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"10000", 10000, ""},
		{"10k", 10000, ""},
		{"1.5M", 1500000, ""},
		{"1.5k", 1500, ""},
		{"0", 0, ""},
		{"1.5", 0, "whole number"},
		{"1.0001k", 0, "whole number"},
		{"9.3e18", 0, "out of range"},
		{"-5", 0, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseCount(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestFormatCountRoundTrip(t *testing.T) {
	for _, n := range []int64{0, 1, 999, 1000, 1500, 10000, 1048576, 2e6, 3e9, 1e12, 123456789} {
		s := formatCount(n)
		back, err := parseCount(s)
		if err != nil || back != n {
			t.Errorf("formatCount(%d) = %q, which parses as %d, %v", n, s, back, err)
		}
	}
}

func TestFlagValues(t *testing.T) {
	window := rangeOf[int64]{min: 1, max: 1 << 20}
	count := rangeOf[int64]{min: 1, max: 10, zeroMeans: "none"}
	timeout := rangeOf[time.Duration]{min: time.Millisecond, max: time.Hour}
	dur := rangeOf[time.Duration]{min: time.Millisecond, max: time.Hour, zeroMeans: "none"}
	var (
		n    int64
		d    time.Duration
		r    float64
		w    warmup
		seed uint64
	)
	rate := func(s string) (float64, error) { return parseRate(s, 1e9) }
	tests := []struct {
		name    string
		v       interface{ Set(string) error }
		in      string
		wantErr string
	}{
		{"window ok", bind(&n, window.parse, nil), "1k", ""},
		{"window max", bind(&n, window.parse, nil), "1048576", ""},
		{"window huge", bind(&n, window.parse, nil), "2000000", "must be from 1 to 1048576"},
		{"window zero", bind(&n, window.parse, nil), "0", "must be from 1"},
		{"count zero means none", bind(&n, count.parse, nil), "0", ""},
		{"count over", bind(&n, count.parse, nil), "11", "or 0 for none"},
		{"rate zero", bind(&r, rate, nil), "0", ""},
		{"rate SI", bind(&r, rate, nil), "1.5M", ""},
		{"rate below 1", bind(&r, rate, nil), "0.5", "must be from 1"},
		{"rate huge", bind(&r, rate, nil), "2G", "must be from 1"},
		{"rate NaN", bind(&r, rate, nil), "NaN", "want a number"},
		{"timeout ok", bind(&d, timeout.parse, nil), "250ms", ""},
		{"timeout tiny", bind(&d, timeout.parse, nil), "1ns", "must be from 1ms to 1h"},
		{"timeout zero", bind(&d, timeout.parse, nil), "0", "must be from 1ms"},
		{"duration zero means none", bind(&d, dur.parse, nil), "0", ""},
		{"duration no unit", bind(&d, timeout.parse, nil), "2", "missing unit, e.g. 2s"},
		{"duration negative", bind(&d, timeout.parse, nil), "-2s", "must not be negative"},
		{"duration bad unit", bind(&d, timeout.parse, nil), "2x", "unknown unit"},
		{"duration overflow", bind(&d, timeout.parse, nil), "9999999999h", "out of range"},
		{"duration junk", bind(&d, timeout.parse, nil), "soon", "want a duration"},
		{"warmup count", bind(&w, parseWarmup, nil), "10k", ""},
		{"warmup duration", bind(&w, parseWarmup, nil), "1s", ""},
		{"warmup negative", bind(&w, parseWarmup, nil), "-1", "must not be negative"},
		{"warmup junk", bind(&w, parseWarmup, nil), "soon", "want a duration (1s) or a message count"},
		{"warmup huge", bind(&w, parseWarmup, nil), "2h", "at most 1h"},
		{"seed max", bind(&seed, parseUint64, nil), "18446744073709551615", ""},
		{"seed over", bind(&seed, parseUint64, nil), "18446744073709551616", "out of range"},
		{"seed negative", bind(&seed, parseUint64, nil), "-1", "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Set(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Set(%q): %v", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Set(%q): got %v, want error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

// TestBoundValueKeepsFieldOnRefusal checks that a refused value leaves the
// field as it was, and that the field holds what was accepted.
func TestBoundValueKeepsFieldOnRefusal(t *testing.T) {
	n := int64(7)
	v := bind(&n, rangeOf[int64]{min: 1, max: 10}.parse, rangeOf[int64]{}.format)
	if err := v.Set("11"); err == nil || n != 7 {
		t.Fatalf("Set(11): err %v, field %d; want an error and 7", err, n)
	}
	if err := v.Set("3"); err != nil || n != 3 || v.String() != "3" {
		t.Fatalf("Set(3): err %v, field %d, String %q; want 3", err, n, v.String())
	}
}

func TestWarmupBoth(t *testing.T) {
	w, err := parseWarmup("10k")
	if err != nil || w.n != 10000 || w.d != 0 {
		t.Fatalf("got %+v, %v", w, err)
	}
	w = warmup{d: time.Second, n: 1000}
	if got := w.String(); got != "1k messages or 1s, whichever comes first" {
		t.Fatalf("got %q", got)
	}
}

func TestCheckAddr(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"127.0.0.1:9000", ""},
		{"localhost:1", ""},
		{"[::1]:65535", ""},
		{":9000", ""},
		{"localhost", "missing port, e.g. localhost:9000"},
		{"127.0.0.1:99999", "port 99999 is out of range (1 to 65535)"},
		{"127.0.0.1:0", "port 0 is out of range"},
		{"127.0.0.1:", "missing port number"},
		{"127.0.0.1:http", `port "http" is not a number`},
		{"::1", "want HOST:PORT"},
		{"a b:80", "is not a host name"},
	}
	for _, tt := range tests {
		err := checkAddr(tt.in)
		if tt.in == "127.0.0.1:0" {
			if lerr := checkListenAddr(tt.in); lerr != nil {
				t.Errorf("checkListenAddr(%q) = %v, want nil: port 0 picks a free port", tt.in, lerr)
			}
		}
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("checkAddr(%q) = %v, want %q", tt.in, err, tt.wantErr)
		}
	}
}

// FuzzParseSI checks that the parser never panics, never returns a
// negative, infinite or NaN value, and that what it accepts without a
// suffix is what strconv reads.
func FuzzParseSI(f *testing.F) {
	for _, s := range []string{"10k", "1.5M", "2e6", "-1", "NaN", "Inf", "0x1p3", "1T", "", "k", "1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseSI(s)
		if err != nil {
			return
		}
		if v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			t.Fatalf("parseSI(%q) = %v", s, v)
		}
		if n, err := parseCount(s); err == nil && (n < 0 || float64(n) != v) {
			t.Fatalf("parseCount(%q) = %d, parseSI = %v", s, n, v)
		}
	})
}
