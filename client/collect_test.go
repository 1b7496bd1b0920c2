package client

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gigadex/gigadex/report"
)

func TestRunError(t *testing.T) {
	dead := errors.New("the peer closed the connection without answering")
	tests := []struct {
		name       string
		run        report.Run
		fatal      []error
		mismatched int64
		started    bool
		want       []error
		wantMsg    string
	}{
		{"ok", report.Run{Sent: 10, Received: 10}, nil, 0, true, nil, ""},
		{"no reply", report.Run{Sent: 10, Errors: 10, ErrorSamples: []string{"conn 0: 10 replies still missing after the drain"}}, nil, 0, true,
			[]error{ErrNothingMeasured}, "10 messages sent in the measured window, no reply came back (10 errors; the first: conn 0: 10 replies still missing"},
		{"nothing sent", report.Run{}, nil, 0, true, []error{ErrNothingMeasured}, "no message was sent in the measured window"},
		{"warmup never ended", report.Run{}, nil, 0, false, []error{ErrNothingMeasured}, "the warmup did not end before the run did"},
		{"connection failed", report.Run{Connections: 1}, []error{dead}, 0, true, []error{ErrPeer, dead}, "client: connection failed: the peer closed"},
		{"all connections alike", report.Run{Connections: 3}, []error{dead, dead, dead}, 0, true, []error{ErrPeer, dead}, "3 of 3 connections: the peer closed"},
		{"mismatch", report.Run{Sent: 5, Received: 5, Errors: 2}, nil, 2, true, []error{ErrMismatch}, "2 replies"},
		{"failure and mismatch", report.Run{Connections: 2, Received: 3}, []error{dead}, 1, true, []error{ErrPeer, ErrMismatch}, "1 of 2 connections: the peer closed the connection without answering; client: reply does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runError(&tt.run, tt.fatal, tt.mismatched, tt.started)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("%v does not wrap %v", err, w)
				}
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %q, want one line containing %q", err, tt.wantMsg)
			}
		})
	}
}

func TestJoinFailuresOneLine(t *testing.T) {
	a, b := errors.New("reason a"), errors.New("reason b")
	err := joinFailures([]error{a, b, a}, 4)
	want := "3 of 4 connections failed: 2 connections: reason a; 1 connection: reason b"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if !errors.Is(err, a) || !errors.Is(err, b) {
		t.Errorf("%v does not wrap both reasons", err)
	}
	// A thousand connections: reasons that differ only in their counts
	// are one, and past four reasons the rest are counted.
	var many []error
	for i := range 1000 {
		many = append(many, fmt.Errorf("the peer closed the connection after %d replies", 200+i%300))
	}
	for i := range 6 {
		many = append(many, fmt.Errorf("reason %c", 'c'+i))
	}
	err = joinFailures(many, 1006)
	want = "1006 of 1006 connections failed: 1000 connections: the peer closed the connection after 200 replies (the first; the counts differ between them); " +
		"1 connection: reason c; 1 connection: reason d; 1 connection: reason e; 3 connections for 3 other reasons"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if !errors.Is(err, many[999]) || !errors.Is(err, many[1005]) {
		t.Errorf("%v does not wrap every failure", err)
	}
}

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		what string
		want string
	}{{1, "reply", "1 reply"}, {2, "reply", "2 replies"}, {0, "error", "0 errors"}, {1, "message", "1 message"}} {
		if got := plural(tt.n, tt.what); got != tt.want {
			t.Errorf("plural(%d, %q) = %q, want %q", tt.n, tt.what, got, tt.want)
		}
	}
}
