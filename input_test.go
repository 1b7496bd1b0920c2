//go:build unix

package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInputInterrupted: the commands that read stdin or a FIFO end with
// exit 130 when interrupted while the writer neither writes nor closes.
func TestInputInterrupted(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "in.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"decode", []string{"decode"}},
		{"decode --hex", []string{"decode", "--hex"}},
		{"encode", []string{"encode"}},
		{"report table from stdin", []string{"report", "table", "-"}},
		{"report table from a FIFO without a writer", []string{"report", "table", fifo}},
		{"report merge from a FIFO without a writer", []string{"report", "merge", fifo, "-"}},
		{"report plot from a FIFO without a writer", []string{"report", "plot", fifo, "-o", filepath.Join(t.TempDir(), "p.svg")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdin, w := io.Pipe() // never written, never closed
			defer w.Close()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			var out, errb bytes.Buffer
			done := make(chan int, 1)
			start := time.Now()
			go func() { done <- run(ctx, append([]string{"gigadex"}, tt.args...), stdin, &out, &errb) }()
			select {
			case code := <-done:
				if code != exitInterrupted || !strings.Contains(errb.String(), "interrupted") {
					t.Errorf("exit %d, stderr %q: want 130 and a word that the read was interrupted", code, errb.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still reading 10 s after the interrupt; stderr %q", errb.String())
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v to end after an interrupt at 200 ms", took)
			}
		})
	}
}

// TestHlogFIFOWithoutReaderInterrupted: --hlog to a FIFO that nobody reads
// waits for a reader before the run; an interrupt ends the wait with exit
// 130, not a usage error.
func TestHlogFIFOWithoutReaderInterrupted(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "log.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var out, errb bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"gigadex", "ping", "--count", "10", "--hlog", fifo}, strings.NewReader(""), &out, &errb)
	if code != exitInterrupted || time.Since(start) > 5*time.Second {
		t.Errorf("exit %d after %v, stderr %q: want 130 soon after the interrupt", code, time.Since(start), errb.String())
	}
}
