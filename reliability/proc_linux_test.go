package reliability_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
)

// openFDs returns the number of file descriptors the process has open.
func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents) - 1 // the directory being read
}

// procStatus returns a field of /proc/PID/status ("self" for this process)
// as a number: "VmRSS" in bytes, "Threads" as a count, "SigCgt" as a mask.
func procStatus(pid, field string) (uint64, error) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		val = strings.TrimSpace(val)
		if field == "SigCgt" {
			return strconv.ParseUint(val, 16, 64)
		}
		num, unit, _ := strings.Cut(val, " ")
		n, err := strconv.ParseUint(num, 10, 64)
		if unit == "kB" {
			n <<= 10
		}
		return n, err
	}
	return 0, fmt.Errorf("/proc/%s/status: no %s", pid, field)
}

// rss returns the resident set size of a process in bytes.
func rss(t testing.TB, pid string) uint64 {
	t.Helper()
	n, err := procStatus(pid, "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// proc is a child process of the test: the gigadex binary with arguments.
// Its output is collected; it is killed, if still running, when the test
// ends.
type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *testutil.Buffer
	waited         chan struct{}
	err            error
}

// start runs the gigadex binary with args.
func start(t testing.TB, args ...string) *proc {
	t.Helper()
	p := &proc{
		name:   "gigadex " + strings.Join(args, " "),
		cmd:    exec.Command(gigadex(t), args...),
		stdout: &testutil.Buffer{},
		stderr: &testutil.Buffer{},
		waited: make(chan struct{}),
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.waited)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			p.cmd.Process.Kill()
			<-p.waited
		}
	})
	return p
}

func (p *proc) pid() string { return strconv.Itoa(p.cmd.Process.Pid) }

func (p *proc) exited() bool {
	select {
	case <-p.waited:
		return true
	default:
		return false
	}
}

// signal sends sig to the process.
func (p *proc) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%s: sending %v: %v", p.name, sig, err)
	}
}

// wait waits up to d for the process to exit and returns its exit code. If
// it is still running after d, wait kills it and fails the test.
func (p *proc) wait(t testing.TB, d time.Duration) int {
	t.Helper()
	select {
	case <-p.waited:
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.waited
		t.Fatalf("%s: still running after %v (killed)\nstderr:\n%s", p.name, d, tail(p.stderr.String(), 2000))
	}
	var ee *exec.ExitError
	if p.err != nil && !errors.As(p.err, &ee) {
		t.Fatalf("%s: %v", p.name, p.err)
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("%s: killed by %v\nstderr:\n%s", p.name, ws.Signal(), tail(p.stderr.String(), 2000))
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitHandlers waits until the command's own SIGINT and SIGTERM handlers
// are in place. The Go runtime catches every signal as it starts, before
// main runs, so SigCgt alone says nothing about them; the command installs
// them before it opens its first socket (a listener, a dial), so an open
// socket says they are in place.
func (p *proc) waitHandlers(t testing.TB) {
	t.Helper()
	const want = 1<<(syscall.SIGINT-1) | 1<<(syscall.SIGTERM-1)
	ok := waitFor(10*time.Second, func() bool {
		m, err := procStatus(p.pid(), "SigCgt")
		return err == nil && m&want == want && hasSocket(p.pid())
	})
	if !ok {
		t.Fatalf("%s: no signal handlers and no socket after 10 s", p.name)
	}
}

// hasSocket reports whether process pid has a socket open.
func hasSocket(pid string) bool {
	dir := "/proc/" + pid + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if l, err := os.Readlink(dir + "/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// echoProc is a "gigadex echo" child process.
type echoProc struct {
	*proc
	addr string
}

// startEcho runs "gigadex echo --addr addr" and waits for its "listening
// on" line. It returns an error if the process exits first, such as when
// the port is still taken.
func startEcho(t testing.TB, addr string, extra ...string) (*echoProc, error) {
	t.Helper()
	p := start(t, append([]string{"echo", "--addr", addr, "--grace", "1s"}, extra...)...)
	var got string
	ok := waitFor(10*time.Second, func() bool {
		line, _, found := strings.Cut(p.stdout.String(), "\n")
		if found && strings.HasPrefix(line, "listening on ") {
			got = strings.TrimPrefix(line, "listening on ")
			return true
		}
		return p.exited()
	})
	switch {
	case got != "":
		return &echoProc{proc: p, addr: got}, nil
	case !ok:
		return nil, fmt.Errorf("%s: no \"listening on\" line after 10 s", p.name)
	}
	return nil, fmt.Errorf("%s: exited: %v: %s", p.name, p.err, strings.TrimSpace(p.stderr.String()))
}

// mustStartEcho is startEcho that fails the test on error.
func mustStartEcho(t testing.TB, addr string, extra ...string) *echoProc {
	t.Helper()
	e, err := startEcho(t, addr, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
