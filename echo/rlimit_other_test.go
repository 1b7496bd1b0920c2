//go:build !unix

package echo

import "testing"

func raiseOpenFiles(t *testing.T, n uint64) {}
