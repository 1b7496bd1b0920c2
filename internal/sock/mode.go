package sock

import "fmt"

// Mode says how a connection waits for data: see the package
// documentation. The zero value is Auto.
type Mode int

const (
	// Auto lets the client or the server choose one of the other modes.
	Auto Mode = iota
	// Poller waits in Go's network poller: any number of connections.
	Poller
	// Blocking sleeps in the kernel on a blocking socket: a P per waiting
	// connection.
	Blocking
	// BusyPoll spins on non-blocking reads: a busy core per connection.
	BusyPoll
)

// modeNames are the modes' names, by value.
var modeNames = [...]string{Auto: "auto", Poller: "poller", Blocking: "blocking", BusyPoll: "busy-poll"}

// String returns "auto", "poller", "blocking" or "busy-poll".
func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("IOMode(%d)", int(m))
}

// ParseMode returns the mode named s: "auto", "poller", "blocking" or
// "busy-poll".
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return Auto, fmt.Errorf("unknown I/O mode %q (want auto, poller, blocking or busy-poll)", s)
}
