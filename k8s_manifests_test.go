//go:build linux && !race && !gigadex_fuzz

// The manifest test runs once, on Linux without -race: it has no
// concurrency, and each other build of k8s.io/api (the race detector's,
// the cross-vet's, the fuzzing one that scripts/fuzz.sh makes with
// -tags gigadex_fuzz) would cost CI a minute or two of CPU.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// k8sDir holds the manifests of a distributed run (docs/distributed.md).
const k8sDir = "scripts/k8s"

// k8sPlaceholders are what a user substitutes before applying a manifest,
// and what Kubernetes sets in a pod, given values that parse, so that the
// flags reading them are checked as a user would run them.
func k8sPlaceholders() map[string]string {
	return map[string]string{
		"__START__":            time.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339),
		"JOB_COMPLETION_INDEX": "0",
	}
}

// TestK8sManifests decodes every manifest in scripts/k8s strictly into the
// Kubernetes API types (an unknown or misspelt field fails), and parses
// every gigadex command line their containers run with the flags of the
// real command, so a renamed flag or command breaks it.
func TestK8sManifests(t *testing.T) {
	// The gigadex commands each manifest's containers run, in order.
	want := map[string][]string{
		"flood-agents.yaml": {"flood"},
		"peer.yaml":         {"echo"},
		"results-pod.yaml":  nil,
		"results-pvc.yaml":  nil,
	}
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("%s: missing from %s", name, k8sDir)
		}
	}
	entrypoint := dockerEntrypoint(t, filepath.Join(k8sDir, "Dockerfile"))
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			wantCmds, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for %s: add it to this test", name)
			}
			specs, err := decodeManifests(filepath.Join(k8sDir, name))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, spec := range specs {
				for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
					for _, argv := range gigadexCommands(t, c, entrypoint) {
						path, err := checkGigadexArgs(app, argv)
						if err != nil {
							t.Errorf("container %s: gigadex %s: %v", c.Name, strings.Join(argv, " "), err)
						}
						got = append(got, path)
					}
				}
			}
			if !slices.Equal(got, wantCmds) {
				t.Errorf("gigadex commands run: %q, want %q", got, wantCmds)
			}
		})
	}
}

// decodeManifests decodes each document of a YAML file into its API type,
// rejecting unknown fields, and returns the pod specs it holds.
func decodeManifests(path string) ([]corev1.PodSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var specs []corev1.PodSpec
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripYAMLComments(doc))) == 0 {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		var obj any
		var spec *corev1.PodSpec
		switch gvk := tm.APIVersion + " " + tm.Kind; gvk {
		case "batch/v1 Job":
			o := &batchv1.Job{}
			obj, spec = o, &o.Spec.Template.Spec
		case "apps/v1 Deployment":
			o := &appsv1.Deployment{}
			obj, spec = o, &o.Spec.Template.Spec
		case "v1 Pod":
			o := &corev1.Pod{}
			obj, spec = o, &o.Spec
		case "v1 Service":
			obj = &corev1.Service{}
		case "v1 PersistentVolumeClaim":
			obj = &corev1.PersistentVolumeClaim{}
		default:
			return nil, fmt.Errorf("document %d: %q: not a kind this test knows: add it", i, gvk)
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, err)
		}
		if spec != nil {
			specs = append(specs, *spec)
		}
	}
	return specs, nil
}

func stripYAMLComments(doc []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

// dockerEntrypoint is the exec-form ENTRYPOINT of the image's last stage.
func dockerEntrypoint(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ep []string
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "ENTRYPOINT "); ok {
			ep = nil
			if err := yaml.Unmarshal([]byte(rest), &ep); err != nil || len(ep) == 0 {
				t.Fatalf("%s: ENTRYPOINT %s: want the exec form: %v", path, rest, err)
			}
		}
	}
	if ep == nil {
		t.Fatalf("%s: no ENTRYPOINT", path)
	}
	return ep
}

