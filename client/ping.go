package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// monoBase anchors the monotonic timestamps carried in heartbeats.
var monoBase = time.Now()

// Monotonic returns nanoseconds on the process's monotonic clock. Heartbeat
// timestamps sent by Ping use it, so a Ping survives wall-clock steps.
func Monotonic() uint64 { return uint64(time.Since(monoBase)) }

// ErrMismatch is returned when a reply does not match what was sent.
var ErrMismatch = errors.New("client: reply does not match request")

// Ping sends a Heartbeat carrying the current monotonic time in nanoseconds,
// flushes, and waits for the echoed Heartbeat. It returns the round-trip
// time. Frames that arrive first and are not that heartbeat are skipped.
// The context's deadline, if any, bounds the wait.
func (c *Conn) Ping(ctx context.Context) (time.Duration, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(dl)
		defer c.nc.SetDeadline(time.Time{})
	}
	ts := Monotonic()
	if err := c.Sender.Append(func(b []byte) []byte { return wire.AppendHeartbeat(b, ts) }); err != nil {
		return 0, err
	}
	if err := c.Flush(); err != nil {
		return 0, err
	}
	for {
		v, err := c.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return 0, fmt.Errorf("ping: %w", ctx.Err())
			}
			return 0, fmt.Errorf("ping: %w", err)
		}
		if hb, ok := v.Heartbeat(); ok && hb.Timestamp() == ts {
			return time.Duration(Monotonic() - ts), nil
		}
	}
}
