// Package testutil holds what gigadex's tests in several packages share: a
// buffer that a server or a child process may write to while the test reads
// it, and building the gigadex binary for tests that run it as a process.
// Only tests import it.
package testutil

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer is a bytes.Buffer that is safe for concurrent use: a logger, a
// server or a child process writes to it while the test reads it.
type Buffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.buf.Write(p)
}

// Writes returns how many Write calls the buffer has had.
func (b *Buffer) Writes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writes
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns the lines written so far, without the surrounding blank
// space; nil when nothing but blank space was written.
func (b *Buffer) Lines() []string {
	s := strings.TrimSpace(b.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// LinesWith returns the lines written so far that contain substr.
func (b *Buffer) LinesWith(substr string) []string {
	var out []string
	for _, line := range b.Lines() {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}

// Package is the import path of the gigadex command.
const Package = "github.com/gigadex/gigadex"

// BuildTimeout bounds one build of the gigadex binary.
const BuildTimeout = 3 * time.Minute

// Build builds the gigadex command into dir and returns the binary's path.
// It runs the go command found on PATH (go test puts its own first). The
// error includes the compiler's output.
func Build(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building gigadex: %w", err)
	}
	bin := filepath.Join(dir, "gigadex")
	ctx, cancel := context.WithTimeout(context.Background(), BuildTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, Package).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", Package, err, out)
	}
	return bin, nil
}

// BuildGigadex builds the gigadex command into a directory that is removed
// when t ends and returns the binary's path; a failed build fails t.
func BuildGigadex(t testing.TB) string {
	t.Helper()
	bin, err := Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// RequireTool returns the path of a program a test needs: without it, the
// test is skipped, or fails if GIGADEX_REQUIRE_INTEROP=1 (as in CI, where
// scripts/install-deps.sh installs it). from says where it comes from.
func RequireTool(t testing.TB, name, from string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		SkipInterop(t, fmt.Sprintf("%s not found (%s; scripts/install-deps.sh installs it)", name, from))
	}
	return p
}
