package main

import (
	"io"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/internal/outfile"
)

// checkOutput checks the path given to flag before the run: a usage error
// (exit 2) naming the flag, the path and the reason, or nil. An empty path
// is no output.
func checkOutput(flag, path string) error {
	if path == "" {
		return nil
	}
	if _, err := outfile.Resolve(path); err != nil {
		return usagef("%s %q: %v", flag, path, err)
	}
	return nil
}

// std is the command's stdout and stderr, for the outputs named "-".
func std(c *cli.Context) outfile.Std { return outfile.Std{Out: c.App.Writer, Err: c.App.ErrWriter} }

// writeOutput writes what fn writes to path (see [outfile.Std.Write]).
func writeOutput(c *cli.Context, path string, fn func(io.Writer) error) error {
	return std(c).Write(c.Context, path, fn)
}

// isStdout reports whether path names stdout.
func isStdout(path string) bool {
	t, err := outfile.Resolve(path)
	return path != "" && err == nil && t.Kind == outfile.Stdout
}
