package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// Shell completion asks the binary itself: the scripts call gigadex with
// --generate-bash-completion (urfave/cli's protocol), so that completions
// follow the flags of the binary installed. The bash and zsh scripts are
// urfave/cli's autocomplete scripts (MIT licence) with the program named.

const bashCompletion = `# bash completion for gigadex: source it, or put it in
# /etc/bash_completion.d/gigadex (gigadex completion bash > ...).
_gigadex_init_completion() {
  COMPREPLY=()
  _get_comp_words_by_ref "$@" cur prev words cword
}

_gigadex_complete() {
  if [[ "${COMP_WORDS[0]}" != "source" ]]; then
    local cur opts base words
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    if declare -F _init_completion >/dev/null 2>&1; then
      _init_completion -n "=:" || return
    else
      _gigadex_init_completion -n "=:" || return
    fi
    words=("${words[@]:0:$cword}")
    if [[ "$cur" == "-"* ]]; then
      requestComp="${words[*]} ${cur} --generate-bash-completion"
    else
      requestComp="${words[*]} --generate-bash-completion"
    fi
    opts=$(eval "${requestComp}" 2>/dev/null)
    COMPREPLY=($(compgen -W "${opts}" -- ${cur}))
    return 0
  fi
}

complete -o bashdefault -o default -o nospace -F _gigadex_complete gigadex
`

const zshCompletion = `#compdef gigadex
# zsh completion for gigadex: put it in a directory of $fpath as _gigadex
# (gigadex completion zsh > "${fpath[1]}/_gigadex").

_gigadex() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi

  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}

compdef _gigadex gigadex
`

// completionCommand prints a shell's completion script.
var completionCommand = &cli.Command{
	Name:      "completion",
	Usage:     "print the shell completion script for bash, zsh or fish",
	ArgsUsage: "bash|zsh|fish",
	UsageText: "gigadex completion bash > /etc/bash_completion.d/gigadex\n" +
		"   gigadex completion zsh > \"${fpath[1]}/_gigadex\"\n" +
		"   gigadex completion fish > ~/.config/fish/completions/gigadex.fish",
	Action: func(c *cli.Context) error {
		if c.NArg() != 1 {
			return usagef("completion: want one shell: bash, zsh or fish")
		}
		var script string
		switch shell := c.Args().First(); shell {
		case "bash":
			script = bashCompletion
		case "zsh":
			script = zshCompletion
		case "fish":
			s, err := c.App.ToFishCompletion()
			if err != nil {
				return cli.Exit(fmt.Sprintf("completion: %v", err), exitRunError)
			}
			script = s
		default:
			return usagef("completion: %q: want bash, zsh or fish", shell)
		}
		_, err := fmt.Fprint(c.App.Writer, script)
		return err
	},
}

// manCommand prints the manual page, in roff.
var manCommand = &cli.Command{
	Name:      "man",
	Usage:     "print the manual page (roff): gigadex man > gigadex.1; man ./gigadex.1",
	UsageText: "gigadex man > /usr/local/share/man/man1/gigadex.1",
	Action: func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		page, err := c.App.ToManWithSection(1)
		if err != nil {
			return cli.Exit(fmt.Sprintf("man: %v", err), exitRunError)
		}
		_, err = fmt.Fprint(c.App.Writer, strings.TrimLeft(page, "\n"))
		return err
	},
}
