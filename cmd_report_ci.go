package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/capacity"
	"github.com/gigadex/gigadex/report"
)

func (o *reportOptions) junitCommand() *cli.Command {
	return &cli.Command{
		Name:  "junit",
		Usage: "write the checks of saved results as JUnit XML, for CI servers' test reports",
		Description: "One <testsuite> per RESULT: one <testcase> per --threshold verdict the result holds (ping, flood,\n" +
			"merged), or for a capacity result a \"capacity\" case (failed when no rate passed) and one case per SLO\n" +
			"term, valued at the capacity. A failed case's message holds the measured value and the limit.\n" +
			"The exit code is 0 when the file is written, whatever the cases say: the run that checked them already\n" +
			"exited 3 (report compare --junit FILE writes the compared metrics as cases).",
		ArgsUsage: "RESULT...",
		Flags:     []cli.Flag{o.outputFlag(), o.nameFlag(), o.tagFlag()},
		Action: o.action(func(c *cli.Context, paths []string) error {
			if len(paths) == 0 {
				return usagef("report junit: need at least one RESULT")
			}
			ins, err := o.readInputs(c, "junit", paths)
			if err != nil {
				return err
			}
			names := o.legend(paths)
			suites := make([]report.TestSuite, 0, len(ins))
			for i, in := range ins {
				if in.capacity != nil {
					suites = append(suites, in.capacity.TestSuite(names[i]))
				} else {
					suites = append(suites, report.ThresholdSuite(names[i], in.run))
				}
			}
			return o.write(c, "junit", func(w io.Writer) error { return report.WriteJUnit(w, suites...) })
		}),
	}
}

func (o *reportOptions) csvCommand() *cli.Command {
	return &cli.Command{
		Name:  "csv",
		Usage: "write the per-second RTTs of a saved result as CSV, its percentile spectrum, or a capacity search's steps",
		Description: "Per second: time,tag,count,p50_ns,p99_ns,p99_9_ns,max_ns; a row tagged \"all\" holds every message\n" +
			"type of that second, then one row per type. --spectrum: percentile,value_ns,count,inverse, the steps of\n" +
			"the .hgrm file. A capacity result gives one row per step: step,target_msgs_per_sec,achieved_msgs_per_sec,\n" +
			"window,outcome,failed,sent,received,errors,p50_ns,p99_ns,p99_9_ns,max_ns (failed: the SLO terms it broke,\n" +
			"separated by ';'); with --spectrum, the spectrum of the step at its capacity.",
		ArgsUsage: "RESULT",
		Flags: []cli.Flag{o.outputFlag(), o.tagFlag(),
			boolFlag(&o.spectrum, "spectrum", nil, "write the RTT percentile spectrum instead of the seconds (or of a capacity search's steps)")},
		Action: o.action(func(c *cli.Context, args []string) error {
			if len(args) != 1 {
				return usagef("report csv: want one RESULT, got %d arguments", len(args))
			}
			in, err := o.readInput(c, args[0])
			if err != nil {
				return reportFail("csv", err)
			}
			if in.capacity != nil && o.tag != "" {
				return usagef("report csv: --tag does not apply to a capacity result: its steps hold all message types together")
			}
			if in.capacity != nil && !o.spectrum {
				return o.write(c, "csv", func(w io.Writer) error { return capacity.WriteStepsCSV(w, in.capacity) })
			}
			r, err := in.asRun()
			if err != nil {
				return reportFail("csv", err)
			}
			write := report.WriteSecondsCSV
			if o.spectrum {
				write = report.WriteSpectrumCSV
			}
			return o.write(c, "csv", func(w io.Writer) error { return write(w, r) })
		}),
	}
}

// junitFlag is report compare's --junit.
func (o *reportOptions) junitFlag() *cli.StringFlag {
	return stringFlag(&o.junit, "junit", nil, "also write the compared metrics that have a limit, and the thresholds, as JUnit XML to `FILE`")
}

// writeCompareJUnit writes --junit of report compare: the metrics of cmp
// that have a limit and the verdicts of --threshold on every current run
// (cur), the runs the exit status checks; with several, each case names
// its run by its path, as thresholdsHold's lines do.
func (o *reportOptions) writeCompareJUnit(c *cli.Context, legend []string, cmp report.Comparison, cur compareSide) error {
	if o.junit == "" {
		return nil
	}
	if err := checkOutput("--junit", o.junit); err != nil {
		return err
	}
	suite := report.ComparisonSuite(legend[0], cmp)
	if len(o.cmp.thresholds) > 0 {
		for i, r := range cur.runs {
			run := *r
			run.Thresholds = nil
			run.ApplyThresholds(o.cmp.thresholds)
			cases := report.ThresholdSuite(legend[i], &run).Cases
			if len(cur.runs) > 1 {
				for j := range cases {
					cases[j].Name = cur.names[i] + ": " + cases[j].Name
				}
			}
			suite.Cases = append(suite.Cases, cases...)
		}
	}
	if err := writeOutput(c, o.junit, func(w io.Writer) error { return report.WriteJUnit(w, suite) }); err != nil {
		return cli.Exit(fmt.Sprintf("report compare: --junit: %v", err), exitRunError)
	}
	return nil
}
