// Command gigadex is a load and latency tool for the gigadex-events
// protocol: an echo peer, ping (round-trip percentiles) and flood
// (throughput), with reports that HdrHistogram tools read.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"github.com/xrash/smetrics"
)

// Exit codes.
const (
	exitOK          = 0
	exitRunError    = 1
	exitUsage       = 2
	exitRegression  = 3
	exitInterrupted = 130
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	code := exitOK
	app := newApp(stdin, stdout, stderr)
	app.Metadata = map[string]any{"args": args}
	report := func(c *cli.Context, err error) {
		if err == nil {
			return
		}
		code = exitCode(err)
		if code == exitOK {
			return
		}
		msg := err.Error()
		if code == exitUsage {
			msg = usageLine(c, msg)
		}
		if msg != "" {
			fmt.Fprintln(stderr, "gigadex:", msg)
		}
	}
	app.ExitErrHandler = report
	// "gigadex help pign" ends here.
	app.CommandNotFound = func(c *cli.Context, name string) {
		report(c, unknownCommand(c, name))
	}
	if err := app.RunContext(ctx, args); err != nil && code == exitOK {
		report(nil, err)
	}
	return code
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return exitRunError
}

// usagef returns a usage error (exit 2). Its message names the flag or
// argument, the value and the reason, in one line; the app adds a pointer
// to the command's --help.
func usagef(format string, a ...any) error {
	return cli.Exit(fmt.Sprintf(format, a...), exitUsage)
}

// usageLine is the one line printed on stderr for a usage error of
// command c: the message and a pointer to the command's --help.
func usageLine(c *cli.Context, msg string) string {
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; ")
	if help := helpName(c); help != "" {
		msg += fmt.Sprintf(" (see %s --help)", help)
	}
	return msg
}

