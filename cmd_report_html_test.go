package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportHTML: the page is written from every kind of result (the
// browser test of report/html checks what it shows).
func TestReportHTML(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	all := []string{"testdata/ping.json", "testdata/flood.json", "testdata/merged.json", capacityFixture}
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"all kinds", append([]string{"-o", out, "--title", "nightly"}, all...), exitOK, ""},
		{"no output", all, exitUsage, "need -o FILE.html"},
		{"no result", []string{"-o", out}, exitUsage, "need at least one RESULT"},
		{"missing file", []string{"-o", filepath.Join(dir, "x.html"), filepath.Join(dir, "nope.json")}, exitRunError, "nope.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, code := runCLI(t, "", append([]string{"report", "html"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.wantErr) {
				t.Fatalf("exit %d, want %d; stderr %q, want %q", code, tt.code, errs, tt.wantErr)
			}
		})
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<title>nightly</title>", "<th>ping</th><th>flood</th><th>merged</th>",
		"Capacity: capacity", "capacity: 22.0 k msgs/s", "uPlot (v1.6.32)", "Permission is hereby granted"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.html")); !os.IsNotExist(err) {
		t.Errorf("a failed report left its output: %v", err)
	}
}
