package main

import (
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/gigadex/gigadex/report/html"
)

func (o *reportOptions) htmlCommand() *cli.Command {
	o.title = "gigadex report"
	return &cli.Command{
		Name:  "html",
		Usage: "write results and capacity searches as one self-contained HTML page with charts",
		Description: "The page needs nothing but itself: its charting code (uPlot) is embedded and nothing is fetched\n" +
			"when it is viewed. Results (ping, flood, merged, .hlog) share a summary table and a percentile spectrum,\n" +
			"overlaid; each has its per-second, per-connection, generator and threshold sections. A capacity result\n" +
			"gets its own section: RTT against throughput with the SLO, and its steps.",
		ArgsUsage: "RESULT... -o FILE.html",
		Flags: []cli.Flag{
			stringFlag(&o.output, "output", []string{"o"}, "HTML `FILE` (required; - for stdout)"),
			o.nameFlag(), o.tagFlag(),
			stringFlag(&o.title, "title", nil, "page `TITLE`"),
		},
		Action: o.action(func(c *cli.Context, paths []string) error {
			if len(paths) == 0 {
				return usagef("report html: need at least one RESULT")
			}
			if o.output == "" {
				return usagef("report html: need -o FILE.html (or -o - for stdout)")
			}
			ins, err := o.readInputs(c, "html", paths)
			if err != nil {
				return err
			}
			page := html.Page{Title: o.title}
			names := o.legend(paths)
			for i, in := range ins {
				if in.capacity != nil {
					page.Capacity = append(page.Capacity, html.FromCapacity(names[i], in.capacity))
				} else {
					page.Runs = append(page.Runs, html.Run{Name: names[i], Run: in.run})
				}
			}
			return o.write(c, "html", func(w io.Writer) error { return html.Write(w, page) })
		}),
	}
}

// legend returns the legend name of each path: --name in order, then the
// file names without their extension.
func (o *reportOptions) legend(paths []string) []string {
	names := slices.Clone(o.names)
	for i := len(names); i < len(paths); i++ {
		names = append(names, strings.TrimSuffix(filepath.Base(paths[i]), filepath.Ext(paths[i])))
	}
	return names
}
