//go:build !linux

package testutil

import "testing"

// FullListener returns "": a loopback listener with a full accept queue is
// made on Linux only.
func FullListener(testing.TB) string { return "" }
