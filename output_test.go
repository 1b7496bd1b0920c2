//go:build unix

package main

import (
	"strings"
	"testing"
)

func TestCheckOutput(t *testing.T) {
	if err := checkOutput("-o", ""); err != nil {
		t.Fatal(err)
	}
	err := checkOutput("-o", "/nonexistent-dir/r.json")
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), `-o "/nonexistent-dir/r.json": directory /nonexistent-dir does not exist`) {
		t.Fatalf("got %v (exit %d)", err, exitCode(err))
	}
}
