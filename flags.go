package main

// How to add a flag.
//
// Every command keeps its settings in an options struct (loadOptions,
// capacityOptions, echoOptions, reportOptions, ...) whose fields hold
// parsed, checked values. To add a flag:
//
//  1. Add a field of the type the code wants (int64, time.Duration,
//     float64, string, bool, or a parsed type such as client.Mix).
//  2. Bind it in the command's flag list with one of the constructors
//     below: countFlag, durFlag, rateFlag, boolFlag, stringFlag, or
//     valueFlag with a parse function that returns the value or the
//     reason it is refused ("must be from 1 to 10", no flag name: the
//     usage line adds the flag and the value). listFlag appends each
//     occurrence. The field's value before binding is the default.
//  3. Checks that involve two flags go in the options' check method and
//     return usagef("--a %q: ...").
//
// Actions read the struct, never a flag by name (no c.String("x")), and
// every refused value reaches the user through one path: usageError.

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// boundValue is a [flag.Value] that parses into a field of an options
// struct. It never holds a value of its own.
type boundValue struct {
	set    func(string) error
	format func() string
	given  *bool // if not nil, set when the flag is given
}

func (v *boundValue) Set(s string) error {
	if err := v.set(s); err != nil {
		return err
	}
	if v.given != nil {
		*v.given = true
	}
	return nil
}

func (v *boundValue) String() string {
	if v == nil || v.format == nil {
		return ""
	}
	return v.format()
}

// bind returns the value that parses into *dst with parse and prints *dst
// with format (no default is shown if format is nil).
func bind[T any](dst *T, parse func(string) (T, error), format func(T) string) *boundValue {
	v := &boundValue{set: func(s string) error {
		x, err := parse(s)
		if err != nil {
			return err
		}
		*dst = x
		return nil
	}}
	if format != nil {
		v.format = func() string { return format(*dst) }
	}
	return v
}

// valueFlag is a flag of any parsed type. usage should name the value's
// placeholder in backquotes: "peer `HOST:PORT`".
func valueFlag[T any](dst *T, name string, parse func(string) (T, error), format func(T) string, usage string) *cli.GenericFlag {
	return &cli.GenericFlag{Name: name, Value: bind(dst, parse, format), Usage: usage}
}

// listFlag is a repeatable flag: each occurrence is parsed and appended.
func listFlag[T any](dst *[]T, name string, parse func(string) (T, error), usage string) *cli.GenericFlag {
	v := &boundValue{set: func(s string) error {
		x, err := parse(s)
		if err != nil {
			return err
		}
		*dst = append(*dst, x)
		return nil
	}}
	return &cli.GenericFlag{Name: name, Value: v, Usage: usage}
}

// countFlag is a whole number with SI suffixes (10k, 1.5M) in a range;
// given, if not nil, is set when the flag is given.
func countFlag(dst *int64, given *bool, name string, aliases []string, r rangeOf[int64], usage string) *cli.GenericFlag {
	v := bind(dst, r.parse, r.format)
	v.given = given
	return &cli.GenericFlag{Name: name, Aliases: aliases, Value: v,
		Usage: fmt.Sprintf("%s (`N`: %s; accepts 10k, 1.5M)", usage, r.text())}
}

// durFlag is a duration in a range; given, if not nil, is set when the
// flag is given.
func durFlag(dst *time.Duration, given *bool, name string, aliases []string, r rangeOf[time.Duration], usage string) *cli.GenericFlag {
	v := bind(dst, r.parse, r.format)
	v.given = given
	return &cli.GenericFlag{Name: name, Aliases: aliases, Value: v,
		Usage: fmt.Sprintf("%s (`D`: %s)", usage, r.text())}
}

// boolFlag is a switch.
func boolFlag(dst *bool, name string, aliases []string, usage string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: name, Aliases: aliases, Destination: dst, Usage: usage}
}

// stringFlag is free text (a file name, say); its default is *dst.
func stringFlag(dst *string, name string, aliases []string, usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: name, Aliases: aliases, Destination: dst, Value: *dst, Usage: usage}
}

