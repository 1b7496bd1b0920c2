package testutil

import (
	"os"
	"testing"
)

// RequireInteropEnv, set to 1 (as .ci/run does), makes the interoperability
// tests fail instead of skipping when a tool they need is missing.
const RequireInteropEnv = "GIGADEX_REQUIRE_INTEROP"

// SkipInterop skips the test because a tool it needs (cargo, java, a jar,
// sockperf) is missing, for the reason given; with GIGADEX_REQUIRE_INTEROP=1
// it fails the test instead, so that CI cannot pass without running it.
func SkipInterop(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(RequireInteropEnv) == "1" {
		t.Fatal(reason + " (" + RequireInteropEnv + "=1: interoperability tests must run)")
	}
	t.Skip(reason)
}
