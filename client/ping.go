package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gigadex/gigadex/wire"
)

// monoBase anchors the monotonic timestamps carried in heartbeats.
var monoBase = time.Now()

// Monotonic returns nanoseconds on the process's monotonic clock. Heartbeat
// timestamps sent by Ping use it, so a Ping survives wall-clock steps.
func Monotonic() uint64 { return uint64(time.Since(monoBase)) }

// ErrMismatch reports replies that do not match their request. [Run]
// returns an error wrapping it when replies answered nothing in flight or
// answered wrongly (they are also counted in the result's Errors); Ping
// never does: it waits past frames that are not its reply and keeps them
// for Recv. Callers that pair requests with replies themselves may use it
// too.
var ErrMismatch = errors.New("client: reply does not match request")

// MaxBacklog bounds, in bytes, the frames that Ping keeps for Recv while it
// waits for its reply: past the read buffer's size the buffer grows, up to
// this size.
const MaxBacklog = 16 << 20

// ErrBacklog is returned by Ping when the frames that arrived before its
// reply fill [MaxBacklog] bytes. It is not final: receive those frames with
// Recv, then ping again.
var ErrBacklog = errors.New("client: frames waiting to be received fill the receive buffer")

// Ping sends a Heartbeat carrying the current monotonic time in nanoseconds,
// flushes (with any frames already buffered), and waits for the echoed
// Heartbeat. It returns the round-trip time.
//
// Frames that arrive before the reply are kept, in order, and returned by
// the next calls to Recv: Ping loses nothing. Among them may be the late
// reply of an earlier Ping that failed: a Heartbeat.
//
// The context bounds the whole call in every I/O mode (poller, blocking,
// busy polling): the wait ends at its deadline, or when it is cancelled
// (noticed within 20 ms), and the error then satisfies
// errors.Is(err, ctx.Err()). A receive timeout ([WithRecvTimeout]) shorter
// than the context's deadline ends the wait too, with a timeout error. Both
// leave the connection usable; the reply, should it come later, is then
// returned by Recv. The other errors are Recv's and Flush's.
func (c *Conn) Ping(ctx context.Context) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("ping: %w", err)
	}
	if err := c.Receiver.err; err != nil {
		return 0, fmt.Errorf("ping: %w", err) // no reply can come
	}
	ts := Monotonic()
	if err := c.Sender.Append(func(b []byte) []byte { return wire.AppendHeartbeat(b, ts) }); err != nil {
		return 0, fmt.Errorf("ping: %w", err)
	}
	dl, _ := ctx.Deadline()
	err := c.Sender.flushUntil(dl)
	if !dl.IsZero() && c.Sender.timeout <= 0 {
		c.nc.SetWriteDeadline(time.Time{})
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return 0, fmt.Errorf("ping: %w (%w)", cerr, err)
		}
		return 0, fmt.Errorf("ping: %w", err)
	}
	err = c.Receiver.awaitHeartbeat(ctx, ts)
	if err != nil {
		return 0, fmt.Errorf("ping: %w", err)
	}
	return time.Duration(Monotonic() - ts), nil
}

// awaitHeartbeat waits for the heartbeat carrying ts and takes it out of
// the stream, keeping the frames before it for Recv.
func (r *Receiver) awaitHeartbeat(ctx context.Context, ts uint64) error {
	scan := 0 // bytes of whole frames after buf[r.r] already checked
	for {
		for r.w-r.r-scan >= wire.LengthPrefixSize {
			p := r.r + scan
			v, n, err := wire.ParseFrame(r.buf[p:r.w])
			if err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return r.failAt(err, scan)
			}
			if hb, ok := v.Heartbeat(); ok && hb.Timestamp() == ts {
				// Take the reply out: move the frames before it up over
				// it. r.off then stays the stream offset of what follows.
				copy(r.buf[r.r+n:p+n], r.buf[r.r:p])
				r.r += n
				r.off += int64(n)
				r.recv++
				return nil
			}
			scan += n
		}
		if err := r.fillCtx(ctx); err != nil {
			return err
		}
	}
}
