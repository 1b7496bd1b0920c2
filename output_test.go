// The command line's contract is tested where its FIFOs and signals exist.

//go:build unix

package main

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

	"github.com/urfave/cli/v2"
)

// testContext is a cli.Context with the given stdout and stderr.
func testContext(stdout, stderr io.Writer) *cli.Context {
	app := &cli.App{Writer: stdout, ErrWriter: stderr}
	return cli.NewContext(app, nil, &cli.Context{Context: context.Background()})
}

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
		kind     outputKind
		file     string
		wantErr  string
		wantMode fs.FileMode
	}{
		{path: "-", kind: outputStdout},
		{path: "/dev/stdout", kind: outputStdout},
		{path: "/dev/stderr", kind: outputStderr},
		{path: "/dev/null", kind: outputDirect, file: "/dev/null"},
		{path: fifo, kind: outputDirect, file: fifo},
		{path: stdoutLink, kind: outputDirect},
		{path: regular, kind: outputReplace, file: regular, wantMode: 0o600},
		{path: link, kind: outputReplace, file: regular, wantMode: 0o600},
		{path: filepath.Join(dir, "new.json"), kind: outputReplace, file: filepath.Join(dir, "new.json")},
		{path: filepath.Join(dir, "missing", "r.json"), wantErr: "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{path: dir, wantErr: "is a directory"},
		{path: dir + "/nothere/", wantErr: "names a directory"},
		{path: notDir, wantErr: "not a directory"},
		{path: "", wantErr: "empty file name"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := resolveOutput(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.kind != tt.kind || tt.file != "" && got.file != tt.file || got.mode != tt.wantMode {
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
	err := writeOutput(c, path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), path+": ") {
		t.Fatalf("got %v, want boom naming %s", err, path)
	}
	if got := readFile(t, path); got != "old contents" {
		t.Fatalf("after a failed write the file holds %q", got)
	}
	if err := writeOutput(c, path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
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
	if err := writeOutput(c, link, func(w io.Writer) error { _, err := io.WriteString(w, "via link"); return err }); err != nil {
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
	if err := writeOutput(c, fifo, func(w io.Writer) error { _, err := io.WriteString(w, "through the pipe"); return err }); err != nil {
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
	if err := writeOutput(c, "/dev/null", write("x")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat("/dev/null"); st.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is now %v", st.Mode())
	}
	err := writeOutput(c, "/dev/full", write("x"))
	if err == nil || !strings.HasPrefix(err.Error(), "/dev/full: ") || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("/dev/full: got %v", err)
	}
	if err := writeOutput(c, "-", write("to stdout")); err != nil || out.String() != "to stdout" {
		t.Fatalf("-: %v, stdout %q", err, out.String())
	}
	if err := writeOutput(c, "/dev/stderr", write("to stderr")); err != nil || errb.String() != "to stderr" {
		t.Fatalf("/dev/stderr: %v, stderr %q", err, errb.String())
	}
}

func TestOpenStream(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.hlog")
	os.WriteFile(path, []byte("old and longer"), 0o644)
	c := testContext(io.Discard, io.Discard)
	w, err := openStream(c, path)
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
	if _, err := openStream(c, filepath.Join(dir, "no", "run.hlog")); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "no", "run.hlog")) {
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
	w, err = openStream(c, fifo)
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
	c := cli.NewContext(&cli.App{}, nil, &cli.Context{Context: ctx})
	if _, err := openStream(c, fifo); err == nil || !strings.Contains(err.Error(), fifo) {
		t.Fatalf("got %v, want an error naming %s", err, fifo)
	}
	// Let the opener goroutine finish.
	if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}

func TestCheckOutput(t *testing.T) {
	if err := checkOutput("-o", ""); err != nil {
		t.Fatal(err)
	}
	err := checkOutput("-o", "/nonexistent-dir/r.json")
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), `-o "/nonexistent-dir/r.json": directory /nonexistent-dir does not exist`) {
		t.Fatalf("got %v (exit %d)", err, exitCode(err))
	}
}
