package client

import "testing"

func TestChooseIOMode(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mode      IOMode
		conns     int
		procs     int
		inProcess bool
		want      IOMode
	}{
		{"pinned, one connection", IOAuto, 1, 1, false, IOBlocking},
		{"pinned, two connections", IOAuto, 2, 1, false, IOPoller},
		{"two Ps, one connection", IOAuto, 1, 2, false, IOBlocking},
		{"two Ps, two connections", IOAuto, 2, 2, false, IOPoller},
		{"eight Ps, seven connections", IOAuto, 7, 8, false, IOBlocking},
		{"eight Ps, eight connections", IOAuto, 8, 8, false, IOPoller},
		{"peer in process, one connection", IOAuto, 1, 8, true, IOPoller},
		{"peer in process, pinned", IOAuto, 1, 1, true, IOPoller},
		{"no connections", IOAuto, 0, 4, false, IOPoller},
		{"unknown Ps", IOAuto, 1, 0, false, IOPoller},
		{"forced poller", IOPoller, 1, 8, false, IOPoller},
		{"forced blocking past the Ps", IOBlocking, 100, 2, false, IOBlocking},
		{"forced blocking in process", IOBlocking, 1, 2, true, IOBlocking},
		{"forced busy-poll", IOBusyPoll, 1, 1, false, IOBusyPoll},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ChooseIOMode(tc.mode, tc.conns, tc.procs, tc.inProcess); got != tc.want {
				t.Errorf("ChooseIOMode(%v, %d, %d, %v) = %v, want %v", tc.mode, tc.conns, tc.procs, tc.inProcess, got, tc.want)
			}
		})
	}
}

func TestIOModeParse(t *testing.T) {
	for m := IOAuto; m <= IOBusyPoll; m++ {
		got, err := ParseIOMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseIOMode(%q) = %v, %v; want %v", m.String(), got, err, m)
		}
	}
	for _, bad := range []string{"", "Auto", "block", "busypoll", "epoll"} {
		if _, err := ParseIOMode(bad); err == nil {
			t.Errorf("ParseIOMode(%q): no error", bad)
		}
	}
	if s := IOMode(9).String(); s != "IOMode(9)" {
		t.Errorf("IOMode(9).String() = %q", s)
	}
}

// TestWithIOMode: a Conn dialled in each mode runs in it where the system
// has raw modes, in poller mode elsewhere.
func TestWithIOMode(t *testing.T) {
	for _, m := range []IOMode{IOAuto, IOPoller, IOBlocking, IOBusyPoll} {
		var o options
		WithIOMode(m)(&o)
		if o.mode != m {
			t.Errorf("WithIOMode(%v): mode %v", m, o.mode)
		}
	}
}
