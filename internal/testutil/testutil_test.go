package testutil

import (
	"fmt"
	"io"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestBufferConcurrentWriters(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				fmt.Fprintf(&b, "writer %d line %d\n", i, j)
				_ = b.Lines() // reads race with writes unless the buffer locks
			}
		}()
	}
	wg.Wait()
	if got := len(b.Lines()); got != 800 {
		t.Errorf("%d lines, want 800", got)
	}
	if got := len(b.LinesWith("writer 3 ")); got != 100 {
		t.Errorf("%d lines of writer 3, want 100", got)
	}
}

func TestBufferLines(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", nil},
		{"blank", " \n\n", nil},
		{"trailing newline", "a\nb\n", []string{"a", "b"}},
		{"no trailing newline", "a\nb", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Buffer
			b.Write([]byte(tt.in))
			if got := b.Lines(); !slices.Equal(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
			if b.String() != tt.in {
				t.Errorf("String() = %q, want %q", b.String(), tt.in)
			}
		})
	}
}

func TestBuildGigadex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gigadex binary")
	}
	bin := BuildGigadex(t)
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "gigadex") {
		t.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
}

func TestListenServesAndCloses(t *testing.T) {
	served := make(chan net.Conn, 1)
	var addr string
	var accepted *atomic.Int64
	t.Run("listen", func(t *testing.T) {
		addr, accepted = Listen(t, func(c net.Conn) {
			served <- c
			io.Copy(io.Discard, c) // returns once the cleanup closes c
		})
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		<-served
		if n := accepted.Load(); n != 1 {
			t.Errorf("accepted %d, want 1", n)
		}
	})
	// The subtest's cleanup has run: the listener refuses, and the
	// connection it served is closed.
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Error("the listener still accepts after the test ended")
	}
}
