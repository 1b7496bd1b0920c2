//go:build unix

package outfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// testContext is a Std with the given stdout and stderr.
func testContext(stdout, stderr io.Writer) Std { return Std{Out: stdout, Err: stderr} }

func TestResolveOutput(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "r.json")
	if err := os.WriteFile(regular, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("r.json", link); err != nil {
		t.Fatal(err)
	}
	stdoutLink := filepath.Join(dir, "out")
	if err := os.Symlink("/dev/stdout", stdoutLink); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(regular, "x.json")
	tests := []struct {
		path     string
		kind     Kind
		file     string
		wantErr  string
		wantMode fs.FileMode
	}{
		{path: "-", kind: Stdout},
		{path: "/dev/stdout", kind: Stdout},
		{path: "/dev/stderr", kind: Stderr},
		{path: "/dev/null", kind: Direct, file: "/dev/null"},
		{path: fifo, kind: Direct, file: fifo},
		{path: stdoutLink, kind: Direct},
		{path: regular, kind: Replace, file: regular, wantMode: 0o600},
		{path: link, kind: Replace, file: regular, wantMode: 0o600},
		{path: filepath.Join(dir, "new.json"), kind: Replace, file: filepath.Join(dir, "new.json")},
		{path: filepath.Join(dir, "missing", "r.json"), wantErr: "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{path: dir, wantErr: "is a directory"},
		{path: dir + "/nothere/", wantErr: "names a directory"},
		{path: notDir, wantErr: "not a directory"},
		{path: "", wantErr: "empty file name"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := Resolve(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tt.kind || tt.file != "" && got.File != tt.file || got.mode != tt.wantMode {
				t.Fatalf("got %+v, want kind %d, file %q, mode %v", got, tt.kind, tt.file, tt.wantMode)
			}
		})
	}
}

func TestWriteOutputReplacesRegularFileAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := os.WriteFile(path, []byte("old contents"), 0o640); err != nil {
		t.Fatal(err)
	}
	c := testContext(io.Discard, io.Discard)
	// A failing writer leaves the old file and no temporary file.
	boom := errors.New("boom")
	err := c.Write(context.Background(), path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), path+": ") {
		t.Fatalf("got %v, want boom naming %s", err, path)
	}
	if got := readFile(t, path); got != "old contents" {
		t.Fatalf("after a failed write the file holds %q", got)
	}
	if err := c.Write(context.Background(), path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "new" {
		t.Fatalf("file holds %q", got)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the old file's 0640", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only r.json: %v", len(entries), entries)
	}
	// Through a symbolic link: the link stays, its target is replaced.
	link := filepath.Join(dir, "link.json")
	os.Symlink("r.json", link)
	if err := c.Write(context.Background(), link, func(w io.Writer) error { _, err := io.WriteString(w, "via link"); return err }); err != nil {
		t.Fatal(err)
	}
	if lst, _ := os.Lstat(link); lst.Mode()&fs.ModeSymlink == 0 || readFile(t, path) != "via link" {
		t.Errorf("link mode %v, target holds %q", lst.Mode(), readFile(t, path))
	}
}

func TestWriteOutputFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	c := testContext(io.Discard, io.Discard)
	if err := c.Write(context.Background(), fifo, func(w io.Writer) error { _, err := io.WriteString(w, "through the pipe"); return err }); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Fatalf("reader got %q", s)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("after the write: %v, %v; want a FIFO", st.Mode(), err)
	}
}

func TestWriteOutputDevices(t *testing.T) {
	var out, errb bytes.Buffer
	c := testContext(&out, &errb)
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := c.Write(context.Background(), "/dev/null", write("x")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat("/dev/null"); st.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is now %v", st.Mode())
	}
	err := c.Write(context.Background(), "/dev/full", write("x"))
	if err == nil || !strings.HasPrefix(err.Error(), "/dev/full: ") || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("/dev/full: got %v", err)
	}
	if err := c.Write(context.Background(), "-", write("to stdout")); err != nil || out.String() != "to stdout" {
		t.Fatalf("-: %v, stdout %q", err, out.String())
	}
	if err := c.Write(context.Background(), "/dev/stderr", write("to stderr")); err != nil || errb.String() != "to stderr" {
		t.Fatalf("/dev/stderr: %v, stderr %q", err, errb.String())
	}
}

func TestOpenStream(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.hlog")
	os.WriteFile(path, []byte("old and longer"), 0o644)
	c := testContext(io.Discard, io.Discard)
	w, err := c.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "line 1\n")
	if got := readFile(t, path); got != "line 1\n" {
		t.Fatalf("while open the file holds %q, want what was written so far", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Open(context.Background(), filepath.Join(dir, "no", "run.hlog")); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "no", "run.hlog")) {
		t.Fatalf("missing directory: %v", err)
	}
	// A FIFO is opened as it is, once its reader comes.
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o600)
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	w, err = c.Open(context.Background(), fifo)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "streamed")
	w.Close()
	if s := <-got; s != "streamed" {
		t.Fatalf("reader got %q", s)
	}
}

func TestOpenStreamFIFOWithoutReaderEndsWithContext(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	syscall.Mkfifo(fifo, 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Std{}).Open(ctx, fifo); err == nil || !strings.Contains(err.Error(), fifo) {
		t.Fatalf("got %v, want an error naming %s", err, fifo)
	}
	// Let the opener goroutine finish.
	if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
