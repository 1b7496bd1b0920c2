package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
)

// Output files. A path the user names (-o, --hlog, --hgrm, report -o) is
// checked before anything starts, so that a typo fails in a second, not
// after the run. A regular file (or a name that does not exist yet) is
// replaced atomically: the output goes to a temporary file in the same
// directory, which is synced and renamed over the name. Anything else (a
// FIFO, a device such as /dev/null, /dev/stdout, a process substitution
// /dev/fd/N) is opened and written in place and never replaced. "-" is
// stdout. Errors name the user's path, never a temporary file.

// outputKind says how an output path is written.
type outputKind int

const (
	outputReplace outputKind = iota // regular file or new name: atomic replace
	outputDirect                    // FIFO, device, /dev/fd/N: written in place
	outputStdout                    // "-", /dev/stdout
	outputStderr                    // /dev/stderr
)

// outputTarget is a checked output path.
type outputTarget struct {
	path string     // as the user gave it
	kind outputKind // how to write it
	file string     // the file to open or replace (symbolic links followed)
	mode fs.FileMode
	keep bool // mode holds an existing file's permissions
}

// resolveOutput checks that path can be written and says how. Its error
// is the reason alone, without the path.
func resolveOutput(path string) (outputTarget, error) {
	t := outputTarget{path: path, file: path}
	switch filepath.Clean(path) {
	case "":
		return t, errors.New("empty file name")
	case "-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		t.kind = outputStdout
		return t, nil
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		t.kind = outputStderr
		return t, nil
	}
	if path == "" {
		return t, errors.New("empty file name")
	}
	file, special, err := followLinks(path)
	if err != nil {
		return t, err
	}
	t.file = file
	st, err := os.Stat(file)
	switch {
	case err == nil && st.IsDir():
		return t, errors.New("is a directory")
	case err == nil && (special || !st.Mode().IsRegular()):
		t.kind = outputDirect
		if err := writable(file); err != nil {
			return t, fmt.Errorf("not writable: %v", err)
		}
		return t, nil
	case err == nil:
		t.mode, t.keep = st.Mode().Perm(), true
		if err := writable(file); err != nil {
			return t, fmt.Errorf("not writable: %v", err)
		}
		return t, checkDir(filepath.Dir(file))
	case errors.Is(err, fs.ErrNotExist):
		if special {
			return t, errors.New("no such file or device")
		}
		if strings.HasSuffix(path, "/") {
			return t, errors.New("names a directory, not a file")
		}
		return t, checkDir(filepath.Dir(file))
	case errors.Is(err, syscall.ENOTDIR):
		return t, errors.New("a part of the path is not a directory")
	}
	return t, reason(err)
}

// checkDir checks that files can be created in dir.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case errors.Is(err, syscall.ENOTDIR) || err == nil && !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	case err != nil:
		return fmt.Errorf("directory %s: %v", dir, reason(err))
	}
	if err := writableDir(dir); err != nil {
		return fmt.Errorf("directory %s is not writable: %v", dir, err)
	}
	return nil
}

