package report

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
)

// LogHeader is what the title comment of a gigadex interval log says
// about the run that wrote it (see [WithTitle]).
type LogHeader struct {
	Command     string            // "ping" or "flood"
	Addr        string            // the peer
	Connections int               // 0 when the title does not say
	TargetRate  float64           // messages per second, to 4 digits; 0 for closed loop or unknown
	Settings    []string          // the other settings as written: "reply echo", "mix ping", "window 64"
	Tags        map[string]string // the run's --tag labels
}

// logTitle returns the title of a comment line "#[gigadex ...: ...]",
// or "" for any other line.
func logTitle(line []byte) string {
	rest, ok := bytes.CutPrefix(line, []byte("#[gigadex "))
	if !ok {
		return ""
	}
	// The title ends at the first ": " (an address's colon has no space).
	end := bytes.Index(rest, []byte(": "))
	if end < 0 {
		end = bytes.LastIndexByte(rest, ']')
	}
	if end < 0 {
		return ""
	}
	return "gigadex " + string(rest[:end])
}

// ParseLogTitle reads a log's title as ping and flood write it:
// "gigadex COMMAND ADDR, N connection(s), closed loop|rate R msgs/s,
// SETTING VALUE..., KEY=VALUE...". A title that names only the command and
// the address, as [WriteHistogramLog] writes it, gives just those. ok is
// false when title does not start with "gigadex COMMAND".
func ParseLogTitle(title string) (h LogHeader, ok bool) {
	rest, ok := strings.CutPrefix(title, "gigadex ")
	if !ok {
		return h, false
	}
	parts := strings.Split(rest, ", ")
	cmd, addr, _ := strings.Cut(parts[0], " ")
	if cmd == "" {
		return h, false
	}
	h.Command, h.Addr = cmd, addr
	for _, p := range parts[1:] {
		switch {
		case strings.HasSuffix(p, " connection(s)"):
			h.Connections, _ = strconv.Atoi(strings.TrimSuffix(p, " connection(s)"))
		case p == "closed loop":
		case strings.HasPrefix(p, "rate ") && strings.HasSuffix(p, " msgs/s"):
			v := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(p, "rate "), " msgs/s"), " ", "")
			if r, _, err := humanize.ParseSI(v); err == nil {
				h.TargetRate = r
			}
		case strings.Contains(p, "=") && !strings.Contains(p, " "):
			k, v, _ := strings.Cut(p, "=")
			if h.Tags == nil {
				h.Tags = map[string]string{}
			}
			h.Tags[k] = v
		default:
			h.Settings = append(h.Settings, p)
		}
	}
	return h, true
}

// Apply gives r, read from a log, the command, peer, connections, target
// rate, tags and settings that the log's title names; each setting
// "NAME VALUE" goes into r.Config as NAME: "VALUE".
func (h LogHeader) Apply(r *Run) {
	r.Command, r.Addr, r.Connections, r.TargetRate = h.Command, h.Addr, h.Connections, h.TargetRate
	if len(h.Tags) > 0 {
		r.Tags = h.Tags
	}
	for _, s := range h.Settings {
		k, v, _ := strings.Cut(s, " ")
		if r.Config == nil {
			r.Config = map[string]any{}
		}
		r.Config[k] = v
	}
}