// helpName is the command line that names c's command: "gigadex report
// merge".
func helpName(c *cli.Context) string {
	if c == nil {
		return ""
	}
	var names []string
	for _, x := range c.Lineage() {
		if x.Command != nil && x.Command.Name != "" {
			names = append(names, x.Command.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Reverse(names)
	if names[0] != "gigadex" {
		names = append([]string{"gigadex"}, names...)
	}
	return strings.Join(names, " ")
}

// suggest returns the candidate closest to name, or "" if none is close.
// Candidates that name starts are preferred; then of those similar enough
// (Jaro-Winkler, or name an abbreviation: its letters in order, the first
// the same) the one the fewest edits away, so that --cnt suggests --count,
// not --connect-timeout.
func suggest(name string, candidates []string) string {
	best, bestRank := "", [2]int{}
	for _, cand := range candidates {
		if len(cand) < 2 && len(name) > 1 {
			continue
		}
		prefix := strings.HasPrefix(cand, name) && len(name) >= 2
		jw := smetrics.JaroWinkler(name, cand, 0.7, 4)
		if !prefix && jw < 0.75 && !abbreviates(name, cand) {
			continue
		}
		// Fewest edits; among as many, the most similar.
		rank := [2]int{1, 1000*smetrics.WagnerFischer(name, cand, 1, 1, 1) - int(1000*jw)}
		if prefix {
			rank[0] = 0
		}
		if best == "" || rank[0] < bestRank[0] || rank[0] == bestRank[0] && rank[1] < bestRank[1] {
			best, bestRank = cand, rank
		}
	}
	return best
}

// abbreviates reports whether name's letters appear in cand in order,
// starting with its first: cnt abbreviates count.
func abbreviates(name, cand string) bool {
	if len(name) < 2 || name[0] != cand[0] {
		return false
	}
	i := 0
	for j := 0; j < len(cand) && i < len(name); j++ {
		if cand[j] == name[i] {
			i++
		}
	}
	return i == len(name)
}

// unknownCommand is the usage error for a command or subcommand of c that
// does not exist.
func unknownCommand(c *cli.Context, name string) error {
	var names []string
	where := "gigadex"
	if c != nil && c.Command != nil {
		for _, sc := range c.Command.Subcommands {
			if !sc.Hidden {
				names = append(names, sc.Names()...)
			}
		}
		if h := helpName(c); h != "" {
			where = h
		}
	}
	msg := fmt.Sprintf("%q is not a %s command", name, where)
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf(", did you mean %q?", s)
	}
	return usagef("%s", msg)
}

// commandsAction runs a command that only holds subcommands: with no
// argument it prints its help, with an unknown one it fails with exit 2.
func commandsAction(c *cli.Context) error {
	if c.Args().Present() {
		return unknownCommand(c, c.Args().First())
	}
	if lin := c.Lineage(); len(lin) < 2 || lin[1].App == nil {
		return cli.ShowAppHelp(c)
	}
	return cli.ShowSubcommandHelp(c)
}

// noArgs fails with a usage error if c was given arguments.
func noArgs(c *cli.Context) error {
	if c.Args().Present() {
		return usagef("unexpected argument %q", c.Args().First())
	}
	return nil
}

// onUsageError makes every flag-parsing error a usage error (exit 2) that
// names the flag, the value and the reason (see usageError), and keeps
// urfave/cli from printing the help on stdout.
func onUsageError(c *cli.Context, err error, _ bool) error {
	flags, args := commandFlags(c)
	return usageError(flags, args, err)
}

// setUsage gives every command in cmds, at any depth, the same handling of
// usage errors and unknown subcommands.
func setUsage(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		if len(c.Subcommands) > 0 && c.Action == nil {
			c.Action = commandsAction
		}
		setUsage(c.Subcommands)
	}
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	cmds := []*cli.Command{
		versionCommand,
		completionCommand,
		manCommand,
		newEncodeCommand(),
		newDecodeCommand(),
		newEchoCommand(),
		newPingCommand(),
		newFloodCommand(),
		newBenchCommand(),
		newCapacityCommand(),
		newABCommand(),
		newReportCommand(),
	}
	setUsage(cmds)
	return &cli.App{
		Name:      "gigadex",
		Usage:     "load and latency tool for the gigadex-events protocol",
		Version:   versionString(),
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Commands:  cmds,
		Description: "Exit codes: 0 ok, 1 run error, 2 usage error, 3 threshold or baseline regression, 130 interrupted.\n" +
			"With --json, stdout holds exactly one JSON document; tables, progress and verdicts go to stderr.",
		HideVersion:          false,
		EnableBashCompletion: true,
		// --tag note=a,b and --name "ping, closed loop" are one value each.
		DisableSliceFlagSeparator: true,
		OnUsageError:              onUsageError,
		Action:                    commandsAction,
	}
}

// versionString is the version of this build: the one stamped with
// -ldflags "-X main.version=...", else the module's version, then the VCS
// revision and time the Go toolchain records in a build from a checkout
// ("v1.2.0", "devel (rev 1a2b3c4d5e6f, 2026-12-07T15:04:05Z, modified)").
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(version, bi)
}

func buildVersion(stamped string, bi *debug.BuildInfo) string {
	v := stamped
	if v == "" && bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "devel"
	}
	if bi == nil {
		return v
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" || strings.Contains(v, rev[:min(12, len(rev))]) {
		return v // a pseudo-version already names the revision
	}
	parts := []string{"rev " + rev[:min(12, len(rev))]}
	if at != "" {
		parts = append(parts, at)
	}
	if modified {
		parts = append(parts, "modified")
	}
	return v + " (" + strings.Join(parts, ", ") + ")"
}

var versionCommand = &cli.Command{
	Name:  "version",
	Usage: "print the version and build environment",
	Action: func(c *cli.Context) error {
		bi, _ := debug.ReadBuildInfo()
		goVer := ""
		if bi != nil {
			goVer = bi.GoVersion
		}
		_, err := fmt.Fprintf(c.App.Writer, "gigadex %s (%s)\n", versionString(), goVer)
		return err
	},
}
