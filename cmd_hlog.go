package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/internal/outfile"
	"github.com/gigadex/gigadex/report"
)

// hlogFile is the --hlog interval log of a ping or flood run, written
// while the run goes.
type hlogFile struct {
	ctx    context.Context // the run's: an interrupt ends a blocked Close
	path   string
	w      io.WriteCloser
	stream *report.LogStream
}

// startHlog opens the --hlog file at path, in place (a process killed
// mid-run leaves every second written so far readable, which a temporary
// file renamed at the end would not), and starts streaming the run's
// intervals into it. A FIFO, a device or "-" is written as it is, never
// replaced. With an empty path it returns a nil *hlogFile, whose methods do
// nothing.
func startHlog(c *cli.Context, path, title string) (*hlogFile, error) {
	if path == "" {
		return nil, nil
	}
	// A FIFO's reader gets as long as the other outputs give it; an
	// interrupt ends the wait.
	ctx, cancel := context.WithTimeout(c.Context, outfile.FIFOWait)
	defer cancel()
	w, err := std(c).Open(ctx, path)
	switch {
	case err != nil && c.Context.Err() != nil:
		return nil, cli.Exit(fmt.Sprintf("--hlog: %v", err), exitInterrupted)
	case err != nil && ctx.Err() != nil:
		return nil, cli.Exit(fmt.Sprintf("--hlog: %v", err), exitRunError)
	case err != nil:
		return nil, cli.Exit(fmt.Sprintf("--hlog: %v", err), exitUsage)
	}
	return &hlogFile{ctx: c.Context, path: path, w: w, stream: report.NewLogStream(w, title, time.Second)}, nil
}

// Stream returns the stream to set as LoadConfig.Intervals, or nil.
func (h *hlogFile) Stream() *report.LogStream {
	if h == nil {
		return nil
	}
	return h.stream
}

// Close writes the rest of the log, the last partial second included, and
// closes the file.
func (h *hlogFile) Close() error {
	if h == nil {
		return nil
	}
	// A FIFO whose reader does not read would hold the rest of the log
	// forever: writes end after FIFOWait, or at an interrupt that comes
	// while they wait.
	wait := h.ctx
	if wait.Err() != nil {
		wait = context.WithoutCancel(wait)
	}
	wait, cancel := context.WithTimeout(wait, outfile.FIFOWait)
	defer cancel()
	stop := outfile.BoundWrites(wait, h.w)
	err := h.stream.Close()
	stop()
	if cerr := h.w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("--hlog %s: %v", h.path, err), exitRunError)
	}
	return nil
}
