package main

import (
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/report"
)

// hlogFile is the --hlog interval log of a ping or flood run, written
// while the run goes.
type hlogFile struct {
	path   string
	f      *os.File
	stream *report.LogStream
}

// startHlog opens the --hlog file at path, in place (a process killed
// mid-run leaves every second written so far readable, which a temporary
// file renamed at the end would not), and starts streaming the run's
// intervals into it. With an empty path it returns a nil *hlogFile, whose
// methods do nothing.
func startHlog(path, title string) (*hlogFile, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("--hlog: %v", err), exitUsage)
	}
	return &hlogFile{path: path, f: f, stream: report.NewLogStream(f, title, time.Second)}, nil
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
	err := h.stream.Close()
	if cerr := h.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("--hlog %s: %v", h.path, err), exitRunError)
	}
	return nil
}
