package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// runCLI runs the command line in-process and returns stdout, stderr and the
// exit code.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, append([]string{"gigadex"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

type goldenVector struct {
	Name     string          `json:"name"`
	Message  json.RawMessage `json:"message"`
	FrameHex string          `json:"frame_hex"`
}

func goldenVectors(t *testing.T) []goldenVector {
	f, err := os.Open("wire/testdata/golden.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []goldenVector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var g goldenVector
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, g)
	}
	return vs
}

func TestEncodeDecodeGolden(t *testing.T) {
	var msgs, frames strings.Builder
	for _, g := range goldenVectors(t) {
		msgs.Write(g.Message)
		msgs.WriteByte('\n')
		frames.WriteString(g.FrameHex + "\n")
	}
	out, errs, code := runCLI(t, msgs.String(), "encode", "--hex")
	if code != 0 || out != frames.String() {
		t.Fatalf("encode --hex: exit %d, stderr %q\n got %s\nwant %s", code, errs, out, frames.String())
	}
	out, errs, code = runCLI(t, frames.String(), "decode", "--hex")
	if code != 0 || out != msgs.String() {
		t.Fatalf("decode --hex: exit %d, stderr %q\n got %s\nwant %s", code, errs, out, msgs.String())
	}
	raw, _, _ := runCLI(t, msgs.String(), "encode")
	out, _, code = runCLI(t, raw, "decode")
	if code != 0 || out != msgs.String() {
		t.Fatalf("raw round trip: exit %d, got %s", code, out)
	}
}

func TestDecodeBadFrame(t *testing.T) {
	good := "30000000040000000000000063000000000000000000000000000000000000000000000000000000000000000000000000000000\n"
	bad := strings.Replace(good, "30000000040000", "30000000090000", 1)
	tests := []struct {
		name, in, wantOut, wantErr string
	}{
		{"bad tag after a good frame", good + bad, `{"CancelOrder":{"id":99}}` + "\n", "frame at byte 52: field tag: invalid value 9"},
		{"truncated", good + good[:20], `{"CancelOrder":{"id":99}}` + "\n", "truncated frame at byte 52"},
		{"oversized prefix", "ffffffff", "", "field length: invalid value 4294967295 (length prefix exceeds MaxMessageSize)"},
		{"not hex", "zz", "", `invalid character 'z'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, tt.in, "decode", "--hex")
			if code != 1 || out != tt.wantOut || !strings.Contains(errs, tt.wantErr) || strings.Count(errs, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1, %q, one line containing %q", code, out, errs, tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\"CancelAck\":{\"id\":1}}\n{\"Quote\":{}}\n", "line 2: wire: bad message JSON: unknown variant \"Quote\""},
		{`{"Order":{"id":1,"price":2,"quantity":3,"side":"Up"}}`, `line 1: wire: bad message JSON: Order: field "side"`},
		{`{"CancelAck":{"id":18446744073709551616}}`, "out of range for u64"},
		{`{"CancelAck":{"id":1,"x":1}}`, `unknown field "x"`},
		{`{"OrderAck":{"id":1}}`, `missing field "timestamp"`},
	}
	for _, tt := range tests {
		_, errs, code := runCLI(t, tt.in, "encode")
		if code != 1 || !strings.Contains(errs, tt.want) {
			t.Errorf("encode %q: exit %d, stderr %q; want exit 1 and %q", tt.in, code, errs, tt.want)
		}
	}
}

func TestUsageAndVersion(t *testing.T) {
	if _, errs, code := runCLI(t, "", "--no-such-flag"); code != 2 {
		t.Errorf("bad flag: exit %d (%s), want 2", code, errs)
	}
	if out, _, code := runCLI(t, "", "version"); code != 0 || !strings.HasPrefix(out, "gigadex ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if out, _, code := runCLI(t, "", "--help"); code != 0 || !strings.Contains(out, "decode") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}

func TestBuildVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d"}, {Key: "vcs.time", Value: "2026-12-07T15:04:05Z"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name    string
		stamped string
		bi      *debug.BuildInfo
		want    string
	}{
		{"stamped wins", "v1.2.0", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v1.2.0"},
		{"module version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "v1.3.0"},
		{"source build with VCS", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "devel (rev 1a2b3c4d5e6f, 2026-12-07T15:04:05Z, modified)"},
		{"pseudo-version names the revision", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207150405-1a2b3c4d5e6f+dirty"}, Settings: vcs}, "v0.0.0-20261207150405-1a2b3c4d5e6f+dirty"},
		{"no build info", "", nil, "devel"},
	}
	for _, tt := range tests {
		if got := buildVersion(tt.stamped, tt.bi); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	flood := []string{"addr", "conns", "c", "count", "n", "connect-timeout", "reply", "reply-timeout", "duration", "d", "window", "w"}
	tests := []struct{ name, want string }{
		{"cnt", "count"},
		{"cont", "count"},
		{"conut", "count"},
		{"con", "conns"},
		{"reply-t", "reply-timeout"},
		{"dur", "duration"},
		{"wndow", "window"},
		{"xyz", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.name, flood); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
