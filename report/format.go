package report

import "io"

// Reporter writes a Run in one output format.
type Reporter func(w io.Writer, r *Run) error

// Formats maps the names of the file formats to their Reporter: "json"
// ([WriteJSON]), "hlog" ([WriteHistogramLog]) and "hgrm"
// ([WritePercentiles]). Tables are printed by package report/table.
var Formats = map[string]Reporter{
	"json": WriteJSON,
	"hlog": WriteHistogramLog,
	"hgrm": WritePercentiles,
}