// gigadexCommands returns the arguments of each gigadex command line a
// container runs: its argv directly, or the commands of a "sh -c" script,
// with the container's literal environment and k8sPlaceholders expanded.
func gigadexCommands(t *testing.T, c corev1.Container, entrypoint []string) [][]string {
	t.Helper()
	argv := slices.Concat(c.Command, c.Args)
	if len(c.Command) == 0 {
		argv = slices.Concat(entrypoint, c.Args)
	}
	placeholders := k8sPlaceholders()
	env := maps.Clone(placeholders)
	for _, e := range c.Env {
		v := e.Value
		if p, ok := placeholders[v]; ok {
			v = p
		}
		if e.ValueFrom != nil {
			v = "from-" + strings.ToLower(e.Name)
		}
		env[e.Name] = v
	}
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			t.Errorf("container %s: $%s is not set", c.Name, k)
			return ""
		})
	}
	isGigadex := func(w string) bool { return filepath.Base(w) == "gigadex" }
	var lines [][]string
	switch {
	case len(argv) >= 3 && slices.Contains([]string{"sh", "bash"}, filepath.Base(argv[0])) && argv[1] == "-c":
		cmds, err := shellCommands(argv[2])
		if err != nil {
			t.Fatalf("container %s: %v", c.Name, err)
		}
		for _, words := range cmds {
			for len(words) > 0 && (words[0] == "exec" || strings.Contains(words[0], "=")) {
				words = words[1:]
			}
			if len(words) > 0 && isGigadex(words[0]) {
				lines = append(lines, words[1:])
			} else if slices.ContainsFunc(words, isGigadex) {
				t.Errorf("container %s: gigadex not in command position: %q", c.Name, words)
			}
		}
	case len(argv) > 0 && isGigadex(argv[0]):
		lines = append(lines, argv[1:])
	}
	for _, l := range lines {
		for i := range l {
			l[i] = expand(l[i])
		}
	}
	return lines
}

// shellCommands splits a POSIX shell script into the words of its simple
// commands: blanks separate words; newlines, ';', '&&', '||' and '|'
// separate commands; single and double quotes and backslashes quote.
// Expansions are left for the caller. Anything else is refused.
func shellCommands(script string) ([][]string, error) {
	var cmds [][]string
	var words []string
	var w strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, w.String())
		}
		w.Reset()
		inWord = false
	}
	endCmd := func() {
		endWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
		}
		words = nil
	}
	for i := 0; i < len(script); i++ {
		switch ch := script[i]; ch {
		case ' ', '\t':
			endWord()
		case '\n', ';', '&', '|':
			if ch == '&' && (i+1 >= len(script) || script[i+1] != '&') {
				return nil, fmt.Errorf("shell: background '&' not supported")
			}
			if (ch == '&' || ch == '|') && i+1 < len(script) && script[i+1] == ch {
				i++
			}
			endCmd()
		case '\'':
			j := strings.IndexByte(script[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("shell: unterminated single quote")
			}
			w.WriteString(script[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(script) {
					return nil, fmt.Errorf("shell: unterminated double quote")
				}
				if script[i] == '"' {
					break
				}
				if script[i] == '\\' && i+1 < len(script) && strings.IndexByte("$`\"\\\n", script[i+1]) >= 0 {
					i++
				}
				if script[i] == '`' {
					return nil, fmt.Errorf("shell: command substitution not supported")
				}
				w.WriteByte(script[i])
			}
		case '\\':
			if i+1 < len(script) {
				i++
				if script[i] != '\n' {
					w.WriteByte(script[i])
					inWord = true
				}
			}
		case '`', '(', ')', '<', '>', '{', '}':
			return nil, fmt.Errorf("shell: %q not supported", ch)
		default:
			w.WriteByte(ch)
			inWord = true
		}
	}
	endCmd()
	return cmds, nil
}

// checkGigadexArgs finds the (sub)command args name in app and parses the
// rest with that command's own flags, as gigadex would. It returns the
// command path ("flood", "report merge").
func checkGigadexArgs(app *cli.App, args []string) (string, error) {
	cmds := app.Commands
	var cmd *cli.Command
	var path []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		i := slices.IndexFunc(cmds, func(c *cli.Command) bool { return c.HasName(args[0]) })
		if i < 0 {
			if cmd == nil {
				return "", fmt.Errorf("no command %q", args[0])
			}
			break
		}
		cmd = cmds[i]
		path = append(path, cmd.Name)
		cmds = cmd.Subcommands
		args = args[1:]
	}
	if cmd == nil {
		return "", fmt.Errorf("no command")
	}
	p := strings.Join(path, " ")
	set := flag.NewFlagSet(p, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range cmd.Flags {
		if err := f.Apply(set); err != nil {
			return p, err
		}
	}
	if err := set.Parse(args); err != nil {
		return p, err
	}
	// Flags after the first argument are arguments to gigadex, not flags.
	for _, a := range set.Args() {
		if strings.HasPrefix(a, "-") && a != "-" {
			return p, fmt.Errorf("%q comes after an argument, so it is read as one", a)
		}
	}
	return p, nil
}
