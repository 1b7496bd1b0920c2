//go:build unix

package outfile

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestBoundWritesEndsOnInterrupt: writes to a FIFO whose reader never
// reads end when the context does, instead of blocking for good.
func TestBoundWritesEndsOnInterrupt(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0) // a reader that never reads
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	w, err := (Std{}).Open(ctx, fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	stop := BoundWrites(ctx, w)
	defer stop()
	done := make(chan error, 1)
	go func() { _, err := w.Write(make([]byte, 4<<20)); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("4 MiB written to a FIFO nobody reads")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("write still blocked 5 s after the interrupt")
	}
}
