// The command line's contract is tested where its FIFOs and signals exist.

//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/report"
)

// The command line's contract with scripts, tested on the built binary the
// way a script runs it: exit code, stdout parsed as JSON, stderr lines.

// binResult is what a run of the binary gave.
type binResult struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

// stderrLines returns the non-empty lines on stderr.
func (r binResult) stderrLines() []string {
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// runBin runs the binary with args and a 2-minute limit.
func runBin(t *testing.T, bin string, args ...string) binResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIGADEX_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := binResult{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("%v: %v", args, err)
	}
	return r
}

// oneJSON parses stdout as exactly one JSON document.
func oneJSON(t *testing.T, stdout string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
	return doc
}

// wantUsage checks a usage error: exit 2, nothing on stdout, one line on
// stderr containing each of want.
func wantUsage(t *testing.T, args []string, r binResult, want ...string) {
	t.Helper()
	lines := r.stderrLines()
	if r.code != exitUsage || r.stdout != "" || len(lines) != 1 {
		t.Fatalf("%q: exit %d, stdout %q, stderr %q; want exit 2, empty stdout, one line on stderr", args, r.code, r.stdout, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("%q: stderr %q lacks %q", args, lines[0], w)
		}
	}
}

func TestCLIContract(t *testing.T) {
	bin := testutil.BuildGigadex(t)
	dir := t.TempDir()
	result := filepath.Join(dir, "result.json")
	if r := runBin(t, bin, "ping", "-n", "200", "--warmup", "0", "-q", "-o", result); r.code != 0 {
		t.Fatalf("making a result: exit %d: %s", r.code, r.stderr)
	}

	t.Run("an output that is an input or stdout's file is refused", func(t *testing.T) {
		a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
		for _, f := range []string{a, b} {
			data, err := os.ReadFile(result)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		link := filepath.Join(dir, "a-link.json")
		if err := os.Link(a, link); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(a)
		for _, args := range [][]string{
			{"report", "merge", a, b, "-o", a},
			{"report", "merge", a, b, "-o", link},
			{"report", "hgrm", a, "-o", a},
			{"report", "hlog", a, "-o", link},
			{"ping", "-n", "10", "-o", a, "--hgrm", link},
			{"report", "compare", "--baseline", a, b, "--junit", link},
			{"report", "compare", "--baseline", b, a, "--junit", a},
		} {
			r := runBin(t, bin, args...)
			wantUsage(t, args, r, "the same file as")
			if after, _ := os.ReadFile(a); !bytes.Equal(after, before) {
				t.Fatalf("%v changed %s", args, a)
			}
		}
		// --messages is an input too.
		msgs := filepath.Join(dir, "msgs.jsonl")
		if err := os.WriteFile(msgs, []byte(`{"Order":{"id":1,"price":100,"quantity":1,"side":"Buy"}}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"ping", "-n", "10", "--messages", msgs, "-o", msgs},
			{"flood", "--duration", "100ms", "--messages", msgs, "--hlog", msgs},
			{"ping", "-n", "10", "--messages", msgs, "--hgrm", msgs},
			{"capacity", "--slo", "p99<1ms", "--messages", msgs, "-o", msgs},
		} {
			r := runBin(t, bin, args...)
			wantUsage(t, args, r, "the same file as --messages")
			if after, _ := os.ReadFile(msgs); !bytes.HasPrefix(after, []byte(`{"Order"`)) {
				t.Fatalf("%v changed %s", args, msgs)
			}
		}
		// stdout redirected to the file an output names: neither would
		// survive.
		same := filepath.Join(dir, "same.out")
		for _, args := range [][]string{
			{"flood", "--duration", "100ms", "--warmup", "0", "--json", "--hlog", same},
			{"ping", "-n", "10", "--hgrm", same},
		} {
			f, err := os.Create(same)
			if err != nil {
				t.Fatal(err)
			}
			var errb bytes.Buffer
			cmd := exec.Command(bin, args...)
			cmd.Stdout, cmd.Stderr = f, &errb
			err = cmd.Run()
			f.Close()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitUsage || !strings.Contains(errb.String(), "the same file as stdout") {
				t.Errorf("%v > %s: %v, stderr %q: want exit 2 naming stdout", args, same, err, errb.String())
			}
		}
	})

	t.Run("every failed output is reported", func(t *testing.T) {
		if _, err := os.Stat("/dev/full"); err != nil {
			t.Skip("no /dev/full on this system")
		}
		r := runBin(t, bin, "ping", "-n", "2000", "--warmup", "0", "-q", "-o", "/dev/full", "--hlog", "/dev/full")
		if r.code != 1 || !strings.Contains(r.stderr, "-o: /dev/full: no space left") || !strings.Contains(r.stderr, "--hlog /dev/full:") {
			t.Errorf("exit %d, stderr %q: want 1 and both the -o and the --hlog failure", r.code, r.stderr)
		}
	})

	t.Run("unknown command suggests", func(t *testing.T) {
		tests := []struct {
			args []string
			want string
		}{
			{[]string{"pign"}, `did you mean "ping"?`},
			{[]string{"help", "pign"}, `did you mean "ping"?`},
			{[]string{"flod", "--duration", "1s"}, `did you mean "flood"?`},
			{[]string{"report", "tabel", result}, `did you mean "table"?`},
			{[]string{"report", "mrege"}, `did you mean "merge"?`},
			{[]string{"ping", "--cont", "5"}, `did you mean --count?`},
		}
		for _, tt := range tests {
			wantUsage(t, tt.args, runBin(t, bin, tt.args...), tt.want, "--help")
		}
	})

	t.Run("usage error is one line naming flag, value and reason", func(t *testing.T) {
		args := []string{"ping", "--duration", "2"}
		wantUsage(t, args, runBin(t, bin, args...), `--duration "2": missing unit, e.g. 2s`, "gigadex ping --help")
	})

	t.Run("edge values are usage errors", func(t *testing.T) {
		noDir := filepath.Join(dir, "missing", "out")
		notPEM := filepath.Join(dir, "not.pem")
		os.WriteFile(notPEM, []byte("hello"), 0o644)
		common := map[string][]string{
			"--conns":           {"0", "-1", "1e9", "NaN", "x", ""},
			"--duration":        {"-1s", "2", "NaN", "1ns", "9999999999h", "9000h", ""},
			"--warmup":          {"-1", "NaN", "2h", "2G", "soon"},
			"--rate":            {"-1", "NaN", "Inf", "-Inf", "2G", "0.5", "1e400"},
			"--reply-timeout":   {"0", "-1s", "1us", "2h", "5"},
			"--connect-timeout": {"0", "-1s", "1us", "2h", "5"},
			"--seed":            {"-1", "NaN", "1e30", "18446744073709551616"},
			"--addr":            {"localhost", "127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:-1", "127.0.0.1:", ":", "::1"},
			"--reply":           {"nope", ""},
			"--threshold":       {"p99<50", "p0<1ms", "nonsense", "msgs_per_sec>NaN", "p99<NaN", "error_rate<NaN%", "errors<1.5"},
			"--tag":             {"novalue", "=x"},
			"--start-at":        {"soon", "NaN", "-1", "Inf", "9999999999", "1e11", "1e300"},
			"-o":                {noDir + ".json", dir, ""},
			"--hlog":            {noDir + ".hlog", dir},
			"--hgrm":            {noDir + ".hgrm", dir},
			"--tls-ca":          {filepath.Join(dir, "nope.pem"), notPEM},
			"--tls-server-name": {"example.com"}, // without --tls-ca
			"--metrics-addr":    {"localhost", "127.0.0.1:99999", "127.0.0.1:"},
			"--metrics-linger":  {"-1s", "5", "1h"},
		}
		cmds := map[string]map[string][]string{
			"ping": {
				"--count": {"-5", "1.5", "NaN", "2T", "x"},
				"--msg":   {"trade", ""},
			},
			"flood": {
				"--count":  {"-5", "1.5", "NaN", "2T"},
				"--window": {"0", "-1", "2000000", "NaN", "1.5"},
				"--mix":    {"order=50", "quote", ""},
			},
		}
		for cmd, own := range cmds {
			for flag, vals := range common {
				own[flag] = vals
			}
			for flag, vals := range own {
				for _, v := range vals {
					// A long run: had the value not been refused up front, the
					// test would notice the minute.
					args := []string{cmd, "--duration", "1m", flag, v}
					if flag == "--duration" {
						args = []string{cmd, flag, v}
					}
					wantUsage(t, args, runBin(t, bin, args...), flag)
				}
			}
		}
		// The zero count and zero duration together never end.
		wantUsage(t, []string{"ping", "--count", "0"}, runBin(t, bin, "ping", "--count", "0"), "--count 0")
		wantUsage(t, []string{"flood", "--duration", "0"}, runBin(t, bin, "flood", "--duration", "0"), "--duration 0")
		wantUsage(t, []string{"flood", "--rate", "3", "--conns", "4"}, runBin(t, bin, "flood", "--rate", "3", "--conns", "4"), "--rate 3")
		bench := map[string][]string{
			"--count":           {"0", "-1", "NaN", "2T"},
			"--duration":        {"0", "2", "-1s", "1ms"},
			"--conns":           {"0", "-1", "1e9"},
			"--window":          {"0", "2000000"},
			"--connect-timeout": {"0", "1us", "-1s"},
			"--addr":            {"localhost", "127.0.0.1:99999"},
		}
		for flag, vals := range bench {
			for _, v := range vals {
				args := []string{"bench", flag, v}
				wantUsage(t, args, runBin(t, bin, args...), flag)
			}
		}
		echo := map[string][]string{
			"--addr":           {"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:-1", "::1"},
			"--max-conns":      {"-1", "NaN", "1e30"},
			"--read-buffer":    {"0", "-1", "x"},
			"--stats-interval": {"2", "-1s", "NaN"},
			"--idle-timeout":   {"-1s", "5"},
			"--write-timeout":  {"-1s", "5"},
			"--grace":          {"-1s", "x"},
			"--metrics-addr":   {"127.0.0.1", "127.0.0.1:99999"},
		}
		for flag, vals := range echo {
			for _, v := range vals {
				args := []string{"echo", flag, v}
				wantUsage(t, args, runBin(t, bin, args...), flag)
			}
		}
		report := [][]string{
			{"report", "hgrm", "--unit", "parsec", result},
			{"report", "compare", "--baseline", result, "--floor", "2", result},
			{"report", "compare", "--baseline", result, "--floor", "NaN", result},
			{"report", "compare", "--baseline", result, "--max-regress", "p0=5%", result},
			{"report", "compare", "--baseline", result, "--max-regress", "p99=NaN%", result},
			{"report", "compare", "--baseline", result, "--max-regress", "", result},
			{"report", "compare", "--baseline", result, "--threshold", "msgs_per_sec>NaN", result},
			{"report", "compare", "--baseline", result, "--max-regress", "p99=x", result},
			{"report", "compare", "--baseline", result, "--threshold", "p99<50", result},
			{"report", "plot", "-o", filepath.Join(dir, "plot.txt"), result},
		}
		for _, args := range report {
			wantUsage(t, args, runBin(t, bin, args...))
		}
	})

	t.Run("json with thresholds is one document", func(t *testing.T) {
		r := runBin(t, bin, "ping", "-n", "300", "--warmup", "50", "--json", "--threshold", "p99<10s", "--threshold", "msgs_per_sec>0")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := oneJSON(t, r.stdout)
		ths, _ := doc["thresholds"].([]any)
		if len(ths) != 2 {
			t.Fatalf("thresholds %v, want two verdicts", doc["thresholds"])
		}
		for _, th := range ths {
			if m := th.(map[string]any); m["pass"] != true || m["expr"] == "" {
				t.Errorf("verdict %v", m)
			}
		}
		if !strings.Contains(r.stderr, "pass: p99") || !strings.Contains(r.stderr, "| p50 ") {
			t.Errorf("stderr lacks the verdicts or the table:\n%s", r.stderr)
		}
		// A failed threshold: exit 3, and still one JSON document.
		r = runBin(t, bin, "ping", "-n", "300", "--warmup", "50", "--json", "-q", "--threshold", "p50<1ns")
		if r.code != exitRegression {
			t.Fatalf("exit %d, want 3: %s", r.code, r.stderr)
		}
		doc = oneJSON(t, r.stdout)
		if th := doc["thresholds"].([]any)[0].(map[string]any); th["pass"] != false {
			t.Errorf("verdict %v, want a failure", th)
		}
	})

	t.Run("-o - writes the JSON to stdout and the table to stderr", func(t *testing.T) {
		r := runBin(t, bin, "ping", "-n", "300", "--warmup", "50", "-o", "-")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if doc := oneJSON(t, r.stdout); doc["received"] != 300.0 {
			t.Errorf("received %v, want 300", doc["received"])
		}
		if !strings.Contains(r.stderr, "| p50 ") {
			t.Errorf("the table is not on stderr:\n%s", r.stderr)
		}
	})

	t.Run("FIFO as -o stays a FIFO and its reader gets the JSON", func(t *testing.T) {
		fifo := filepath.Join(dir, "result.fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		got := make(chan []byte, 1)
		go func() {
			b, _ := os.ReadFile(fifo)
			got <- b
		}()
		r := runBin(t, bin, "ping", "-n", "300", "--warmup", "50", "-q", "-o", fifo)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		run, err := report.ReadJSON(bytes.NewReader(<-got))
		if err != nil || run.Received != 300 {
			t.Fatalf("the reader got %v, %v", run, err)
		}
		if st, err := os.Lstat(fifo); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
			t.Fatalf("after the run %s is %v (%v), want a FIFO", fifo, st.Mode(), err)
		}
	})

	t.Run("/dev/null as -o", func(t *testing.T) {
		r := runBin(t, bin, "ping", "-n", "200", "--warmup", "0", "-q", "-o", "/dev/null", "--hgrm", "/dev/null")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&fs.ModeCharDevice == 0 {
			t.Fatalf("/dev/null is %v, %v", st.Mode(), err)
		}
	})

	t.Run("a missing directory fails before the run", func(t *testing.T) {
		for _, flag := range []string{"-o", "--hlog", "--hgrm"} {
			path := filepath.Join(dir, "no-such-dir", "out")
			args := []string{"flood", "--duration", "1m", flag, path}
			r := runBin(t, bin, args...)
			wantUsage(t, args, r, flag, path, "does not exist")
			if r.elapsed > 30*time.Second {
				t.Errorf("%s: the error came after %v, not before the 1-minute run", flag, r.elapsed)
			}
		}
	})

	t.Run("regular -o is replaced, keeping its mode", func(t *testing.T) {
		path := filepath.Join(dir, "kept.json")
		os.WriteFile(path, []byte("old"), 0o600)
		if r := runBin(t, bin, "ping", "-n", "200", "--warmup", "0", "-q", "-o", path); r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", st.Mode().Perm())
		}
		if _, err := report.ReadJSON(strings.NewReader(readFile(t, path))); err != nil {
			t.Error(err)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, ".kept.json*")); len(m) > 0 {
			t.Errorf("temporary files left: %v", m)
		}
	})

	t.Run("--count and --rate accept SI suffixes", func(t *testing.T) {
		r := runBin(t, bin, "ping", "--count", "1.5k", "--warmup", "0", "--json", "-q")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if doc := oneJSON(t, r.stdout); doc["received"] != 1500.0 {
			t.Errorf("received %v, want 1500", doc["received"])
		}
		r = runBin(t, bin, "flood", "--rate", "2k", "--conns", "2", "--window", "1k", "--duration", "300ms", "--warmup", "0", "--json", "-q")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if doc := oneJSON(t, r.stdout); doc["target_rate"] != 2000.0 {
			t.Errorf("target_rate %v, want 2000", doc["target_rate"])
		}
	})

	t.Run("--duration alone sets the run's length", func(t *testing.T) {
		r := runBin(t, bin, "ping", "--duration", "300ms", "--json", "-q")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := oneJSON(t, r.stdout)
		cfg := doc["config"].(map[string]any)
		if cfg["count"] != 0.0 {
			t.Errorf("config count %v, want 0 (no limit) when only --duration is given", cfg["count"])
		}
		if d := doc["duration_s"].(float64); d < 0.25 {
			t.Errorf("measured %v s of a 300ms run", d)
		}
	})

	t.Run("no connection: exit 1 and still JSON", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		r := runBin(t, bin, "ping", "--addr", addr, "-n", "10", "--json", "-q")
		if r.code != exitRunError {
			t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
		}
		doc := oneJSON(t, r.stdout)
		samples, _ := doc["error_samples"].([]any)
		if len(samples) == 0 || !strings.Contains(samples[0].(string), "refused") {
			t.Errorf("error_samples %v", doc["error_samples"])
		}
		if !strings.Contains(r.stderr, addr) {
			t.Errorf("stderr does not name %s: %s", addr, r.stderr)
		}
	})

	t.Run("a peer that never answers: exit 1 and still JSON", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		r := runBin(t, bin, "ping", "--addr", ln.Addr().String(), "--duration", "300ms", "--warmup", "0",
			"--reply-timeout", "200ms", "--json", "-q", "--threshold", "p99<1s")
		if r.code != exitRunError {
			t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
		}
		doc := oneJSON(t, r.stdout)
		if doc["received"] != 0.0 {
			t.Errorf("received %v", doc["received"])
		}
		if th := doc["thresholds"].([]any)[0].(map[string]any); th["pass"] != false {
			t.Errorf("a threshold on an empty run passed: %v", th)
		}
	})

	t.Run("interrupt: exit 130 with the results", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "flood", "--duration", "1m", "--warmup", "0", "--json", "-q")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(700 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
			t.Fatalf("%v, want exit 130: %s", err, errb.String())
		}
		if doc := oneJSON(t, out.String()); doc["interrupted"] != true {
			t.Errorf("interrupted %v", doc["interrupted"])
		}
	})
}

func TestCompletionAndMan(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, errs, code := runCLI(t, "", "completion", shell)
		if code != 0 || !strings.Contains(out, "gigadex") {
			t.Errorf("completion %s: exit %d, stderr %q", shell, code, errs)
		}
	}
	if _, _, code := runCLI(t, "", "completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: exit %d, want %d", code, exitUsage)
	}
	// What the scripts ask the binary for (urfave/cli reads os.Args for
	// it, so the real binary): the commands, and a command's flags.
	bin := testutil.BuildGigadex(t)
	if r := runBin(t, bin, "--generate-bash-completion"); !strings.Contains(r.stdout, "capacity\n") {
		t.Errorf("command completion %q", r.stdout)
	}
	if r := runBin(t, bin, "ping", "--co", "--generate-bash-completion"); !strings.Contains(r.stdout, "--count") || !strings.Contains(r.stdout, "--connect-timeout") {
		t.Errorf("flag completion %q", r.stdout)
	}
	out, _, code := runCLI(t, "", "man")
	if code != 0 || !strings.Contains(out, ".TH gigadex 1") || !strings.Contains(out, "capacity") {
		t.Errorf("man: exit %d, %.200q", code, out)
	}
}