// fileFlag is a file name; an empty name is refused.
func fileFlag(dst *string, name string, aliases []string, usage string) *cli.GenericFlag {
	f := valueFlag(dst, name, func(s string) (string, error) {
		if s == "" {
			return "", errors.New("empty file name")
		}
		return s, nil
	}, nil, usage)
	f.Aliases = aliases
	return f
}

// usageError is the one path from a command line the flag package refused
// to the usage line the user reads: it finds the argument at fault by
// reading args against the command's flags (never the flag package's
// message) and names the flag as typed, the value and the reason.
func usageError(flags []cli.Flag, args []string, parseErr error) error {
	if _, err := scanFlags(flags, args, nil); err != nil {
		return err
	}
	// Not in the arguments: a value from an environment variable.
	for _, f := range flags {
		g, ok := f.(*cli.GenericFlag)
		if !ok {
			continue
		}
		for _, env := range g.EnvVars {
			if s, ok := os.LookupEnv(env); ok {
				if err := g.Value.Set(s); err != nil {
					return usagef("%s %q (from $%s): %v", dashed(g.Name), s, env, err)
				}
			}
		}
	}
	return usagef("%v", parseErr)
}

// scanFlags reads args as the flag package does and returns the usage
// error of the first argument it cannot take: an unknown flag, a flag
// without its value, a value refused. With set, it sets each flag it meets
// and returns the other arguments (report's subcommands take flags after
// their arguments); without, it only checks. "--" ends the flags.
func scanFlags(flags []cli.Flag, args []string, set func(name, value string) error) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(rest, args[i+1:]...), nil
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		typed, value, hasValue := strings.Cut(a, "=")
		name := strings.TrimLeft(typed, "-")
		f := findFlag(flags, name)
		if f == nil {
			return nil, unknownFlag(flags, name)
		}
		if isBool(f) {
			if !hasValue {
				value = "true"
			} else if _, err := strconv.ParseBool(value); err != nil {
				return nil, usagef("%s %q: want true or false", dashed(name), value)
			}
		} else if !hasValue {
			if i+1 == len(args) {
				return nil, usagef("%s needs a value", dashed(name))
			}
			i++
			value = args[i]
		}
		// Without set, only a command line already refused is read:
		// setting a value again changes nothing that is used.
		var err error
		if set != nil {
			err = set(f.Names()[0], value)
		} else {
			err = trySet(f, value)
		}
		if err != nil {
			return nil, usagef("%s %q: %v", dashed(name), value, err)
		}
	}
	return rest, nil
}

// trySet gives value to f, for the reason it refuses it, if any.
func trySet(f cli.Flag, value string) error {
	if g, ok := f.(*cli.GenericFlag); ok {
		return g.Value.Set(value)
	}
	return nil
}

func isBool(f cli.Flag) bool {
	if b, ok := f.(interface{ IsBoolFlag() bool }); ok {
		return b.IsBoolFlag()
	}
	_, ok := f.(*cli.BoolFlag)
	return ok
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// unknownFlag is the usage error of a flag name not among flags, with the
// closest name if one is close.
func unknownFlag(flags []cli.Flag, name string) error {
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	msg := "unknown flag " + dashed(name)
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf(", did you mean %s?", dashed(s))
	}
	return usagef("%s", msg)
}

// dashed writes a flag name as it is typed: -c, --conns.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// commandFlags returns the flags and the raw arguments of c's command,
// for usageError.
func commandFlags(c *cli.Context) ([]cli.Flag, []string) {
	if c == nil {
		return nil, nil
	}
	if lin := c.Lineage(); c.Command != nil && len(lin) > 1 && lin[1].Command != nil {
		return c.Command.Flags, lin[1].Args().Tail()
	}
	if args, ok := c.App.Metadata["args"].([]string); ok && len(args) > 0 {
		return c.App.VisibleFlags(), args[1:]
	}
	return nil, nil
}

var _ flag.Value = (*boundValue)(nil)
