package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gigadex/gigadex/internal/testutil"
)

// runSchemaPath is the published JSON Schema of gigadex.run/v1.
var runSchemaPath = filepath.Join("docs", "gigadex.run.v1.schema.json")

// compileRunSchema compiles docs/gigadex.run.v1.schema.json, asserting
// formats (date-time) as well as types.
func compileRunSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(runSchemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", runSchemaPath, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(runSchemaPath, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(runSchemaPath)
	if err != nil {
		t.Fatalf("compile %s: %v", runSchemaPath, err)
	}
	return s
}

// validateRun validates one JSON document against s.
func validateRun(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// TestJSONSchemaRealRuns runs the built binary, as a script would, for a
// short ping and flood against the in-process echo, and validates what
// they print with --json against the published schema.
func TestJSONSchemaRealRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gigadex and runs a ping and a 1-second flood")
	}
	schema := compileRunSchema(t)
	bin := testutil.BuildGigadex(t)
	tests := []struct {
		name string
		args []string
	}{
		{"ping", []string{"ping", "--count", "200", "--json"}},
		{"ping at a rate", []string{"ping", "--count", "200", "--rate", "2000", "--json"}},
		{"ping with thresholds", []string{"ping", "--count", "200", "--json", "--threshold", "p99<10s", "--threshold", "msgs_per_sec>1"}},
		{"flood", []string{"flood", "--duration", "1s", "--json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, bin, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("gigadex %s: %v\nstderr:\n%s", strings.Join(tt.args, " "), err, stderr.String())
			}
			if err := validateRun(schema, stdout.Bytes()); err != nil {
				t.Fatalf("stdout of gigadex %s is not a valid gigadex.run/v1 document: %v\nstdout:\n%.2000s", strings.Join(tt.args, " "), err, stdout.String())
			}
			var doc map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if got := doc["command"]; got != tt.args[0] {
				t.Errorf("command = %v, want %q", got, tt.args[0])
			}
		})
	}
}

// TestJSONSchemaRejects checks that the schema is not vacuous: a valid
// document, changed in one core field, fails validation.
func TestJSONSchemaRejects(t *testing.T) {
	schema := compileRunSchema(t)
	out, errs, code := runCLI(t, "", "ping", "--count", "100", "--warmup", "10", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("ping: exit %d\n%s", code, errs)
	}
	if err := validateRun(schema, []byte(out)); err != nil {
		t.Fatalf("the unchanged document does not validate: %v", err)
	}
	tests := []struct {
		name   string
		change func(doc map[string]any)
	}{
		{"another schema", func(d map[string]any) { d["schema"] = "gigadex.run/v2" }},
		{"no latency summary", func(d map[string]any) { delete(d, "latency_ns") }},
		{"negative count", func(d map[string]any) { d["sent"] = -1 }},
		{"fractional nanoseconds", func(d map[string]any) { d["latency_ns"].(map[string]any)["p99"] = 1.5 }},
		{"start not a time", func(d map[string]any) { d["start"] = "yesterday" }},
		{"histogram not HdrHistogram", func(d map[string]any) { d["histogram"] = "not base64" }},
		{"tag value not a string", func(d map[string]any) { d["tags"] = map[string]any{"agent": 1} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			tt.change(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateRun(schema, b); err == nil {
				t.Error("the changed document validates; want an error")
			}
		})
	}
}
