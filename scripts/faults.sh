#!/usr/bin/env bash
# Runs the fault-injection tests (toxiproxy in process between gigadex and
# its echo, sockperf as the latency reference) and writes their "injected
# vs measured" table into docs/reliability.md, between the faults markers.
# Usage: scripts/faults.sh [DOC]   (default docs/reliability.md)
set -euo pipefail
cd "$(dirname "$0")/.."
doc=${1:-docs/reliability.md}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! go test -count=1 -run '^TestFaults$' -v ./reliability >"$out" 2>&1; then
	tail -50 "$out" >&2
	echo "faults.sh: the fault tests failed; $doc not changed" >&2
	exit 1
fi
rows=$(grep -o 'injected-vs-measured | .*' "$out" | sed 's/^injected-vs-measured //')
if [ -z "$rows" ]; then
	echo "faults.sh: the tests printed no rows (skipped? run without -short)" >&2
	exit 1
fi
table=$(
	echo "Measured $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD) on $(nproc) CPUs by scripts/faults.sh:"
	echo
	echo "| fault | injected | measured |"
	echo "|---|---|---|"
	echo "$rows"
)
begin='<!-- faults:begin -->' end='<!-- faults:end -->'
if ! grep -q "$begin" "$doc"; then
	printf '\n%s\n%s\n' "$begin" "$end" >>"$doc"
fi
TABLE="$table" awk -v b="$begin" -v e="$end" '
	$0 == b { print; print ENVIRON["TABLE"]; skip = 1; next }
	$0 == e { skip = 0 }
	!skip { print }
' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
echo "faults.sh: wrote $(echo "$rows" | wc -l) rows to $doc"
