package report

import "io"

// Reporter writes a Run in one output format.
type Reporter func(w io.Writer, r *Run) error

// Formats maps the names of the output formats to their Reporter: "table"
// ([WriteTable]), "markdown" ([WriteMarkdown]), "json" ([WriteJSON]), "hlog"
// ([WriteHistogramLog]) and "hgrm" ([WritePercentiles]).
var Formats = map[string]Reporter{
	"table":    WriteTable,
	"markdown": WriteMarkdown,
	"json":     WriteJSON,
	"hlog":     WriteHistogramLog,
	"hgrm":     WritePercentiles,
}
