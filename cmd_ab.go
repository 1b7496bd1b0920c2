package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/report"
)

// abOptions are the settings of ab, bound to its flags.
type abOptions struct {
	plan        abPlan
	baselineBin string
	cmp         compareSettings
}

// newABCommand returns the ab command: alternating measurements of a
// baseline and a candidate peer, then their comparison.
func newABCommand() *cli.Command {
	o := &abOptions{plan: abPlan{rounds: 5}, cmp: newCompareSettings()}
	addr := func(s string) (string, error) { return s, checkAddr(s) }
	return &cli.Command{
		Name:  "ab",
		Usage: "measure a baseline and a candidate peer in alternation, then compare them; exit 3 on a regression",
		Description: "Runs the measurement given after -- (ping or flood, with its flags) --rounds times against each peer,\n" +
			"alternating baseline and current (ABBA...: the first in even rounds, the second in odd ones), so that a\n" +
			"shared machine's drift weighs on both. Then compares the two sets of runs as report compare does:\n" +
			"per metric the medians, the change with a 95% confidence interval and a Mann-Whitney U p-value; a metric\n" +
			"regresses only when its change is beyond its limit and significant. Progress goes to stderr, the table to stdout.",
		ArgsUsage: "--baseline-addr HOST:PORT --addr HOST:PORT [--rounds N] -- ping|flood [FLAGS]",
		Flags: append([]cli.Flag{
			valueFlag(&o.plan.baseAddr, "baseline-addr", addr, nil, "the baseline peer `HOST:PORT` (required)"),
			valueFlag(&o.plan.addr, "addr", addr, nil, "the candidate peer `HOST:PORT` (required)"),
			countFlag(&o.plan.rounds, nil, "rounds", nil, rangeOf[int64]{min: 1, max: 100}, "rounds of one run a side; 5 or more for a verdict at the default limits and alpha"),
			fileFlag(&o.baselineBin, "baseline-bin", nil, "run the baseline's measurements with the gigadex binary `FILE` (another build), and the current side's with this one, each as a process of its own"),
			stringFlag(&o.plan.out, "out", nil, "keep each run's JSON result in `DIR` (baseline-1.json, current-1.json, ...)"),
			boolFlag(&o.cmp.markdown, "markdown", nil, "print the comparison as Markdown (for CI job summaries)"),
		}, o.cmp.flags()...),
		Action: o.run,
	}
}

func (o *abOptions) run(c *cli.Context) error {
	p := o.plan
	p.measure = c.Args().Slice()
	if p.baseAddr == "" || p.addr == "" {
		return usagef("ab: need --baseline-addr and --addr")
	}
	if err := abCheckMeasure(p.measure); err != nil {
		return err
	}
	if p.out != "" {
		if err := os.MkdirAll(p.out, 0o755); err != nil {
			return usagef("ab: --out %q: %v", p.out, err)
		}
	}
	measure := [2]measureFunc{runMeasure, runMeasure}
	if o.baselineBin != "" {
		self, err := os.Executable()
		if err != nil {
			return cli.Exit(fmt.Sprintf("ab: this program's path, to run the current side as the baseline's is run: %v", err), exitRunError)
		}
		measure = [2]measureFunc{execMeasure(o.baselineBin), execMeasure(self)}
	}
	sides, err := runAB(c.Context, p, measure, c.App.ErrWriter)
	if err != nil && len(sides[0].runs) == 0 {
		return err
	}
	if err != nil { // interrupted: compare the complete rounds, then say so
		fmt.Fprintf(c.App.ErrWriter, "interrupted after %d complete rounds: comparing those\n", len(sides[0].runs))
		if cerr := compareAndReport(c.App.Writer, c.App.ErrWriter, "ab", sides[0], sides[1], o.cmp); cerr != nil {
			fmt.Fprintln(c.App.ErrWriter, "gigadex:", cerr)
		}
		return err
	}
	return compareAndReport(c.App.Writer, c.App.ErrWriter, "ab", sides[0], sides[1], o.cmp)
}

// abPlan is an A/B measurement: the same ping or flood run against a
// baseline peer and a candidate peer in alternation, round after round.
type abPlan struct {
	baseAddr, addr string
	rounds         int64
	measure        []string // "ping --count 20k": the command and its flags, without --addr
	out            string   // directory that keeps each run's JSON result; "" keeps none
}

// abSide names the two sides of an A/B measurement.
var abSides = [2]string{"baseline", "current"}

