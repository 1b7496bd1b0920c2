// Command benchreport writes the Markdown report of scripts/bench-peers.sh
// from the results directory the script filled (see package
// internal/benchpeers for its layout):
//
//	go run ./scripts/benchreport DIR > report.md
//
// It exits 1 when the directory cannot be read and 2 on a usage error.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gigadex/gigadex/internal/benchpeers"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: benchreport DIR  (the results directory of scripts/bench-peers.sh)")
		return 2
	}
	r, err := benchpeers.Load(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "benchreport:", err)
		return 1
	}
	if err := benchpeers.WriteMarkdown(stdout, r); err != nil {
		fmt.Fprintln(stderr, "benchreport:", err)
		return 1
	}
	return 0
}