// followLinks follows path's symbolic links to the file they name.
// special reports whether path or a link leads into /dev or /proc (as
// /dev/stdout and /dev/fd/N do): such files are written in place.
func followLinks(path string) (file string, special bool, err error) {
	isSpecial := func(p string) bool {
		abs, err := filepath.Abs(p)
		return err == nil && (strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/"))
	}
	special = isSpecial(path)
	file = path
	for range 40 {
		st, err := os.Lstat(file)
		if err != nil || st.Mode()&fs.ModeSymlink == 0 {
			return file, special, nil
		}
		target, err := os.Readlink(file)
		if err != nil {
			return file, special, reason(err)
		}
		if !filepath.IsAbs(target) {
			if special {
				// /proc/self/fd/N links to "pipe:[123]" and the like.
				return file, true, nil
			}
			target = filepath.Join(filepath.Dir(file), target)
		}
		special = special || isSpecial(target)
		file = target
	}
	return file, special, errors.New("too many levels of symbolic links")
}

// reason is err without the path an *fs.PathError carries.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// checkOutput checks the path given to flag before the run: a usage error
// (exit 2) naming the flag, the path and the reason, or nil. An empty path
// is no output.
func checkOutput(flag, path string) error {
	if path == "" {
		return nil
	}
	if _, err := resolveOutput(path); err != nil {
		return usagef("%s %q: %v", flag, path, err)
	}
	return nil
}

// writeOutput writes what fn writes to path: "-" and /dev/stdout are the
// command's stdout; a regular file is replaced atomically; a FIFO or a
// device is written in place. The error names path.
func writeOutput(c *cli.Context, path string, fn func(io.Writer) error) error {
	t, err := resolveOutput(path)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	switch t.kind {
	case outputStdout:
		return fn(c.App.Writer)
	case outputStderr:
		return fn(c.App.ErrWriter)
	case outputDirect:
		// Opening a FIFO waits for its reader; give it a while even when
		// the run was interrupted.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Context), fifoWait)
		defer cancel()
		f, err := openDirect(ctx, t)
		if err != nil {
			return err
		}
		err = fn(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return pathErr(path, err)
	}
	return replaceFile(t, fn)
}

// fifoWait is how long writing an output waits for a FIFO's reader.
const fifoWait = 10 * time.Second

// openStream opens path for output written as the run goes (an interval
// log, say): a regular file is created or truncated in place, a FIFO or a
// device is opened as it is, "-" is stdout. Opening a FIFO waits for its
// reader until c's context ends. Errors, also those of Write and Close,
// name path.
func openStream(c *cli.Context, path string) (io.WriteCloser, error) {
	t, err := resolveOutput(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	switch t.kind {
	case outputStdout:
		return nopCloser{c.App.Writer}, nil
	case outputStderr:
		return nopCloser{c.App.ErrWriter}, nil
	case outputDirect:
		f, err := openDirect(c.Context, t)
		if err != nil {
			return nil, err
		}
		return &namedFile{f: f, path: path}, nil
	}
	f, err := os.OpenFile(t.file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, pathErr(path, err)
	}
	return &namedFile{f: f, path: path}, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// namedFile reports errors with the user's path.
type namedFile struct {
	f    *os.File
	path string
}

func (n *namedFile) Write(p []byte) (int, error) {
	k, err := n.f.Write(p)
	return k, pathErr(n.path, err)
}

func (n *namedFile) Close() error { return pathErr(n.path, n.f.Close()) }

// pathErr is err as "path: reason", or nil.
func pathErr(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", path, reason(err))
}

// openDirect opens a FIFO or device for writing, without creating or
// truncating it (a regular file reached through /dev/fd/N is appended
// to). A FIFO's open waits for a reader, until ctx ends.
func openDirect(ctx context.Context, t outputTarget) (*os.File, error) {
	flags := os.O_WRONLY
	if st, err := os.Stat(t.file); err == nil && st.Mode().IsRegular() {
		flags |= os.O_APPEND
	}
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := os.OpenFile(t.file, flags, 0)
		ch <- result{f, err}
	}()
	select {
	case r := <-ch:
		return r.f, pathErr(t.path, r.err)
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.f != nil {
				r.f.Close()
			}
		}()
		return nil, fmt.Errorf("%s: nobody opened it for reading (%v)", t.path, context.Cause(ctx))
	}
}

// replaceFile writes fn's output to a new file next to t.file, syncs it
// and renames it over t.file. The file keeps an existing file's
// permissions; a new one gets 0666 less the umask, as with os.Create.
func replaceFile(t outputTarget, fn func(io.Writer) error) (err error) {
	dir, base := filepath.Split(t.file)
	if dir == "" {
		dir = "."
	}
	var tmp *os.File
	for range 100 {
		name := filepath.Join(dir, fmt.Sprintf(".%s.%d%06d.tmp", base, os.Getpid(), rand.IntN(1e6)))
		tmp, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return pathErr(t.path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fn(tmp); err != nil {
		return pathErr(t.path, err)
	}
	if t.keep {
		if err := tmp.Chmod(t.mode); err != nil {
			return pathErr(t.path, err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return pathErr(t.path, err)
	}
	if err := tmp.Close(); err != nil {
		return pathErr(t.path, err)
	}
	if err := os.Rename(tmp.Name(), t.file); err != nil {
		return pathErr(t.path, err)
	}
	// Make the rename durable; a failure here loses nothing written.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