// abOrder returns the sides of round i (from 0) in the order they run:
// baseline first in even rounds, current first in odd ones (ABBA...), so
// that a drift over the rounds, or an advantage of running first or
// second, weighs on both sides alike.
func abOrder(i int) [2]int {
	if i%2 == 0 {
		return [2]int{0, 1}
	}
	return [2]int{1, 0}
}

// measureFunc runs the gigadex command line args and returns its exit
// code; stdout gets the JSON result.
type measureFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// runAB measures the plan's rounds and returns the runs of each side. On
// an interrupt it returns the complete rounds measured until then, with
// the interrupt's exit error.
func runAB(ctx context.Context, p abPlan, measure [2]measureFunc, progress io.Writer) ([2]compareSide, error) {
	var sides [2]compareSide
	for i := range p.rounds {
		var round [2]*report.Run
		for _, s := range abOrder(int(i)) {
			addr := [2]string{p.baseAddr, p.addr}[s]
			name := fmt.Sprintf("%s-%d.json", abSides[s], i+1)
			r, err := abMeasure(ctx, p, addr, name, measure[s])
			if err != nil {
				return sides, err
			}
			fmt.Fprintf(progress, "round %d/%d: %-8s %s: p50 %v, p99 %v, %.0f msgs/s\n", i+1, p.rounds, abSides[s], addr,
				quantileDuration(r, 50), quantileDuration(r, 99), r.MsgsPerSec())
			round[s] = r
		}
		for s := range sides {
			sides[s].runs = append(sides[s].runs, round[s])
			sides[s].names = append(sides[s].names, fmt.Sprintf("%s-%d", abSides[s], i+1))
		}
	}
	return sides, nil
}

// abMeasure runs the plan's measurement once against addr and returns its
// result, also written to the out directory as name if there is one.
func abMeasure(ctx context.Context, p abPlan, addr, name string, measure measureFunc) (*report.Run, error) {
	args := append([]string{"gigadex", p.measure[0], "--addr", addr, "--json", "--quiet"}, p.measure[1:]...)
	var stdout, stderr bytes.Buffer
	code := measure(ctx, args, &stdout, &stderr)
	what := fmt.Sprintf("ab: %s against %s", strings.Join(p.measure, " "), addr)
	switch {
	case code == exitInterrupted || ctx.Err() != nil:
		return nil, cli.Exit("interrupted", exitInterrupted)
	case code != exitOK && code != exitRegression:
		return nil, cli.Exit(fmt.Sprintf("%s: exit %d: %s", what, code, strings.TrimSpace(stderr.String())), exitRunError)
	}
	r, err := report.ReadJSON(bytes.NewReader(stdout.Bytes()))
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("%s: reading its result: %v", what, err), exitRunError)
	}
	if p.out != "" {
		if err := os.WriteFile(filepath.Join(p.out, name), stdout.Bytes(), 0o644); err != nil {
			return nil, cli.Exit(fmt.Sprintf("ab: %v", err), exitRunError)
		}
	}
	return r, nil
}

// abCheckMeasure checks the measurement's command line: ping or flood,
// without the flags that ab sets itself.
func abCheckMeasure(args []string) error {
	if len(args) == 0 {
		return usagef("ab: want the measurement after --, e.g. gigadex ab --baseline-addr A --addr B -- ping --count 20k")
	}
	if args[0] != "ping" && args[0] != "flood" {
		return usagef("ab: %q: want ping or flood after --", args[0])
	}
	for _, a := range args[1:] {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "addr" || name == "json" || name == "o" || name == "out" || name == "quiet" || name == "q") {
			return usagef("ab: %s %s: ab sets --addr, --json and --quiet itself; give the peers with --baseline-addr and --addr", args[0], a)
		}
	}
	return nil
}

func quantileDuration(r *report.Run, q float64) string {
	m, _ := report.ParseMetric(fmt.Sprintf("p%g", q))
	return m.Format(m.Of(r))
}

// runMeasure runs a gigadex command line in this process.
func runMeasure(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, strings.NewReader(""), stdout, stderr)
}

// execMeasure returns a measureFunc that runs the gigadex binary bin. An
// interrupt sends it SIGINT, so that it stops as gigadex does on Ctrl-C.
func execMeasure(bin string) measureFunc {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		cmd := exec.CommandContext(ctx, bin, args[1:]...)
		cmd.Stdout, cmd.Stderr = stdout, stderr
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 10 * time.Second
		err := cmd.Run()
		if ee, ok := errors.AsType[*exec.ExitError](err); ok && ee.ExitCode() >= 0 {
			return ee.ExitCode()
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v", bin, err)
			return exitRunError
		}
		return exitOK
	}
}
