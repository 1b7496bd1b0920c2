//go:build !linux

package client_test

import "testing"

func fullListenerOS(*testing.T) string { return "" }
