package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

// Inputs that can block forever: stdin, and a FIFO whose open waits for a
// writer and whose reads wait for data. The commands that read them
// (decode, encode, report) end on an interrupt with exit 130, not only
// when the writer goes away.

// errInputInterrupted is returned by reads and opens that an interrupt
// (SIGINT, SIGTERM) ended.
var errInputInterrupted = errors.New("interrupted while reading the input")

// interruptible returns a reader whose Read ends with errInputInterrupted
// as soon as ctx is done, even while a read of r is blocked. Each Read
// runs r.Read in a goroutine on a buffer of its own: after an interrupt
// that read may still be pending, and its result is dropped.
func interruptible(ctx context.Context, r io.Reader) io.Reader {
	if ctx == nil || ctx.Done() == nil {
		return r
	}
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx  context.Context
	r    io.Reader
	buf  []byte
	dead bool // a read is pending after an interrupt; buf is its
}

type readDone struct {
	n   int
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if c.dead || c.ctx.Err() != nil {
		return 0, errInputInterrupted
	}
	if len(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	buf := c.buf[:len(p)]
	done := make(chan readDone, 1)
	go func() {
		n, err := c.r.Read(buf)
		done <- readDone{n, err}
	}()
	select {
	case res := <-done:
		return copy(p, buf[:res.n]), res.err
	case <-c.ctx.Done():
		c.dead = true
		return 0, errInputInterrupted
	}
}

// openInput opens path for reading; opening a FIFO waits for its writer,
// until ctx is done. The file it returns reads through interruptible.
func openInput(ctx context.Context, path string) (io.ReadCloser, error) {
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := os.Open(path)
		ch <- result{f, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		return struct {
			io.Reader
			io.Closer
		}{interruptible(ctx, r.f), r.f}, nil
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.f != nil {
				r.f.Close()
			}
		}()
		return nil, errInputInterrupted
	}
}

// inputFail is the exit error of command name that failed reading its
// input: 130 if an interrupt ended it, else 1.
func inputFail(name string, err error) error {
	if errors.Is(err, errInputInterrupted) {
		return cli.Exit(name+": "+errInputInterrupted.Error(), exitInterrupted)
	}
	return cli.Exit(name+": "+err.Error(), exitRunError)
}

// readInput reads the whole file at path, as os.ReadFile does, until ctx
// is done.
func readInput(ctx context.Context, path string) ([]byte, error) {
	f, err := openInput(ctx, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
