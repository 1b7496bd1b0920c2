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
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
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
	app.ExitErrHandler = func(_ *cli.Context, err error) {
		code = exitCode(err)
		if code != exitOK {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(stderr, "gigadex:", msg)
			}
		}
	}
	if err := app.RunContext(ctx, args); err != nil && code == exitOK {
		code = exitCode(err)
		fmt.Fprintln(stderr, "gigadex:", err)
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
	if isUsageError(err) {
		return exitUsage
	}
	return exitRunError
}

// usageError marks a bad flag or argument (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error {
	return cli.Exit(fmt.Sprintf(format, a...), exitUsage)
}

func isUsageError(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	// Errors from flag parsing itself.
	msg := err.Error()
	for _, p := range []string{"flag provided but not defined", "invalid value", "flag needs an argument", "Required flag", "No help topic"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "gigadex",
		Usage:     "load and latency tool for the gigadex-events protocol",
		Version:   versionString(),
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Commands: []*cli.Command{
			versionCommand,
			encodeCommand,
			decodeCommand,
			echoCommand,
			pingCommand,
			floodCommand,
			benchCommand,
			reportCommand,
			capacityCommand,
		},
		HideVersion:          false,
		EnableBashCompletion: true,
		// --tag note=a,b and --name "ping, closed loop" are one value each.
		DisableSliceFlagSeparator: true,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return cli.Exit(err.Error(), exitUsage)
		},
	}
}

func versionString() string {
	v := version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return v
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
