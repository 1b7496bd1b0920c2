#!/usr/bin/env bash
# Runs every native fuzz target of the module for a short time each.
# Usage: scripts/fuzz.sh [fuzztime, default 3s]
#
# A failing input is saved under the package's testdata/fuzz/TARGET and
# fails every later run, the retry included. A failure that saved none (the
# fuzzing engine's own, such as a worker that did not answer in time) is
# printed and the target run once more.
#
# Fuzzing instruments every package the test binary needs, so the runs are
# built with -tags gigadex_fuzz, which leaves out test files the fuzz
# targets do not need and whose dependencies are costly to build (the
# Kubernetes manifest test and k8s.io/api).
set -euo pipefail
cd "$(dirname "$0")/.."
t="${1:-3s}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "fuzz $pkg $target ($t)"
		for try in 1 2; do
			if go test -tags gigadex_fuzz -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg" >"$out" 2>&1; then
				tail -n 1 "$out"
				break
			fi
			cat "$out"
			if [ "$try" = 2 ] || [ -n "$(git status --porcelain -- "$dir/testdata/fuzz/$target" 2>/dev/null)" ]; then
				echo "fuzz: $target failed"
				exit 1
			fi
			echo "fuzz: $target: the fuzzing engine failed without a failing input; once more"
		done
	done
done
