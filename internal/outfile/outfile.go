// Package outfile writes a command's output files. A path the user names
// is checked before anything starts ([Resolve]), so that a typo fails in a
// second, not after the run. A regular file (or a name that does not exist
// yet) is replaced atomically: the output goes to a temporary file in the
// same directory, which is synced and renamed over the name. Anything else
// (a FIFO, a device such as /dev/null, /dev/stdout, a process substitution
// /dev/fd/N) is opened and written in place and never replaced. "-" is
// stdout. Errors name the user's path, never a temporary file.
package outfile

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
)

// Kind says how an output path is written.
type Kind int

const (
	Replace Kind = iota // regular file or new name: atomic replace
	Direct              // FIFO, device, /dev/fd/N: written in place
	Stdout              // "-", /dev/stdout
	Stderr              // /dev/stderr
)

// Target is a checked output path.
type Target struct {
	Path string // as the user gave it
	Kind Kind   // how to write it
	File string // the file to open or replace (symbolic links followed)
	mode fs.FileMode
	keep bool // mode holds an existing file's permissions
}

// Resolve checks that path can be written and says how. Its error
// is the reason alone, without the path.
func Resolve(path string) (Target, error) {
	t := Target{Path: path, File: path}
	switch filepath.Clean(path) {
	case "":
		return t, errors.New("empty file name")
	case "-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		t.Kind = Stdout
		return t, nil
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		t.Kind = Stderr
		return t, nil
	}
	if path == "" {
		return t, errors.New("empty file name")
	}
	file, special, err := followLinks(path)
	if err != nil {
		return t, err
	}
	t.File = file
	st, err := os.Stat(file)
	switch {
	case err == nil && st.IsDir():
		return t, errors.New("is a directory")
	case err == nil && (special || !st.Mode().IsRegular()):
		t.Kind = Direct
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
	return t, Reason(err)
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
		return fmt.Errorf("directory %s: %v", dir, Reason(err))
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
			return file, special, Reason(err)
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

// Reason is err without the path an *fs.PathError carries.
func Reason(err error) error {
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

// Std holds the writers that "-" (and /dev/stdout) and /dev/stderr stand
// for: a command's stdout and stderr.
type Std struct{ Out, Err io.Writer }

// Write writes what fn writes to path: "-" and /dev/stdout are s.Out; a
// regular file is replaced atomically; a FIFO or a device is written in
// place. Opening a FIFO waits for its reader at most [FIFOWait], also when
// ctx has ended (an interrupted run still writes what it gathered). The
// error names path.
func (s Std) Write(ctx context.Context, path string, fn func(io.Writer) error) error {
	t, err := Resolve(path)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	switch t.Kind {
	case Stdout:
		return fn(s.Out)
	case Stderr:
		return fn(s.Err)
	case Direct:
		// An interrupted run still writes what it gathered, for at most
		// FIFOWait; an interrupt that comes while it waits ends the wait.
		wait := ctx
		if ctx.Err() != nil {
			wait = context.WithoutCancel(ctx)
		}
		wait, cancel := context.WithTimeout(wait, FIFOWait)
		defer cancel()
		f, err := openDirect(wait, t)
		if err != nil {
			return err
		}
		stop := boundWrites(wait, f)
		err = fn(f)
		stop()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return pathErr(path, err)
	}
	return replaceFile(t, fn)
}

// FIFOWait is how long [Std.Write] waits for a FIFO's reader.
const FIFOWait = 10 * time.Second

// Open opens path for output written as the run goes (an interval
// log, say): a regular file is created or truncated in place, a FIFO or a
// device is opened as it is, "-" is stdout. Opening a FIFO waits for its
// reader until ctx ends. "-" is s.Out. Errors, also those of Write and
// Close, name path.
func (s Std) Open(ctx context.Context, path string) (io.WriteCloser, error) {
	t, err := Resolve(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	switch t.Kind {
	case Stdout:
		return nopCloser{s.Out}, nil
	case Stderr:
		return nopCloser{s.Err}, nil
	case Direct:
		f, err := openDirect(ctx, t)
		if err != nil {
			return nil, err
		}
		return &namedFile{f: f, path: path}, nil
	}
	f, err := os.OpenFile(t.File, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, pathErr(path, err)
	}
	return &namedFile{f: f, path: path}, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// boundWrites makes f's writes (to a FIFO, which the poller serves) fail
// once ctx is done, so that a reader that never reads cannot hold the
// process. It returns the function that lifts the bound.
func boundWrites(ctx context.Context, f *os.File) (stop func()) {
	if dl, ok := ctx.Deadline(); ok {
		f.SetWriteDeadline(dl)
	}
	cancel := context.AfterFunc(ctx, func() { f.SetWriteDeadline(time.Now()) })
	return func() { cancel(); f.SetWriteDeadline(time.Time{}) }
}

// BoundWrites bounds the writes of w, a stream from [Std.Open], by ctx (see
// boundWrites); for anything else it does nothing.
func BoundWrites(ctx context.Context, w io.Writer) (stop func()) {
	if n, ok := w.(*namedFile); ok {
		return boundWrites(ctx, n.f)
	}
	return func() {}
}

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
	return fmt.Errorf("%s: %w", path, Reason(err))
}

// openDirect opens a FIFO or device for writing, without creating or
// truncating it (a regular file reached through /dev/fd/N is appended
// to). A FIFO's open waits for a reader, until ctx ends.
func openDirect(ctx context.Context, t Target) (*os.File, error) {
	flags := os.O_WRONLY
	if st, err := os.Stat(t.File); err == nil && st.Mode().IsRegular() {
		flags |= os.O_APPEND
	}
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := os.OpenFile(t.File, flags, 0)
		ch <- result{f, err}
	}()
	select {
	case r := <-ch:
		return r.f, pathErr(t.Path, r.err)
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.f != nil {
				r.f.Close()
			}
		}()
		return nil, fmt.Errorf("%s: nobody opened it for reading (%v)", t.Path, context.Cause(ctx))
	}
}

// replaceFile writes fn's output to a new file next to t.File, syncs it
// and renames it over t.File. The file keeps an existing file's
// permissions; a new one gets 0666 less the umask, as with os.Create.
func replaceFile(t Target, fn func(io.Writer) error) (err error) {
	dir, base := filepath.Split(t.File)
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
		return pathErr(t.Path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fn(tmp); err != nil {
		return pathErr(t.Path, err)
	}
	if t.keep {
		if err := tmp.Chmod(t.mode); err != nil {
			return pathErr(t.Path, err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return pathErr(t.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return pathErr(t.Path, err)
	}
	if err := os.Rename(tmp.Name(), t.File); err != nil {
		return pathErr(t.Path, err)
	}
	// Make the rename durable; a failure here loses nothing written.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Same reports whether paths a and b name the same file: the same device
// and inode when both exist (so that a hard link, a symbolic link or
// /dev/fd/N is caught), else the same absolute path once symbolic links
// are followed.
func Same(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	fa, _, _ := followLinks(a)
	fb, _, _ := followLinks(b)
	absA, errA := filepath.Abs(fa)
	absB, errB := filepath.Abs(fb)
	return errA == nil && errB == nil && absA == absB
}

// IsFile reports whether path names the file f has open (device and
// inode), such as the file stdout was redirected to.
func IsFile(path string, f *os.File) bool {
	if f == nil {
		return false
	}
	sf, err := f.Stat()
	if err != nil || !sf.Mode().IsRegular() {
		return false // a pipe or a terminal is no file a path names twice
	}
	sp, err := os.Stat(path)
	return err == nil && os.SameFile(sp, sf)
}
