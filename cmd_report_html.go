package main

import (
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/report/html"
)

var reportHTMLCommand = &cli.Command{
	Name:  "html",
	Usage: "write results and capacity searches as one self-contained HTML page with charts",
	Description: "The page needs nothing but itself: its charting code (uPlot) is embedded and nothing is fetched\n" +
		"when it is viewed. Results (ping, flood, merged, .hlog) share a summary table and a percentile spectrum,\n" +
		"overlaid; each has its per-second, per-connection, generator and threshold sections. A capacity result\n" +
		"gets its own section: RTT against throughput with the SLO, and its steps.",
	ArgsUsage: "RESULT... -o FILE.html",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "HTML `FILE` (required; - for stdout)"},
		reportNameFlag, reportTagFlag,
		&cli.StringFlag{Name: "title", Value: "gigadex report", Usage: "page `TITLE`"},
	},
	OnUsageError: reportUsageError,
	Action: reportAction(func(c *cli.Context, paths []string) error {
		if len(paths) == 0 {
			return usagef("report html: need at least one RESULT")
		}
		if c.String("output") == "" {
			return usagef("report html: need -o FILE.html (or -o - for stdout)")
		}
		ins, err := reportReadInputs(c, "html", paths)
		if err != nil {
			return err
		}
		page := html.Page{Title: c.String("title")}
		names := reportNames(c, paths)
		for i, in := range ins {
			if in.capacity != nil {
				page.Capacity = append(page.Capacity, html.FromCapacity(names[i], in.capacity))
			} else {
				page.Runs = append(page.Runs, html.Run{Name: names[i], Run: in.run})
			}
		}
		return reportWrite(c, "html", func(w io.Writer) error { return html.Write(w, page) })
	}),
}

// reportNames returns the legend name of each path: --name in order, then
// the file names without their extension.
func reportNames(c *cli.Context, paths []string) []string {
	names := c.StringSlice("name")
	for i := len(names); i < len(paths); i++ {
		names = append(names, strings.TrimSuffix(filepath.Base(paths[i]), filepath.Ext(paths[i])))
	}
	return names
}
