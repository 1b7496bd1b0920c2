#!/usr/bin/env bash
# Installs, from Debian's packages, what gigadex's interoperability tests use:
# the rkyv 0.7 and tokio crates of the Cargo workspace in rust/ (the rkyv
# conformance peer and the Rust tokio pair; Cargo resolves the whole
# workspace, so both need all three crates), HdrHistogram's Java
# tools for the log interoperability test, Chromium, in which the HTML
# report's test renders its page headless, Prometheus (the server and
# promtool) for the metrics tests, xmllint, which validates JUnit output
# against its schema, sockperf (the latency reference of the
# fault-injection tests) and shellcheck (for scripts/ in .ci/run). Safe to
# run again.
set -euo pipefail
pkgs=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in librust-rkyv-dev librust-bytecheck-dev librust-tokio-dev libhdrhistogram-java; do
	have_pkg "$p" || pkgs+=("$p")
done
command -v cargo >/dev/null || pkgs+=(cargo)
command -v java >/dev/null || pkgs+=(default-jre-headless)
command -v chromium >/dev/null || pkgs+=(chromium)
command -v prometheus >/dev/null && command -v promtool >/dev/null || pkgs+=(prometheus)
command -v xmllint >/dev/null || pkgs+=(libxml2-utils)
command -v sockperf >/dev/null || pkgs+=(sockperf)
command -v shellcheck >/dev/null || pkgs+=(shellcheck)
if [ ${#pkgs[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages (run as root to install): ${pkgs[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
	echo "installed: ${pkgs[*]}"
else
	echo "all present"
fi
